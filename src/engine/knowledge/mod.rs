//! The knowledge base: `knowledge/*.toml` as checked data.
//!
//! Loading is two steps. Each file is parsed into raw types that keep the byte span of every field
//! ([`toml::Spanned`], in `raw`), then `validate` checks the files together (unique ids, references
//! that resolve, non-empty steps, known kinds and levels; one function per kind of item) and builds
//! the checked [`Knowledge`] (its types in `types`). Every problem in every file is collected into one
//! [`KnowledgeErrors`]. `load` reads the built-in files or a folder. Matching and triage indexes are
//! built elsewhere ([`super::matcher`], [`super::triage`]); this module only owns the data.

mod language;
mod load;
mod parity;
mod raw;
mod types;
mod validate;

pub use language::{Language, Stemmer};
pub use parity::{parity, Gap};
pub use types::*;

/// The file names of a language's folder: every built-in language has the same files.
macro_rules! builtin_files {
    ($lang:literal) => {
        &[
            builtin_files!(@ $lang, "advice.toml"),
            builtin_files!(@ $lang, "asks.toml"),
            builtin_files!(@ $lang, "causes.toml"),
            builtin_files!(@ $lang, "context.toml"),
            builtin_files!(@ $lang, "doctor.toml"),
            builtin_files!(@ $lang, "drinks.toml"),
            builtin_files!(@ $lang, "foods.toml"),
            builtin_files!(@ $lang, "language.toml"),
            builtin_files!(@ $lang, "lexicon.toml"),
            builtin_files!(@ $lang, "messages.toml"),
            builtin_files!(@ $lang, "pain_relievers.toml"),
            builtin_files!(@ $lang, "prevention.toml"),
            builtin_files!(@ $lang, "red_flags.toml"),
            builtin_files!(@ $lang, "relief.toml"),
            builtin_files!(@ $lang, "scope.toml"),
            builtin_files!(@ $lang, "situations.toml"),
            builtin_files!(@ $lang, "sources.toml"),
            builtin_files!(@ $lang, "subjects.toml"),
        ]
    };
    (@ $lang:literal, $file:literal) => {
        (
            concat!("knowledge/", $lang, "/", $file),
            include_str!(concat!("../../../knowledge/", $lang, "/", $file)),
        )
    };
}

/// The English knowledge files compiled into the binary, by their path in the repository.
pub const BUILTIN: &[(&str, &str)] = builtin_files!("en");

/// Every built-in language's files, the default (English) first.
pub const BUILTIN_LANGUAGES: &[(&str, &[(&str, &str)])] =
    &[("en", BUILTIN), ("es", builtin_files!("es"))];

/// The built-in word lists with frequencies that the spelling corrector trusts, by language (see
/// `knowledge/words/README.md` for their sources and licences). A knowledge folder may bring its
/// own `words/<code>.txt`.
pub const BUILTIN_WORDS: &[(&str, &str)] = &[
    ("en", include_str!("../../../knowledge/words/en.txt")),
    ("es", include_str!("../../../knowledge/words/es.txt")),
];

/// The tables `build.rs` made of each built-in word list at compile time, by language: the word
/// table ([`crate::engine::words::English::to_bytes`]) and the deletions of its most frequent words
/// ([`crate::engine::words::DeleteIndex::to_bytes`]).
pub const BUILTIN_WORD_TABLES: &[(&str, &[u8], &[u8])] = &[
    (
        "en",
        include_bytes!(concat!(env!("OUT_DIR"), "/words-en.bin")),
        include_bytes!(concat!(env!("OUT_DIR"), "/deletes-en.bin")),
    ),
    (
        "es",
        include_bytes!(concat!(env!("OUT_DIR"), "/words-es.bin")),
        include_bytes!(concat!(env!("OUT_DIR"), "/deletes-es.bin")),
    ),
];

/// The built-in word list of a language, or an empty one.
#[must_use]
pub fn builtin_words(code: &str) -> &'static str {
    BUILTIN_WORDS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, w)| w)
}

/// Files larger than this are refused rather than parsed: a knowledge file is a few kilobytes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// The most steps a topic may have: a tired parent follows six, not twelve.
pub const MAX_STEPS: usize = 6;
/// Topic phrases are matched word by word; longer ones are never typed as such.
pub const MAX_PHRASE_WORDS: usize = crate::engine::matcher::MAX_PHRASE;
/// Ids travel in Telegram deep links and button data, so they stay short and plain.
pub const MAX_ID_LEN: usize = 48;

