//! The practice's report: weekly figures from the daily counters, as text, JSON or CSV.
//!
//! Per week (Monday to Sunday, UTC): questions, the top topics, replies by level (emergency and
//! urgent called out), the not-understood count, and subscribers gained and lost. Built from
//! counters only, so it can show nothing a parent wrote.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::counter::{LEVEL, NOT_UNDERSTOOD, QUESTIONS, SUBSCRIBED, TOPIC, UNSUBSCRIBED};
use crate::day::Day;
use crate::store::Count;

/// How many topics a week lists.
pub const TOP_TOPICS: usize = 3;

/// One week's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Week {
    /// Its Monday, `YYYY-MM-DD`.
    pub week: String,
    /// Questions answered.
    pub questions: i64,
    /// The most asked topics, most first (ties by id).
    pub top_topics: Vec<(String, i64)>,
    /// Replies per level ("emergency", "urgent", "soon", "routine").
    pub levels: BTreeMap<String, i64>,
    /// Questions nothing matched.
    pub not_understood: i64,
    /// Chats that subscribed.
    pub subscribers_gained: i64,
    /// Chats that unsubscribed, blocked the bot or were forgotten.
    pub subscribers_lost: i64,
}

impl Week {
    fn level(&self, name: &str) -> i64 {
        self.levels.get(name).copied().unwrap_or(0)
    }
}

/// Weeks from the one holding `since` to the one holding `until`, every week listed even when
/// nothing happened.
#[must_use]
pub fn weeks(counts: &[Count], since: Day, until: Day) -> Vec<Week> {
    let first = since.monday();
    let mut topics: BTreeMap<Day, BTreeMap<String, i64>> = BTreeMap::new();
    let mut out: BTreeMap<Day, Week> = BTreeMap::new();
    let mut monday = first;
    while monday <= until.monday() {
        out.insert(
            monday,
            Week {
                week: monday.to_string(),
                questions: 0,
                top_topics: Vec::new(),
                levels: BTreeMap::new(),
                not_understood: 0,
                subscribers_gained: 0,
                subscribers_lost: 0,
            },
        );
        monday = monday.plus(7);
    }
    for c in counts {
        let Some(day) = Day::parse(&c.day) else {
            continue;
        };
        let Some(w) = out.get_mut(&day.monday()) else {
            continue;
        };
        match c.name.as_str() {
            QUESTIONS => w.questions += c.value,
            NOT_UNDERSTOOD => w.not_understood += c.value,
            SUBSCRIBED => w.subscribers_gained += c.value,
            UNSUBSCRIBED => w.subscribers_lost += c.value,
            name => {
                if let Some(level) = name.strip_prefix(LEVEL) {
                    *w.levels.entry(level.to_owned()).or_default() += c.value;
                } else if let Some(topic) = name.strip_prefix(TOPIC) {
                    *topics
                        .entry(day.monday())
                        .or_default()
                        .entry(topic.to_owned())
                        .or_default() += c.value;
                }
            }
        }
    }
    for (monday, t) in topics {
        let mut ranked: Vec<(String, i64)> = t.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(TOP_TOPICS);
        if let Some(w) = out.get_mut(&monday) {
            w.top_topics = ranked;
        }
    }
    out.into_values().collect()
}

/// A plain-text table, one block per week, for the terminal and `/report`.
#[must_use]
pub fn text(weeks: &[Week]) -> String {
    let mut s = String::new();
    for w in weeks {
        let _ = writeln!(s, "week of {}", w.week);
        let _ = writeln!(
            s,
            "  questions {} (emergency {}, urgent {}, soon {}, routine {}), not understood {}",
            w.questions,
            w.level("emergency"),
            w.level("urgent"),
            w.level("soon"),
            w.level("routine"),
            w.not_understood
        );
        let top: Vec<String> = w
            .top_topics
            .iter()
            .map(|(id, n)| format!("{id} ({n})"))
            .collect();
        let top = if top.is_empty() {
            "none".to_owned()
        } else {
            top.join(", ")
        };
        let _ = writeln!(s, "  top topics: {top}");
        let _ = writeln!(
            s,
            "  subscribers: +{} -{}",
            w.subscribers_gained, w.subscribers_lost
        );
    }
    s
}

