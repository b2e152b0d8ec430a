//! Loading: the built-in files or a folder, read, parsed and validated together.

use std::path::Path;

use super::raw::{Parsed, RawFile};
use super::validate::validate;
use super::{Knowledge, Messages, Topic, BUILTIN, BUILTIN_LANGUAGES, MAX_FILE_BYTES};
use crate::engine::error::{KnowledgeError, KnowledgeErrors};

impl Knowledge {
    /// The English knowledge base compiled into the binary.
    ///
    /// # Errors
    /// Only if the shipped files are broken, which the test suite rules out.
    pub fn builtin() -> Result<Knowledge, KnowledgeErrors> {
        Knowledge::from_texts(owned(BUILTIN))
    }

    /// Every built-in language's knowledge base, the default (English) first; a text another
    /// language lacks is the default's.
    ///
    /// # Errors
    /// Only if the shipped files are broken, which the test suite rules out.
    pub fn builtin_languages() -> Result<Vec<Knowledge>, KnowledgeErrors> {
        let mut out: Vec<Knowledge> = Vec::new();
        for (_, files) in BUILTIN_LANGUAGES {
            let fallback = out.first().map(|k| &k.messages);
            out.push(Knowledge::from_texts_with(owned(files), fallback)?);
        }
        Ok(out)
    }

    /// Every language of a knowledge folder: its subfolders that hold `*.toml` files (`en/`, `es/`),
    /// English (or else the first by name) first; or the folder itself, as one language.
    ///
    /// # Errors
    /// Every unreadable, malformed or inconsistent file of every language.
    pub fn load_languages(dir: &Path) -> Result<Vec<Knowledge>, KnowledgeErrors> {
        let mut folders: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir() && has_toml(p))
                    .collect()
            })
            .unwrap_or_default();
        if folders.is_empty() || has_toml(dir) {
            return Knowledge::load_dir(dir).map(|k| vec![k]);
        }
        folders.sort();
        if let Some(en) = folders.iter().position(|p| p.ends_with("en")) {
            let en = folders.remove(en);
            folders.insert(0, en);
        }
        let mut out: Vec<Knowledge> = Vec::new();
        let mut errors = Vec::new();
        for f in &folders {
            let fallback = out.first().map(|k| &k.messages);
            match Knowledge::load_dir_with(f, fallback) {
                Ok(k) => out.push(k),
                Err(KnowledgeErrors(e)) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(KnowledgeErrors(errors))
        }
    }

    /// Reads every `*.toml` file in `dir` (file names sorted) and validates them together.
    ///
    /// # Errors
    /// Every unreadable, malformed or inconsistent file, each with its file, line and field.
    pub fn load_dir(dir: &Path) -> Result<Knowledge, KnowledgeErrors> {
        Knowledge::load_dir_with(dir, None)
    }

    /// [`Knowledge::load_dir`] for a language whose missing texts come from `fallback`.
    ///
    /// # Errors
    /// As [`Knowledge::load_dir`].
    pub fn load_dir_with(
        dir: &Path,
        fallback: Option<&Messages>,
    ) -> Result<Knowledge, KnowledgeErrors> {
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
        match Knowledge::from_texts_with(texts, fallback) {
            Ok(mut k) if errors.is_empty() => {
                // The folder's own word list (`words/es.txt`), or the one beside it, or the built-in.
                let file = format!("{}.txt", k.language.code);
                let own = [dir.join("words"), dir.join("..").join("words")]
                    .into_iter()
                    .map(|d| d.join(&file))
                    .find(|p| p.is_file());
                if let Some(p) = own {
                    k.words = read_text(&p, &p.display().to_string())
                        .map_err(|e| KnowledgeErrors(vec![e]))?
                        .into();
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
        Knowledge::from_texts_with(texts, None)
    }

    /// [`Knowledge::from_texts`] for a language whose missing `[messages]` texts come from
    /// `fallback` (the default language's); the texts taken are listed in [`Knowledge::filled`].
    ///
    /// # Errors
    /// Every problem in every text.
    pub fn from_texts_with(
        texts: impl IntoIterator<Item = (String, String)>,
        fallback: Option<&Messages>,
    ) -> Result<Knowledge, KnowledgeErrors> {
        let texts: Vec<(String, String)> = texts.into_iter().collect();
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        let breaks: Vec<Vec<usize>> = texts.iter().map(|(_, t)| line_breaks(t)).collect();
        for (((name, text), lines), file) in texts.iter().zip(&breaks).zip(parse_all(&texts)) {
            match file {
                Ok(file) => parsed.push(Parsed { name, lines, file }),
                Err(e) => errors.push(KnowledgeError::toml(name, text, &e)),
            }
        }
        // A file that did not parse may define the ids others refer to: check references only once
        // every file parses, so one typo does not bury the real error under dozens of false ones.
        let complete = errors.is_empty();
        let knowledge = validate(&parsed, &mut errors, complete, fallback);
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

/// Each text parsed as TOML, in order. Two threads share the files, largest first: parsing is an
/// eighth of loading English (a seventh of its instructions), and the files do not depend on each
/// other until they are validated.
fn parse_all(texts: &[(String, String)]) -> Vec<Result<RawFile, toml::de::Error>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(texts[i].1.len()));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            done.push((i, toml::from_str::<RawFile>(&texts[i].1)));
        }
        done
    };
    let (mine, theirs) = std::thread::scope(|s| {
        // One text needs no second thread. A thread that cannot start, or that panics, leaves its
        // files to this one.
        let other = (texts.len() > 1)
            .then(|| std::thread::Builder::new().spawn_scoped(s, work).ok())
            .flatten();
        let mine = work();
        (mine, other.and_then(|t| t.join().ok()).unwrap_or_default())
    });
    let mut out: Vec<Option<Result<RawFile, toml::de::Error>>> =
        (0..texts.len()).map(|_| None).collect();
    for (i, r) in mine.into_iter().chain(theirs) {
        out[i] = Some(r);
    }
    out.into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| toml::from_str::<RawFile>(&texts[i].1)))
        .collect()
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

/// Owned copies of built-in (name, text) pairs.
fn owned(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect()
}

/// Whether a folder holds a `*.toml` file.
fn has_toml(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "toml") && e.path().is_file())
    })
}