/// Topic ids the adapters rely on (commands, buttons, the menu).
pub const REQUIRED_TOPICS: &[(&str, &str)] = &[
    (
        crate::engine::topics::RELIEF_NOW,
        "the \"Relief now\" button, /relief and messages about cramps that match nothing more specific",
    ),
    (
        crate::engine::topics::WHY,
        "the \"Why it happens\" button and /causes",
    ),
    (
        crate::engine::topics::FOODS,
        "the \"Foods that help\" button and /foods",
    ),
    (crate::engine::topics::PREVENTION, "the menu"),
    (crate::engine::topics::SEE_A_DOCTOR, "/doctor"),
    (crate::engine::topics::ABOUT, "/about"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10: `except` words lowered an urgent flag ("sore for 2 days after sitting" was routine).
    /// Urgent and emergency flags may not have them; the error names the file and line.
    #[test]
    fn except_words_on_urgent_flags_are_an_error_with_file_and_line() {
        let mut files: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        let flag = "[[red_flag]]\nid = \"calf-test\"\nlevel = \"urgent\"\ntitle = \"t\"\naction = \"a\"\nsources = [\"nhs-leg-cramps\"]\n\n[[red_flag.near]]\nwords = [\"sore\", \"calf\"]\nwithin = 5\nexcept = [\"sitting\"]\n";
        files.push(("knowledge/extra.toml".to_owned(), flag.to_owned()));
        let errors = Knowledge::from_texts(files)
            .expect_err("except on an urgent flag")
            .0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = errors[0].to_string();
        assert!(e.starts_with("knowledge/extra.toml:11:"), "{e}");
        assert!(e.contains("near.except"), "{e}");
        assert!(e.contains("not allowed on an urgent flag"), "{e}");
    }

    /// A flag may only rule out advice tags that `[[advice]]` defines.
    #[test]
    fn unknown_avoid_tags_are_an_error_with_a_suggestion() {
        let mut files: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        let flag = "[[red_flag]]\nid = \"avoid-test\"\nlevel = \"soon\"\ntitle = \"t\"\naction = \"a\"\nphrases = [\"zzz\"]\navoid = [\"masage\"]\nsources = [\"nhs-leg-cramps\"]\n";
        files.push(("knowledge/extra.toml".to_owned(), flag.to_owned()));
        let errors = Knowledge::from_texts(files).expect_err("unknown tag").0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = errors[0].to_string();
        assert!(e.starts_with("knowledge/extra.toml:7:"), "{e}");
        assert!(e.contains("massage"), "{e}");
    }

    /// Found by the `knowledge_loader` fuzz target (`fuzz/`): a file named without a folder made
    /// the errors about the knowledge base as a whole name an empty file (": the knowledge base
    /// needs a topic").
    #[test]
    fn whole_base_errors_name_a_place_when_files_have_no_folder() {
        let files = [("fuzz.toml".to_owned(), String::new())];
        let errors = Knowledge::from_texts(files).expect_err("no topics, no messages");
        assert!(!errors.0.is_empty());
        for e in &errors.0 {
            assert_eq!(e.file, "knowledge", "{e}");
            assert!(e.to_string().starts_with("knowledge: "), "{e}");
        }
    }

    /// Found with the `knowledge_loader` fuzz target (`fuzz/`, a hand-written input): every error
    /// rescanned its file from the start for its line, so a large file with thousands of errors took
    /// quadratic time (8 s for 256 KB in a release build, minutes at the 4 MB limit).
    #[test]
    fn many_errors_in_a_large_file_keep_their_lines() {
        let entry = "[[source]]\nid = \"\"\npublisher = \"\"\ntitle = \"\"\nurl = \"\"\n";
        let n = 4_000;
        let text = entry.repeat(n);
        let files = [("knowledge/big.toml".to_owned(), text)];
        let errors = Knowledge::from_texts(files)
            .expect_err("every source is empty")
            .0;
        let last = 5 * (n - 1);
        let lines: Vec<Option<usize>> = errors
            .iter()
            .filter(|e| e.item.is_some() && e.line > Some(last))
            .map(|e| e.line)
            .collect();
        let want = [2, 3, 4, 5, 5, 2].map(|l| Some(last + l));
        assert_eq!(lines, want, "{errors:?}");
        let dup = errors.iter().rev().find(|e| e.item.is_some()).unwrap();
        assert!(dup.message.ends_with("knowledge/big.toml:2"), "{dup}");
    }
}
