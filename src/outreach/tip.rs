//! Scheduled tips: the `[[tip]]` entries of `crampcare.toml`, and which are due.
//!
//! Several entries may share an id, one per language: together they are one broadcast, each
//! recipient getting the entry in their chat's language. The store queues a tip id at most once,
//! ever, so the bot may look every minute and after every restart.

use std::collections::BTreeMap;

use crate::day::Day;
use crate::store::{Body, NewBroadcast, Origin, Variant};

/// One `[[tip]]` entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip {
    /// Its id: the same for every language version.
    pub id: String,
    /// The day (UTC) from which it is sent.
    pub date: Day,
    /// What it says.
    pub body: Body,
    /// Its language, or `None` for the version sent when no other fits.
    pub language: Option<String>,
}

/// The broadcasts due on `today`, one per tip id, with their language versions (entries without
/// a language first, so they are the default).
#[must_use]
pub fn due(tips: &[Tip], today: Day) -> Vec<NewBroadcast> {
    let mut by_id: BTreeMap<&str, Vec<&Tip>> = BTreeMap::new();
    for t in tips.iter().filter(|t| t.date <= today) {
        by_id.entry(t.id.as_str()).or_default().push(t);
    }
    by_id
        .into_iter()
        .map(|(id, mut entries)| {
            entries.sort_by_key(|t| t.language.is_some());
            NewBroadcast {
                origin: Origin::Tip,
                tip: Some(id.to_owned()),
                variants: entries
                    .into_iter()
                    .map(|t| Variant {
                        language: t.language.clone(),
                        body: t.body.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tip(id: &str, date: &str, lang: Option<&str>) -> Tip {
        Tip {
            id: id.to_owned(),
            date: Day::parse(date).unwrap(),
            body: Body::Text(format!("{id} {lang:?}")),
            language: lang.map(str::to_owned),
        }
    }

    #[test]
    fn due_tips_group_their_languages_default_first() {
        let tips = [
            tip("summer", "2027-06-01", Some("es")),
            tip("summer", "2027-06-01", None),
            tip("school", "2027-09-01", None),
        ];
        assert!(due(&tips, Day::parse("2027-05-31").unwrap()).is_empty());
        let d = due(&tips, Day::parse("2027-06-01").unwrap());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].tip.as_deref(), Some("summer"));
        assert_eq!(d[0].variants.len(), 2);
        assert_eq!(d[0].variants[0].language, None);
        assert_eq!(due(&tips, Day::parse("2027-12-01").unwrap()).len(), 2);
    }
}