/// One JSON array of weeks.
#[must_use]
pub fn json(weeks: &[Week]) -> String {
    let rows: Vec<serde_json::Value> = weeks
        .iter()
        .map(|w| {
            serde_json::json!({
                "week": w.week,
                "questions": w.questions,
                "top_topics": w.top_topics.iter()
                    .map(|(id, n)| serde_json::json!({"id": id, "count": n}))
                    .collect::<Vec<_>>(),
                "levels": w.levels,
                "emergency": w.level("emergency"),
                "urgent": w.level("urgent"),
                "not_understood": w.not_understood,
                "subscribers_gained": w.subscribers_gained,
                "subscribers_lost": w.subscribers_lost,
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// CSV with a header; top topics as `id:count` joined by `;`.
#[must_use]
pub fn csv(weeks: &[Week]) -> String {
    let mut s = String::from(
        "week,questions,emergency,urgent,soon,routine,not_understood,subscribers_gained,subscribers_lost,top_topics\n",
    );
    for w in weeks {
        let top: Vec<String> = w
            .top_topics
            .iter()
            .map(|(id, n)| format!("{id}:{n}"))
            .collect();
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{}",
            w.week,
            w.questions,
            w.level("emergency"),
            w.level("urgent"),
            w.level("soon"),
            w.level("routine"),
            w.not_understood,
            w.subscribers_gained,
            w.subscribers_lost,
            top.join(";")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(day: &str, name: &str, value: i64) -> Count {
        Count {
            day: day.to_owned(),
            name: name.to_owned(),
            value,
        }
    }

    #[test]
    fn days_add_up_into_weeks_with_top_topics() {
        let counts = [
            c("2026-11-23", "questions", 3),
            c("2026-11-29", "questions", 2),
            c("2026-11-23", "topic:relief-now", 2),
            c("2026-11-24", "topic:foods-that-help", 3),
            c("2026-11-25", "topic:relief-now", 2),
            c("2026-11-25", "topic:stretch-calf", 1),
            c("2026-11-25", "topic:why-cramps-happen", 1),
            c("2026-11-25", "level:emergency", 1),
            c("2026-11-25", "level:routine", 4),
            c("2026-11-30", "questions", 7),
            c("2026-11-30", "subscribed", 2),
            c("2026-11-30", "unsubscribed", 1),
            c("2026-11-30", "not_understood", 1),
        ];
        let since = Day::parse("2026-11-25").unwrap();
        let until = Day::parse("2026-12-08").unwrap();
        let w = weeks(&counts, since, until);
        assert_eq!(
            w.iter().map(|w| w.week.as_str()).collect::<Vec<_>>(),
            ["2026-11-23", "2026-11-30", "2026-12-07"]
        );
        assert_eq!(w[0].questions, 5);
        assert_eq!(
            w[0].top_topics,
            [
                ("relief-now".to_owned(), 4),
                ("foods-that-help".to_owned(), 3),
                ("stretch-calf".to_owned(), 1)
            ]
        );
        assert_eq!(w[1].questions, 7);
        assert_eq!((w[1].subscribers_gained, w[1].subscribers_lost), (2, 1));
        assert_eq!(w[2].questions, 0);
        let t = text(&w);
        assert!(
            t.contains("questions 5 (emergency 1, urgent 0, soon 0, routine 4)"),
            "{t}"
        );
        assert!(
            t.contains("top topics: relief-now (4), foods-that-help (3)"),
            "{t}"
        );
        let j: serde_json::Value = serde_json::from_str(&json(&w)).unwrap();
        assert_eq!(j[0]["emergency"], 1);
        assert_eq!(j[1]["subscribers_gained"], 2);
        let csv = csv(&w);
        assert_eq!(csv.lines().count(), 4);
        assert!(csv
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("2026-11-30,7,0,0,0,0,1,2,1,"));
    }
}
