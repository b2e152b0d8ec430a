//! The practice's `crampcare.toml`: who to call, who may broadcast, where the store lives, and
//! the scheduled tips.
//!
//! ```toml
//! [practice]
//! name = "Sunny Pediatrics"
//! phone = "555-0100"
//! after_hours_phone = "555-0199"
//! website = "https://sunnypeds.example"
//! emergency_number = "911"
//! admins = [123456789]          # Telegram user ids of the staff who may /broadcast and /report
//!
//! [store]
//! path = "crampcare.db"         # relative to the working directory
//!
//! [[tip]]
//! id = "summer-sports"
//! date = "2027-06-01"           # sent from this day (UTC), once
//! topic = "drink-enough"        # or: text = "..."
//! language = "en"               # optional; entries sharing an id are one tip in several languages
//! ```
//!
//! Without a file, replies say "your child's doctor", the emergency number is 911, nobody is an
//! admin and the store is `crampcare.db`. The bot token never lives here: it comes from
//! `TELOXIDE_TOKEN` (see [`crate::cli`]). Every error is a [`ConfigError`] naming the file, the
//! line and the field.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::day::Day;
use crate::engine::error::{hint, line_of, KnowledgeError};
use crate::engine::{Knowledge, Practice};
use crate::outreach::tip::Tip;
use crate::store::Body;

/// The default config file name, looked for in the current folder.
pub const DEFAULT_FILE: &str = "crampcare.toml";

/// A problem with the config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the config file {file}: {error}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        error: String,
    },
    /// A problem at a line of the file.
    #[error("{file}:{line}: {}", place(section.as_deref(), field.as_deref(), message))]
    At {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The table or entry, e.g. `[practice]` or `[[tip]] "summer"`, when known.
        section: Option<String>,
        /// The field, when the problem is in one field.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
}

/// `[section]: field `x` message`, leaving out what is not known.
fn place(section: Option<&str>, field: Option<&str>, message: &str) -> String {
    let mut s = String::new();
    if let Some(section) = section {
        s.push_str(section);
        s.push_str(": ");
    }
    if let Some(field) = field {
        s.push_str(&format!("field `{field}` "));
    }
    s.push_str(message);
    s
}

impl ConfigError {
    fn at(
        file: &str,
        text: &str,
        offset: usize,
        section: &str,
        field: &str,
        message: String,
    ) -> Self {
        ConfigError::At {
            file: file.to_owned(),
            line: line_of(text, offset),
            section: Some(section.to_owned()),
            field: Some(field.to_owned()),
            message,
        }
    }

    /// A TOML syntax or schema error, with its line, its table and its field ("did you mean" for
    /// misspelt keys). serde names no field for a wrong type: the key on that line is the field.
    fn toml(file: &str, text: &str, e: &toml::de::Error) -> Self {
        let k = KnowledgeError::toml(file, text, e);
        let line = k.line.unwrap_or(1);
        let before: Vec<&str> = text.lines().take(line).collect();
        let section = before
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| l.starts_with('['))
            .map(|l| l.split('#').next().unwrap_or(l).trim().to_owned());
        let (field, message) = match k.field {
            Some(f) => (Some(f), k.message),
            None => {
                let key = before
                    .last()
                    .and_then(|l| l.split_once('='))
                    .map(|(key, _)| key.trim().trim_matches('"').to_owned())
                    .filter(|key| !key.is_empty() && !key.starts_with('['));
                match key {
                    Some(key) => (Some(key), format!("is not valid: {}", k.message)),
                    None => (None, k.message),
                }
            }
        };
        ConfigError::At {
            file: file.to_owned(),
            line,
            section,
            field,
            message,
        }
    }
}

/// The checked config.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// Who to call.
    pub practice: Practice,
    /// Telegram user ids of the practice's staff: they may `/broadcast` and `/report`.
    pub admins: Vec<u64>,
    /// `[store] path`, if set.
    pub store: Option<PathBuf>,
    /// The scheduled tips.
    pub tips: Vec<Tip>,
    /// Where each tip's `topic` is, to report an unknown topic: (file, line).
    tip_topics: Vec<(String, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    practice: Option<Spanned<RawPractice>>,
    store: Option<RawStore>,
    #[serde(default)]
    tip: Vec<Spanned<RawTip>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPractice {
    name: Option<String>,
    phone: Option<String>,
    after_hours_phone: Option<String>,
    website: Option<String>,
    emergency_number: Option<Spanned<String>>,
    #[serde(default)]
    admins: Vec<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTip {
    id: Spanned<String>,
    date: Spanned<String>,
    topic: Option<Spanned<String>>,
    text: Option<Spanned<String>>,
    language: Option<Spanned<String>>,
}

/// Reads a config file.
///
/// # Errors
/// The file cannot be read or has unknown or malformed fields; see [`ConfigError`].
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        file: name.clone(),
        error: e.to_string(),
    })?;
    parse(&name, &text)
}

