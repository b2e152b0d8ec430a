//! Errors in a knowledge base: every one names the file, the line and the field.
//!
//! Loading never stops at the first problem: [`KnowledgeErrors`] holds them all, in file order, so a
//! practice fixes its edits in one round.

use std::fmt;

/// One problem in one knowledge file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeError {
    /// The file as the user named it, e.g. `knowledge/causes.toml`.
    pub file: String,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// What the problem belongs to, e.g. `topic "dehydration"`, when known.
    pub item: Option<String>,
    /// The field, e.g. `steps`, when the problem is in one field.
    pub field: Option<String>,
    /// What is wrong, as a sentence fragment.
    pub message: String,
}

impl KnowledgeError {
    /// A problem at a byte offset of `text`, the contents of `file`.
    #[must_use]
    pub fn at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        KnowledgeError {
            file: file.to_owned(),
            line: Some(line_of(text, offset)),
            item: None,
            field: None,
            message: message.into(),
        }
    }

    /// A problem with a whole file or folder, with no line.
    #[must_use]
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        KnowledgeError {
            file: file.to_owned(),
            line: None,
            item: None,
            field: None,
            message: message.into(),
        }
    }

    /// A TOML syntax or schema error in `text`, the contents of `file`. serde's "unknown field `x`,
    /// expected one of ..." becomes "field `x` is not a known field (did you mean `y`?)".
    #[must_use]
    pub fn toml(file: &str, text: &str, e: &toml::de::Error) -> Self {
        let offset = e.span().map_or(0, |s| s.start);
        let message = e.message().trim().to_owned();
        let mut err = KnowledgeError::at(file, text, offset, message.clone());
        if let Some(rest) = message.strip_prefix("unknown field `") {
            if let Some((field, expected)) = rest.split_once('`') {
                let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
                err.message = format!("is not a known field{}", hint(field, options));
                err.field = Some(field.to_owned());
            }
        } else if let Some(rest) = message.strip_prefix("missing field `") {
            if let Some((field, _)) = rest.split_once('`') {
                err.message = "is missing".to_owned();
                err.field = Some(field.to_owned());
            }
        }
        err
    }

    /// Names the item the problem belongs to.
    #[must_use]
    pub fn item(mut self, item: impl Into<String>) -> Self {
        self.item = Some(item.into());
        self
    }

    /// Names the field the problem is in.
    #[must_use]
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// The 1-based line of a byte offset, counting only whole characters before it.
#[must_use]
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl fmt::Display for KnowledgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(item) = &self.item {
            write!(f, "{item}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "field `{field}` ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Every problem found in a knowledge base, at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeErrors(pub Vec<KnowledgeError>);

impl fmt::Display for KnowledgeErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, "the knowledge base", &self.0)
    }
}

/// "`what` has N errors:" and one indented line per error: how every located error list prints.
///
/// # Errors
/// Only the formatter's.
pub fn write_list(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    errors: &[KnowledgeError],
) -> fmt::Result {
    let n = errors.len();
    write!(f, "{what} has {n} error{}:", if n == 1 { "" } else { "s" })?;
    for e in errors {
        write!(f, "\n  {e}")?;
    }
    Ok(())
}

impl std::error::Error for KnowledgeErrors {}

/// The closest of `candidates` to `name`, for "did you mean" hints (as `just` does, distance < 3).
#[must_use]
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // The distance is at least the difference in length: skip the candidates that cannot be near
    // rather than compare a 60,000-character name letter by letter with every id.
    let len = name.chars().count();
    candidates
        .into_iter()
        .filter(|c| c.chars().count().abs_diff(len) < 3)
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d < 3)
        .min()
        .map(|(_, c)| c)
}

/// `" (did you mean `x`?)"` or nothing.
#[must_use]
pub fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match suggest(name, candidates) {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_item_and_field() {
        let e = KnowledgeError::at("knowledge/causes.toml", "a\nb\nc", 4, "must not be empty")
            .item("topic \"dehydration\"")
            .field("steps");
        assert_eq!(
            e.to_string(),
            "knowledge/causes.toml:3: topic \"dehydration\": field `steps` must not be empty"
        );
    }

    #[test]
    fn suggestions_only_for_near_names() {
        assert_eq!(suggest("caus", ["cause", "relief"]), Some("cause"));
        assert_eq!(suggest("zzzzzz", ["cause", "relief"]), None);
    }

    /// Found with the `knowledge_loader` fuzz target (`fuzz/`, a hand-written input): a
    /// 60,000-character dangling id was compared letter by letter with every defined id for the
    /// "did you mean" hint (about a second per load; minutes for a 4 MB file).
    #[test]
    fn suggestions_skip_names_of_very_different_length() {
        let long = "stretch-calf".repeat(5_000);
        let ids = ["stretch-calf", "relief-now", "see-a-doctor"];
        assert_eq!(suggest(&long, ids), None);
        assert_eq!(suggest("strech-calf", ids), Some("stretch-calf"));
        assert_eq!(suggest("stretch-calfxx", ids), Some("stretch-calf"));
        assert_eq!(suggest("stretch-calfxxx", ids), None);
    }
}
