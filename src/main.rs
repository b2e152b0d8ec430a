//! The `crampcare` binary: parses arguments, runs, and maps failures to exit codes.

use clap::Parser;

fn main() {
    let cli = crampcare::cli::Cli::parse();
    if let Err(f) = crampcare::cli::run(cli) {
        eprintln!("crampcare: error: {:#}", f.error());
        std::process::exit(f.code());
    }
}
