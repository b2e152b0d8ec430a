//! The knowledge base: `knowledge/*.toml` as checked data.
//!
//! Loading is two steps. Each file is parsed into raw types that keep the byte span of every field
//! ([`toml::Spanned`], in `raw`), then `validate` checks the files together (unique ids, references
//! that resolve, non-empty steps, known kinds and levels; one function per kind of item) and builds
//! the checked [`Knowledge`] (its types in `types`). Every problem in every file is collected into one
//! [`KnowledgeErrors`]. `load` reads the built-in files or a folder. Matching and triage indexes are
//! built elsewhere ([`super::matcher`], [`super::triage`]); this module only owns the data.

mod load;
mod raw;
mod types;
mod validate;

pub use types::*;

/// The knowledge files compiled into the binary, by their path in the repository.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "knowledge/advice.toml",
        include_str!("../../../knowledge/advice.toml"),
    ),
    (
        "knowledge/asks.toml",
        include_str!("../../../knowledge/asks.toml"),
    ),
    (
        "knowledge/causes.toml",
        include_str!("../../../knowledge/causes.toml"),
    ),
    (
        "knowledge/context.toml",
        include_str!("../../../knowledge/context.toml"),
    ),
    (
        "knowledge/doctor.toml",
        include_str!("../../../knowledge/doctor.toml"),
    ),
    (
        "knowledge/drinks.toml",
        include_str!("../../../knowledge/drinks.toml"),
    ),
    (
        "knowledge/foods.toml",
        include_str!("../../../knowledge/foods.toml"),
    ),
    (
        "knowledge/lexicon.toml",
        include_str!("../../../knowledge/lexicon.toml"),
    ),
    (
        "knowledge/messages.toml",
        include_str!("../../../knowledge/messages.toml"),
    ),
    (
        "knowledge/pain_relievers.toml",
        include_str!("../../../knowledge/pain_relievers.toml"),
    ),
    (
        "knowledge/prevention.toml",
        include_str!("../../../knowledge/prevention.toml"),
    ),
    (
        "knowledge/red_flags.toml",
        include_str!("../../../knowledge/red_flags.toml"),
    ),
    (
        "knowledge/relief.toml",
        include_str!("../../../knowledge/relief.toml"),
    ),
    (
        "knowledge/scope.toml",
        include_str!("../../../knowledge/scope.toml"),
    ),
    (
        "knowledge/situations.toml",
        include_str!("../../../knowledge/situations.toml"),
    ),
    (
        "knowledge/sources.toml",
        include_str!("../../../knowledge/sources.toml"),
    ),
    (
        "knowledge/subjects.toml",
        include_str!("../../../knowledge/subjects.toml"),
    ),
];

/// The English word list with frequencies that the spelling corrector trusts (see
/// `knowledge/words/README.md` for its source and licence). A knowledge folder may bring its own
/// `words/en.txt`.
pub const BUILTIN_WORDS: &str = include_str!("../../../knowledge/words/en.txt");

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
