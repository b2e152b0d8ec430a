//! The placeholders a knowledge text may hold (`{emergency}`, `{doctor}`, `{practice}`,
//! `{phone}`), and the check that finds misspelt ones.
//!
//! [`super::Practice::fill`] replaces the placeholders it knows and leaves anything else alone, so a
//! misspelt `{emergncy}` would reach a frightened parent braces and all. Loading refuses it instead
//! (issue 11), with a "did you mean". This module only finds the problems; [`super::knowledge`]
//! places them at a file, line and field.

use super::error::hint;

/// Every placeholder [`super::Practice::fill`] replaces, without braces.
pub const PLACEHOLDERS: &[&str] = &["emergency", "doctor", "practice", "phone"];

/// Messages with a placeholder of their own, filled by the engine rather than the practice.
pub const OWN: &[(&str, &str)] = &[
    ("not_recognised", "words"),
    ("also", "title"),
    ("sources_heading", "title"),
    ("doctor_phones", "after_hours"),
    ("doctor_after_hours", "after_hours"),
    ("about_after_hours", "after_hours"),
    ("about_website", "website"),
    ("forgotten", "n"),
    ("preview", "n"),
    ("queued", "n"),
];

/// What is wrong with the placeholders of `text`, one sentence fragment per problem, in order.
#[must_use]
pub fn problems(text: &str) -> Vec<String> {
    problems_in(text, "")
}

/// [`problems`] for the message `field`, which may also hold its [`OWN`] placeholder.
#[must_use]
pub fn problems_in(text: &str, field: &str) -> Vec<String> {
    let own = OWN.iter().filter(|(f, _)| *f == field).map(|(_, p)| *p);
    let allowed: Vec<&str> = PLACEHOLDERS.iter().copied().chain(own).collect();
    let known: Vec<String> = allowed.iter().map(|p| format!("{{{p}}}")).collect();
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            out.push("has a `}` with no `{` before it".to_owned());
            rest = &rest[i + 1..];
            continue;
        }
        let after = &rest[i + 1..];
        let Some(end) = after
            .find(['}', '{'])
            .filter(|&e| after[e..].starts_with('}'))
        else {
            out.push("has a `{` with no `}` after it".to_owned());
            rest = after;
            continue;
        };
        let name = &after[..end];
        if !allowed.contains(&name) {
            let shown = format!("{{{name}}}");
            out.push(format!(
                "has an unknown placeholder `{shown}`, not one of {}{}",
                known.join(", "),
                hint(&shown, known.iter().map(String::as_str))
            ));
        }
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Practice;

    #[test]
    fn known_placeholders_pass() {
        assert!(problems("Call {emergency} now, or {doctor}.").is_empty());
        assert!(problems("See {practice} ({phone}).").is_empty());
        assert!(problems("No placeholder at all.").is_empty());
    }

    #[test]
    fn a_misspelt_placeholder_gets_a_suggestion() {
        assert_eq!(
            problems("Call {emergncy} now."),
            [
                "has an unknown placeholder `{emergncy}`, not one of {emergency}, {doctor}, \
              {practice}, {phone} (did you mean `{emergency}`?)"
            ]
        );
        let far = problems("Call {ambulance}.");
        assert_eq!(far.len(), 1);
        assert!(!far[0].contains("did you mean"), "{far:?}");
    }

    #[test]
    fn unbalanced_braces_are_problems() {
        assert_eq!(
            problems("Call {emergency now."),
            ["has a `{` with no `}` after it"]
        );
        assert_eq!(
            problems("Call emergency} now."),
            ["has a `}` with no `{` before it"]
        );
        assert_eq!(
            problems("Call {doctor {emergency}."),
            ["has a `{` with no `}` after it"]
        );
    }

    /// The list and [`Practice::fill`] must not drift apart: every placeholder the check accepts is
    /// replaced, so no accepted text shows braces to a parent.
    #[test]
    fn fill_replaces_every_known_placeholder() {
        let k = crate::engine::Knowledge::builtin().expect("built-in knowledge");
        let p = Practice {
            name: Some("Sunny Pediatrics".to_owned()),
            phone: Some("555-0100".to_owned()),
            ..Practice::default()
        };
        for name in PLACEHOLDERS {
            let filled = p.fill(&format!("x {{{name}}} y"), &k.messages);
            assert!(!filled.contains(['{', '}']), "{name}: {filled}");
        }
    }
}
