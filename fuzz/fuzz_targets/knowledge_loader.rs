//! Any knowledge file a practice could write: arbitrary bytes, read as lossy UTF-8, through
//! `Knowledge::from_texts`.
//!
//! The text is loaded four ways: alone (as `knowledge/fuzz.toml`, and as a bare `fuzz.toml`), added
//! to the built-in files, and in place of one built-in file (the one it shares the longest start
//! with, so a mutated copy of `doctor.toml` replaces `doctor.toml`; else one chosen by the input's
//! length). Each load must return `Ok` or `Err`, never panic or hang. On `Err`, every error must
//! name its file: the `file` of each error is one of the names loaded or, for problems of the
//! knowledge base as a whole, its folder, and its `Display` starts with it. On `Ok` with knowledge
//! other than the built-in one, the engine is built from it and answers a few messages.
#![no_main]

use crampcare::engine::knowledge::BUILTIN;
use std::sync::OnceLock;

use crampcare::engine::{Block, Engine, Knowledge, KnowledgeErrors, Practice};
use libfuzzer_sys::fuzz_target;

const MESSAGES: &[&str] = &[
    "my 7yo calf keeps cramping at nite after soccer what do i do",
    "leg cramp, no fever, calf swollen and red, cant walk",
    "is this serious",
    "hi",
];

fn load(files: Vec<(String, String)>, folder: &str) {
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    match Knowledge::from_texts(files) {
        Ok(k) => {
            // Building the engine is the slow part; the built-in knowledge is covered by `matcher`.
            static BUILTIN_KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
            if &k == BUILTIN_KNOWLEDGE.get_or_init(|| Knowledge::builtin().expect("built-in")) {
                return;
            }
            let engine = Engine::new(k, Practice::default());
            for m in MESSAGES {
                let r = engine.answer(m);
                assert!(
                    matches!(r.blocks.last(), Some(Block::Doctor { .. })),
                    "a reply without the doctor line: {r:?}"
                );
            }
        }
        Err(KnowledgeErrors(errors)) => {
            assert!(!errors.is_empty(), "Err without an error");
            for e in &errors {
                let shown = e.to_string();
                assert!(
                    !e.file.is_empty() && (names.contains(&e.file) || e.file == folder),
                    "error names {:?}, not one of {names:?} or the folder {folder:?}: {shown}",
                    e.file
                );
                assert!(
                    shown.starts_with(&e.file),
                    "error display does not start with its file {:?}: {shown}",
                    e.file
                );
            }
        }
    }
}

fn builtin() -> Vec<(String, String)> {
    BUILTIN
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();

    load(
        vec![("knowledge/fuzz.toml".to_owned(), text.clone())],
        "knowledge",
    );
    // No folder in the name: problems of the knowledge base as a whole still name one.
    load(vec![("fuzz.toml".to_owned(), text.clone())], "knowledge");

    let mut with = builtin();
    with.push(("knowledge/fuzz.toml".to_owned(), text.clone()));
    load(with, "knowledge");

    let mut replaced = builtin();
    let shared = |t: &str| {
        t.bytes()
            .zip(text.bytes())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let i = (0..replaced.len())
        .max_by_key(|&i| (shared(&replaced[i].1), i == data.len() % replaced.len()))
        .filter(|&i| shared(&replaced[i].1) > 0)
        .unwrap_or(data.len() % replaced.len());
    replaced[i].1 = text;
    load(replaced, "knowledge");
});
