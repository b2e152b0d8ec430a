//! Parity between languages (issue 12): every language has the default language's topics, red
//! flags (at the same level), asks, subjects and texts, with the same placeholders.
//!
//! Owns finding the gaps; `crampcare check` prints them and fails on any. A missing text still
//! reaches parents in the default language (see [`super::Knowledge::from_texts_with`]), so a gap
//! is a job for the practice's editor, never an empty reply.

use std::collections::BTreeSet;
use std::fmt;

use super::Knowledge;

/// One difference between a language and the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The language with the gap ("es").
    pub language: String,
    /// Where to look: the file and line of the item in the language that has it.
    pub place: Option<(String, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Some((file, line)) => write!(f, "{file}:{line}: [{}] {}", self.language, self.message),
            None => write!(f, "[{}] {}", self.language, self.message),
        }
    }
}

/// The placeholders of a text, in order ("{doctor}", "{emergency}").
fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let Some(end) = rest[i..].find('}') else {
            break;
        };
        out.push(&rest[i..=i + end]);
        rest = &rest[i + end + 1..];
    }
    out
}

/// Every gap between the first (default) language and each other one.
#[must_use]
pub fn parity(languages: &[Knowledge]) -> Vec<Gap> {
    let Some((base, others)) = languages.split_first() else {
        return Vec::new();
    };
    let mut gaps = Vec::new();
    for k in others {
        let lang = &k.language.code;
        let mut gap = |place: Option<&(String, usize)>, message: String| {
            gaps.push(Gap {
                language: lang.clone(),
                place: place.cloned(),
                message,
            });
        };
        let at = |k: &Knowledge, what: &str, id: &str| {
            k.places.get(&(what.to_owned(), id.to_owned())).cloned()
        };
        for t in &base.topics {
            match k.topic(&t.id) {
                None => gap(
                    at(base, "topic", &t.id).as_ref(),
                    format!("has no topic \"{}\" ({})", t.id, t.title),
                ),
                Some(o) if o.kind != t.kind => gap(
                    at(k, "topic", &t.id).as_ref(),
                    format!("topic \"{}\" is of kind {}, not {}", t.id, o.kind, t.kind),
                ),
                Some(o) => {
                    let texts = |t: &super::Topic| -> Vec<String> {
                        let mut p: Vec<String> = std::iter::once(&t.summary)
                            .chain(&t.steps)
                            .flat_map(|s| placeholders(s))
                            .map(str::to_owned)
                            .collect();
                        p.sort();
                        p
                    };
                    if texts(t) != texts(o) {
                        gap(
                            at(k, "topic", &t.id).as_ref(),
                            format!(
                                "topic \"{}\" has the placeholders {:?}, the default language {:?}",
                                t.id,
                                texts(o),
                                texts(t)
                            ),
                        );
                    }
                }
            }
        }
        for t in &k.topics {
            if base.topic(&t.id).is_none() {
                gap(
                    at(k, "topic", &t.id).as_ref(),
                    format!("topic \"{}\" is not in the default language", t.id),
                );
            }
        }
        for f in &base.red_flags {
            match k.red_flags.iter().find(|o| o.id == f.id) {
                None => gap(
                    at(base, "red flag", &f.id).as_ref(),
                    format!("has no red flag \"{}\" ({})", f.id, f.level),
                ),
                Some(o) if o.level != f.level => gap(
                    at(k, "red flag", &f.id).as_ref(),
                    format!(
                        "red flag \"{}\" is {}, not {} as in the default language",
                        f.id, o.level, f.level
                    ),
                ),
                Some(_) => {}
            }
        }
        for f in &k.red_flags {
            if !base.red_flags.iter().any(|b| b.id == f.id) {
                gap(
                    at(k, "red flag", &f.id).as_ref(),
                    format!("red flag \"{}\" is not in the default language", f.id),
                );
            }
        }
        let ids = |k: &Knowledge| -> (BTreeSet<String>, BTreeSet<String>) {
            (
                k.asks.iter().map(|a| a.id.clone()).collect(),
                k.subjects.iter().map(|s| s.id.clone()).collect(),
            )
        };
        let ((base_asks, base_subjects), (asks, subjects)) = (ids(base), ids(k));
        for a in base_asks.difference(&asks) {
            gap(None, format!("has no ask \"{a}\""));
        }
        for s in base_subjects.difference(&subjects) {
            gap(None, format!("has no subject \"{s}\""));
        }
        for key in &k.filled {
            gap(
                None,
                format!("[messages] has no `{key}`: the default language's text is used"),
            );
        }
        let table = |k: &Knowledge| match toml::Value::try_from(&k.messages) {
            Ok(toml::Value::Table(t)) => t,
            _ => toml::Table::new(),
        };
        let (base_m, m) = (table(base), table(k));
        for (key, text) in &base_m {
            let (Some(a), Some(b)) = (text.as_str(), m.get(key).and_then(toml::Value::as_str))
            else {
                continue;
            };
            let (mut pa, mut pb) = (placeholders(a), placeholders(b));
            pa.sort_unstable();
            pb.sort_unstable();
            pa.dedup();
            pb.dedup();
            if pa != pb {
                gap(
                    None,
                    format!("[messages] `{key}` has the placeholders {pb:?}, the default language {pa:?}"),
                );
            }
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(
            placeholders("Call {doctor} or {emergency} now {"),
            ["{doctor}", "{emergency}"]
        );
    }

    #[test]
    fn a_missing_topic_and_a_changed_level_are_gaps() {
        let en = Knowledge::builtin().expect("built-in");
        let mut es = en.clone();
        es.language.code = "es".to_owned();
        es.topics.retain(|t| t.id != "shoes");
        es.red_flags[0].level = super::super::Level::Soon;
        let gaps = parity(&[en.clone(), es]);
        let text: Vec<String> = gaps.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|g| g.contains("[es] has no topic \"shoes\"") && g.contains("causes.toml:")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|g| g.contains(&format!("red flag \"{}\" is soon", en.red_flags[0].id))),
            "{text:?}"
        );
        assert_eq!(parity(&[en.clone(), en]), Vec::new());
    }
}
