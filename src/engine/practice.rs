//! The pediatric practice whose name and phone go into the see-a-doctor line.

use serde::{Deserialize, Serialize};

/// Who to call. Every field but the emergency number is optional; without a practice the replies say
/// "your child's doctor".
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
    /// "your child's doctor", or the practice with its phone numbers.
    #[must_use]
    pub fn doctor(&self) -> String {
        let Some(name) = &self.name else {
            return "your child's doctor".to_owned();
        };
        match (&self.phone, &self.after_hours_phone) {
            (Some(p), Some(a)) => format!("{name} at {p} (after hours: {a})"),
            (Some(p), None) => format!("{name} at {p}"),
            (None, Some(a)) => format!("{name} (after hours: {a})"),
            (None, None) => name.clone(),
        }
    }

    /// Fills `{emergency}`, `{doctor}`, `{practice}` and `{phone}` in a knowledge text.
    #[must_use]
    pub fn fill(&self, text: &str) -> String {
        // Most texts have no placeholder: skip four replacements and their allocations.
        if !text.contains('{') {
            return text.to_owned();
        }
        text.replace("{emergency}", &self.emergency_number)
            .replace("{doctor}", &self.doctor())
            .replace(
                "{practice}",
                self.name.as_deref().unwrap_or("your child's doctor"),
            )
            .replace(
                "{phone}",
                self.phone
                    .as_deref()
                    .or(self.after_hours_phone.as_deref())
                    .unwrap_or(""),
            )
    }
}