/// Parses config text named `name`.
///
/// # Errors
/// Unknown or malformed fields, an empty emergency number, an admin id that is not a user id, a
/// tip without a date, with both or neither of `topic` and `text`.
pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
    let file: File = toml::from_str(text).map_err(|e| ConfigError::toml(name, text, &e))?;
    let mut config = Config::default();
    if let Some(p) = file.practice {
        let p = p.into_inner();
        let mut practice = Practice {
            name: p.name,
            phone: p.phone,
            after_hours_phone: p.after_hours_phone,
            website: p.website,
            ..Practice::default()
        };
        if let Some(n) = p.emergency_number {
            let offset = n.span().start;
            let number = n.into_inner();
            let digits = number.trim();
            if digits.is_empty()
                || !digits
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
            {
                return Err(ConfigError::at(
                    name,
                    text,
                    offset,
                    "[practice]",
                    "emergency_number",
                    "must be a phone number such as 911, 112 or 999".to_owned(),
                ));
            }
            practice.emergency_number = number;
        }
        for a in p.admins {
            let offset = a.span().start;
            let id = *a.get_ref();
            // User ids are positive; a negative id is a group, which cannot be an admin.
            let Ok(id) = u64::try_from(id) else {
                return Err(ConfigError::at(
                    name,
                    text,
                    offset,
                    "[practice]",
                    "admins",
                    format!("has {id}, which is not a Telegram user id (user ids are positive; ask the person to send /start to @userinfobot)"),
                ));
            };
            config.admins.push(id);
        }
        config.practice = practice;
    }
    if let Some(s) = file.store.and_then(|s| s.path) {
        if s.get_ref().trim().is_empty() {
            return Err(ConfigError::at(
                name,
                text,
                s.span().start,
                "[store]",
                "path",
                "must not be empty".to_owned(),
            ));
        }
        config.store = Some(PathBuf::from(s.into_inner()));
    }
    for t in file.tip {
        let (tip, topic_line) = tip(name, text, t)?;
        config.tips.push(tip);
        config
            .tip_topics
            .push((name.to_owned(), topic_line.unwrap_or(0)));
    }
    Ok(config)
}

fn tip(name: &str, text: &str, t: Spanned<RawTip>) -> Result<(Tip, Option<usize>), ConfigError> {
    let start = t.span().start;
    let t = t.into_inner();
    let id = t.id.get_ref().trim().to_owned();
    let section = format!("[[tip]] \"{id}\"");
    let err = |offset: usize, field: &str, message: String| {
        ConfigError::at(name, text, offset, &section, field, message)
    };
    if id.is_empty() {
        return Err(err(t.id.span().start, "id", "must not be empty".to_owned()));
    }
    let Some(date) = Day::parse(t.date.get_ref()) else {
        return Err(err(
            t.date.span().start,
            "date",
            format!("is \"{}\", not a date as YYYY-MM-DD", t.date.get_ref()),
        ));
    };
    let language = match t.language {
        Some(l) if l.get_ref().trim().is_empty() => {
            return Err(err(
                l.span().start,
                "language",
                "must not be empty".to_owned(),
            ))
        }
        Some(l) => Some(l.into_inner().trim().to_owned()),
        None => None,
    };
    let (body, topic_line) = match (t.topic, t.text) {
        (Some(topic), None) => (
            Body::Topic(topic.get_ref().trim().to_owned()),
            Some(line_of(text, topic.span().start)),
        ),
        (None, Some(words)) if !words.get_ref().trim().is_empty() => {
            (Body::Text(words.into_inner()), None)
        }
        (None, Some(words)) => {
            return Err(err(
                words.span().start,
                "text",
                "must not be empty".to_owned(),
            ))
        }
        (Some(_), Some(_)) | (None, None) => {
            return Err(err(
                start,
                "topic",
                "or `text`: a tip needs exactly one of them".to_owned(),
            ))
        }
    };
    Ok((
        Tip {
            id,
            date,
            body,
            language,
        },
        topic_line,
    ))
}

