//! Loading: the built-in files or a folder, read, parsed and validated together.

use std::path::Path;

use super::raw::{Parsed, RawFile};
use super::validate::validate;
use super::{Knowledge, Topic, BUILTIN, MAX_FILE_BYTES};
use crate::engine::error::{KnowledgeError, KnowledgeErrors};

impl Knowledge {
    /// The knowledge base compiled into the binary.
    ///
    /// # Errors
    /// Only if the shipped files are broken, which the test suite rules out.
    pub fn builtin() -> Result<Knowledge, KnowledgeErrors> {
        Knowledge::from_texts(
            BUILTIN
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned())),
        )
    }

    /// Reads every `*.toml` file in `dir` (file names sorted) and validates them together.
    ///
    /// # Errors
    /// Every unreadable, malformed or inconsistent file, each with its file, line and field.
    pub fn load_dir(dir: &Path) -> Result<Knowledge, KnowledgeErrors> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            KnowledgeErrors(vec![KnowledgeError::file(
                &shown,
                format!("cannot read the knowledge folder: {e}"),
            )])
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        paths.sort();
        let mut texts = Vec::new();
        let mut errors = Vec::new();
        for path in paths {
            let name = path.display().to_string();
            match read_text(&path, &name) {
                Ok(text) => texts.push((name, text)),
                Err(e) => errors.push(e),
            }
        }
        if texts.is_empty() && errors.is_empty() {
            errors.push(KnowledgeError::file(&shown, "has no *.toml files"));
        }
        let words_path = dir.join("words").join("en.txt");
        let words = if words_path.is_file() {
            match read_text(&words_path, &words_path.display().to_string()) {
                Ok(w) => Some(w),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        } else {
            None
        };
        match Knowledge::from_texts(texts) {
            Ok(mut k) if errors.is_empty() => {
                if let Some(w) = words {
                    k.words = w.into();
                }
                Ok(k)
            }
            Ok(_) => Err(KnowledgeErrors(errors)),
            Err(KnowledgeErrors(more)) => {
                errors.extend(more);
                Err(KnowledgeErrors(errors))
            }
        }
    }

    /// Parses and validates named texts, as if they were the files of one folder.
    ///
    /// # Errors
    /// Every problem in every text.
    pub fn from_texts(
        texts: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Knowledge, KnowledgeErrors> {
        let texts: Vec<(String, String)> = texts.into_iter().collect();
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        let breaks: Vec<Vec<usize>> = texts.iter().map(|(_, t)| line_breaks(t)).collect();
        for ((name, text), lines) in texts.iter().zip(&breaks) {
            match toml::from_str::<RawFile>(text) {
                Ok(file) => parsed.push(Parsed { name, lines, file }),
                Err(e) => errors.push(KnowledgeError::toml(name, text, &e)),
            }
        }
        // A file that did not parse may define the ids others refer to: check references only once
        // every file parses, so one typo does not bury the real error under dozens of false ones.
        let complete = errors.is_empty();
        let knowledge = validate(&parsed, &mut errors, complete);
        if errors.is_empty() {
            Ok(knowledge)
        } else {
            Err(KnowledgeErrors(errors))
        }
    }

    /// The topic with this id.
    #[must_use]
    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }
}

pub(super) fn read_text(path: &Path, name: &str) -> Result<String, KnowledgeError> {
    let bytes =
        std::fs::read(path).map_err(|e| KnowledgeError::file(name, format!("cannot read: {e}")))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(KnowledgeError::file(
            name,
            format!(
                "is {} bytes; a knowledge file may be at most {MAX_FILE_BYTES} bytes",
                bytes.len()
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        KnowledgeError::at(
            name,
            &prefix,
            valid,
            format!("is not valid UTF-8 (byte {valid}); save it as UTF-8"),
        )
    })
}

/// Byte offsets of the line breaks in `text`. Errors find their line in these by binary search:
/// [`super::error::line_of`] rescans the text for each error, which made a large file with
/// thousands of errors take minutes to report.
pub(super) fn line_breaks(text: &str) -> Vec<usize> {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

/// [`KnowledgeError::at`] for a text with these line breaks.
pub(super) fn error_at(
    file: &str,
    lines: &[usize],
    offset: usize,
    message: impl Into<String>,
) -> KnowledgeError {
    let mut e = KnowledgeError::file(file, message);
    e.line = Some(line_at(lines, offset));
    e
}

/// [`super::error::line_of`] for a text with these line breaks.
pub(super) fn line_at(lines: &[usize], offset: usize) -> usize {
    lines.partition_point(|&b| b < offset) + 1
}
