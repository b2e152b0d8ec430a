//! The pediatric practice whose name and phone go into the see-a-doctor line.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::knowledge::Messages;

/// Who to call. Every field but the emergency number is optional; without a practice the replies name
/// the child's own doctor (`doctor_plain` in `[messages]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    /// The practice's name, e.g. "Sunny Pediatrics".
    pub name: Option<String>,
    /// Its phone number.
    pub phone: Option<String>,
    /// Its after-hours line.
    pub after_hours_phone: Option<String>,
    /// Its website.
    pub website: Option<String>,
    /// The emergency number: 911 in the US and Canada, 112 in the EU, 999 in the UK.
    #[serde(default = "default_emergency")]
    pub emergency_number: String,
}

fn default_emergency() -> String {
    "911".to_owned()
}

impl Default for Practice {
    fn default() -> Self {
        Practice {
            name: None,
            phone: None,
            after_hours_phone: None,
            website: None,
            emergency_number: default_emergency(),
        }
    }
}

impl Practice {
    /// Who to call, in the words of a language's `[messages]`: `doctor_plain` ("your child's
    /// doctor"), or the practice with its phone numbers (`doctor_phone`, `doctor_phones`,
    /// `doctor_after_hours`).
    #[must_use]
    pub fn doctor(&self, m: &Messages) -> String {
        let Some(name) = &self.name else {
            return m.doctor_plain.clone();
        };
        let with = |text: &str, phone: &str, after: &str| {
            text.replace("{practice}", name)
                .replace("{phone}", phone)
                .replace("{after_hours}", after)
        };
        match (&self.phone, &self.after_hours_phone) {
            (Some(p), Some(a)) => with(&m.doctor_phones, p, a),
            (Some(p), None) => with(&m.doctor_phone, p, ""),
            (None, Some(a)) => with(&m.doctor_after_hours, "", a),
            (None, None) => name.clone(),
        }
    }

    /// Fills `{emergency}`, `{doctor}`, `{practice}` and `{phone}` in a knowledge text, in the words
    /// of a language's `[messages]`. One pass over the text; a value is made only for a placeholder
    /// the text holds, and what a value says is not read for placeholders again.
    #[must_use]
    pub fn fill(&self, text: &str, m: &Messages) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        let mut rest = text;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            let name = rest.find('}').map(|e| &rest[..=e]);
            let value = match name {
                Some("{emergency}") => Some(Cow::Borrowed(self.emergency_number.as_str())),
                Some("{doctor}") => Some(Cow::Owned(self.doctor(m))),
                Some("{practice}") => Some(Cow::Borrowed(
                    self.name.as_deref().unwrap_or(&m.doctor_plain),
                )),
                Some("{phone}") => Some(Cow::Borrowed(
                    self.phone
                        .as_deref()
                        .or(self.after_hours_phone.as_deref())
                        .unwrap_or(""),
                )),
                _ => None,
            };
            match (name, value) {
                (Some(n), Some(v)) => {
                    out.push_str(&v);
                    rest = &rest[n.len()..];
                }
                _ => {
                    out.push('{');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::knowledge::Knowledge;

    fn sunny() -> Practice {
        Practice {
            name: Some("Sunny Pediatrics".to_owned()),
            phone: Some("555-0100".to_owned()),
            emergency_number: "112".to_owned(),
            ..Practice::default()
        }
    }

    #[test]
    fn every_placeholder_is_filled_and_other_braces_stay() {
        let k = Knowledge::builtin().expect("built-in knowledge");
        let m = &k.messages;
        let text = "Call {emergency} now, or {doctor}. {practice}: {phone}. {unknown} {";
        assert_eq!(
            sunny().fill(text, m),
            "Call 112 now, or Sunny Pediatrics at 555-0100. Sunny Pediatrics: 555-0100. {unknown} {"
        );
        // Without a practice the reply names the child's own doctor, and no phone.
        let plain = Practice::default().fill("{doctor} / {practice} / {phone}.", m);
        assert_eq!(
            plain,
            format!("{} / {} / .", m.doctor_plain, m.doctor_plain)
        );
        assert_eq!(sunny().fill("no placeholder", m), "no placeholder");
    }

    #[test]
    fn a_value_is_not_read_for_placeholders_again() {
        let k = Knowledge::builtin().expect("built-in knowledge");
        let odd = Practice {
            name: Some("Dr {phone}".to_owned()),
            ..sunny()
        };
        assert_eq!(odd.fill("{practice}", &k.messages), "Dr {phone}");
    }
}
