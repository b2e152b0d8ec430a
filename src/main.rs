//! The `crampcare` binary: parses arguments, runs, and maps failures to exit codes.

use clap::Parser;

/// mimalloc instead of the system allocator: reading a message makes and drops a few hundred small
/// strings, and loading tens of thousands; with glibc's malloc that was a sixth of the time
/// (`README.md`, Performance).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = crampcare::cli::Cli::parse();
    if let Err(f) = crampcare::cli::run(cli) {
        eprintln!("crampcare: error: {:#}", f.error());
        std::process::exit(f.code());
    }
}
