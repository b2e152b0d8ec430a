//! Builds the spelling corrector's tables of the shipped word lists (`knowledge/words/*.txt`) at
//! compile time, with the same code that builds them at load for a knowledge folder's own list
//! (`src/engine/words.rs`, included here): loading then reads them back instead of spending a third
//! of its time on them.

use std::path::PathBuf;

#[allow(dead_code)]
#[path = "src/engine/words.rs"]
mod words;

fn main() {
    println!("cargo:rerun-if-changed=src/engine/words.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for code in ["en", "es"] {
        let path = format!("knowledge/words/{code}.txt");
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let english = words::English::new(text.into());
        let deletes = words::DeleteIndex::english(&english, words::INDEXED_WORDS);
        for (name, bytes) in [
            (format!("words-{code}.bin"), english.to_bytes()),
            (format!("deletes-{code}.bin"), deletes.to_bytes()),
        ] {
            let file = out.join(&name);
            std::fs::write(&file, bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
    }
}