impl Config {
    /// Checks that every tip's topic exists in the knowledge base.
    ///
    /// # Errors
    /// The first tip naming an unknown topic, with a "did you mean".
    pub fn check_topics(&self, knowledge: &Knowledge) -> Result<(), ConfigError> {
        for (tip, (file, line)) in self.tips.iter().zip(&self.tip_topics) {
            let Body::Topic(id) = &tip.body else {
                continue;
            };
            if knowledge.topic(id).is_none() {
                let ids = knowledge.topics.iter().map(|t| t.id.as_str());
                return Err(ConfigError::At {
                    file: file.clone(),
                    line: *line,
                    section: Some(format!("[[tip]] \"{}\"", tip.id)),
                    field: Some("topic".to_owned()),
                    message: format!(
                        "names topic \"{id}\", which does not exist{}",
                        hint(id, ids)
                    ),
                });
            }
        }
        Ok(())
    }

    /// Whether a Telegram user is one of the practice's admins.
    #[must_use]
    pub fn is_admin(&self, user: u64) -> bool {
        self.admins.contains(&user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_practice() {
        let c = parse(
            "c.toml",
            "[practice]\nname = \"Sunny Pediatrics\"\nphone = \"555-0100\"\nadmins = [42, 43]\n",
        )
        .unwrap();
        let k = crate::engine::Knowledge::builtin().unwrap();
        assert_eq!(
            c.practice.doctor(&k.messages),
            "Sunny Pediatrics at 555-0100"
        );
        assert_eq!(c.practice.emergency_number, "911");
        assert!(c.is_admin(43) && !c.is_admin(44));
        assert_eq!(c.store, None);
    }

    #[test]
    fn unknown_fields_name_the_line_and_are_not_knowledge_errors() {
        let e = parse("c.toml", "[practice]\nname = \"A\"\nphnoe = \"1\"\n").unwrap_err();
        let s = e.to_string();
        assert_eq!(
            s,
            "c.toml:3: [practice]: field `phnoe` is not a known field (did you mean `phone`?)"
        );
        assert!(!s.contains("knowledge"), "{s}");
    }

    #[test]
    fn bad_values_name_file_line_and_field() {
        let cases = [
            (
                "[practice]\nemergency_number = \"call me\"\n",
                "c.toml:2: [practice]: field `emergency_number` must be a phone number such as 911, 112 or 999",
            ),
            (
                "[practice]\nadmins = [\n  5,\n  -100123,\n]\n",
                "c.toml:4: [practice]: field `admins` has -100123, which is not a Telegram user id",
            ),
            ("[store]\npath = \"\"\n", "c.toml:2: [store]: field `path` must not be empty"),
            (
                "[[tip]]\nid = \"summer\"\ndate = \"2027-02-30\"\ntext = \"hi\"\n",
                "c.toml:3: [[tip]] \"summer\": field `date` is \"2027-02-30\", not a date as YYYY-MM-DD",
            ),
            (
                "[[tip]]\nid = \"summer\"\ndate = \"2027-06-01\"\n",
                "c.toml:1: [[tip]] \"summer\": field `topic` or `text`: a tip needs exactly one of them",
            ),
            (
                "[[tip]]\nid = \"s\"\ndate = \"2027-06-01\"\ntext = \"x\"\nlang = \"es\"\n",
                "c.toml:5: [[tip]]: field `lang` is not a known field",
            ),
            (
                "[practice]\nname = \"A\"\nadmins = ['x']\n",
                "c.toml:3: [practice]: field `admins` is not valid: invalid type: string \"x\", expected i64",
            ),
        ];
        for (text, want) in cases {
            let e = parse("c.toml", text).unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}\n got: {e}\nwant: {want}");
        }
    }

    #[test]
    fn tips_and_store_path() {
        let c = parse(
            "c.toml",
            "[store]\npath = \"/var/lib/crampcare.db\"\n\n[[tip]]\nid = \"summer\"\ndate = \"2027-06-01\"\ntopic = \"relief-now\"\n\n[[tip]]\nid = \"summer\"\ndate = \"2027-06-01\"\ntext = \"Hola\"\nlanguage = \"es\"\n\n[[tip]]\nid = \"x\"\ndate = \"2027-06-01\"\ntopic = \"relief-noww\"\n",
        )
        .unwrap();
        assert_eq!(c.store, Some(PathBuf::from("/var/lib/crampcare.db")));
        assert_eq!(c.tips.len(), 3);
        assert_eq!(c.tips[1].language.as_deref(), Some("es"));
        let k = Knowledge::builtin().unwrap();
        let e = c.check_topics(&k).unwrap_err().to_string();
        assert_eq!(
            e,
            "c.toml:18: [[tip]] \"x\": field `topic` names topic \"relief-noww\", which does not exist (did you mean `relief-now`?)"
        );
    }
}
