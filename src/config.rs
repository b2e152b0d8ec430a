//! The practice's `crampcare.toml`: who to call, and the emergency number.
//!
//! ```toml
//! [practice]
//! name = "Sunny Pediatrics"
//! phone = "555-0100"
//! after_hours_phone = "555-0199"
//! website = "https://sunnypeds.example"
//! emergency_number = "911"
//! ```
//!
//! Without a file, replies say "your child's doctor" and the emergency number is 911. The bot token
//! never lives here: it comes from `TELOXIDE_TOKEN` (see [`crate::cli`]).

use std::path::Path;

use serde::Deserialize;

use crate::engine::error::{line_of, KnowledgeError, KnowledgeErrors};
use crate::engine::Practice;

/// The default config file name, looked for in the current folder.
pub const DEFAULT_FILE: &str = "crampcare.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    practice: Option<toml::Spanned<Practice>>,
}

/// Reads a config file. Errors name the file, the line and the field, like knowledge errors.
///
/// # Errors
/// The file cannot be read or has unknown or malformed fields.
pub fn load(path: &Path) -> Result<Practice, KnowledgeErrors> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        KnowledgeErrors(vec![KnowledgeError::file(
            &name,
            format!("cannot read the config file: {e}"),
        )])
    })?;
    parse(&name, &text)
}

/// Parses config text named `name`.
///
/// # Errors
/// Unknown or malformed fields, an empty emergency number.
pub fn parse(name: &str, text: &str) -> Result<Practice, KnowledgeErrors> {
    let file: File = toml::from_str(text)
        .map_err(|e| KnowledgeErrors(vec![KnowledgeError::toml(name, text, &e)]))?;
    let Some(p) = file.practice else {
        return Ok(Practice::default());
    };
    let line = line_of(text, p.span().start);
    let practice = p.into_inner();
    let number = practice.emergency_number.trim();
    if number.is_empty()
        || !number
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return Err(KnowledgeErrors(vec![KnowledgeError {
            file: name.to_owned(),
            line: Some(line),
            item: Some("practice".to_owned()),
            field: Some("emergency_number".to_owned()),
            message: "must be a phone number such as 911, 112 or 999".to_owned(),
        }]));
    }
    Ok(practice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_practice() {
        let p = parse(
            "c.toml",
            "[practice]\nname = \"Sunny Pediatrics\"\nphone = \"555-0100\"\n",
        )
        .unwrap();
        assert_eq!(p.doctor(), "Sunny Pediatrics at 555-0100");
        assert_eq!(p.emergency_number, "911");
    }

    #[test]
    fn unknown_fields_name_the_line() {
        let e = parse("c.toml", "[practice]\nname = \"A\"\nphnoe = \"1\"\n").unwrap_err();
        assert!(e.to_string().contains("c.toml:3"), "{e}");
        assert!(e.to_string().contains("phnoe"), "{e}");
    }
}
