//! The daily counters: their names, and what one answered message adds to them.
//!
//! Counters carry no chat id and no text: a day, a name and a number. Topic counters are named
//! `topic:<id>`, replies per level `level:<name>`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::engine::{Reply, ReplyKind};
use crate::store::{Store, StoreError};

/// Questions answered.
pub const QUESTIONS: &str = "questions";
/// Questions nothing in the knowledge base matched.
pub const NOT_UNDERSTOOD: &str = "not_understood";
/// Chats that subscribed.
pub const SUBSCRIBED: &str = "subscribed";
/// Chats that unsubscribed, blocked the bot or asked to be forgotten.
pub const UNSUBSCRIBED: &str = "unsubscribed";
/// The prefix of a topic counter.
pub const TOPIC: &str = "topic:";
/// The prefix of a level counter.
pub const LEVEL: &str = "level:";

/// What answering one parent's question adds: the question, its topics, its level, and whether
/// it was understood. Greetings, thanks and button presses are not questions.
#[must_use]
pub fn of_answer(reply: &Reply) -> Vec<(String, i64)> {
    match reply.kind {
        ReplyKind::Answer | ReplyKind::Fallback => {}
        ReplyKind::Topic | ReplyKind::Greeting | ReplyKind::Thanks | ReplyKind::Check => {
            return Vec::new()
        }
    }
    let mut out = vec![
        (QUESTIONS.to_owned(), 1),
        (format!("{LEVEL}{}", reply.level.name()), 1),
    ];
    if reply.kind == ReplyKind::Fallback {
        out.push((NOT_UNDERSTOOD.to_owned(), 1));
    }
    for id in reply.topic_ids() {
        out.push((format!("{TOPIC}{id}"), 1));
    }
    out
}

/// Counts kept in memory until [`Tally::flush`] writes them, so that answering a question never
/// waits on the store: a SQLite commit per question, and now and then a WAL checkpoint with its
/// fsync, would run on the thread that sends replies. A crash loses at most the counts since the
/// last flush (half a second by default), never a reply.
#[derive(Debug, Default)]
pub struct Tally {
    counts: Mutex<BTreeMap<(String, String), i64>>,
}

impl Tally {
    /// Adds `counts` to `day`.
    pub fn add(&self, day: &str, counts: &[(String, i64)]) {
        let mut all = self.lock();
        for (name, n) in counts {
            *all.entry((day.to_owned(), name.clone())).or_default() += n;
        }
    }

    /// Writes the counts to `store`, one transaction per day, and forgets them; what could not
    /// be written is kept for the next flush.
    ///
    /// # Errors
    /// The store failed; the counts are kept.
    pub fn flush(&self, store: &dyn Store) -> Result<(), StoreError> {
        let taken = std::mem::take(&mut *self.lock());
        let mut by_day: BTreeMap<&str, Vec<(&str, i64)>> = BTreeMap::new();
        for ((day, name), n) in &taken {
            by_day.entry(day).or_default().push((name, *n));
        }
        let mut result = Ok(());
        let mut failed: Vec<String> = Vec::new();
        for (day, counts) in &by_day {
            if let Err(e) = store.count(day, counts) {
                failed.push((*day).to_owned());
                result = Err(e);
            }
        }
        drop(by_day);
        if !failed.is_empty() {
            let mut all = self.lock();
            for ((day, name), n) in taken {
                if failed.contains(&day) {
                    *all.entry((day, name)).or_default() += n;
                }
            }
        }
        result
    }

    /// Whether nothing is waiting to be written.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), i64>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, Practice};
    use crate::store::Sqlite;

    #[test]
    fn a_tally_adds_up_in_memory_and_flushes_once() {
        let t = Tally::default();
        t.add("2026-11-29", &[(QUESTIONS.to_owned(), 1)]);
        t.add("2026-11-29", &[(QUESTIONS.to_owned(), 2)]);
        t.add("2026-11-30", &[(NOT_UNDERSTOOD.to_owned(), 1)]);
        let store = Sqlite::memory();
        assert!(
            store.counts("2026-01-01").unwrap().is_empty(),
            "nothing before the flush"
        );
        t.flush(&store).unwrap();
        assert!(t.is_empty());
        t.flush(&store).unwrap();
        let c = store.counts("2026-01-01").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].name.as_str(), c[0].value), (QUESTIONS, 3));
    }

    #[test]
    fn a_question_counts_its_topics_and_level_and_a_greeting_nothing() {
        let e = Engine::builtin(Practice::default());
        let c = of_answer(&e.answer("my son has calf cramps at night"));
        assert!(c.contains(&(QUESTIONS.to_owned(), 1)), "{c:?}");
        assert!(c.iter().any(|(n, _)| n.starts_with(TOPIC)), "{c:?}");
        assert!(c.iter().any(|(n, _)| n.starts_with(LEVEL)), "{c:?}");
        assert!(!c.iter().any(|(n, _)| n == NOT_UNDERSTOOD), "{c:?}");
        assert!(of_answer(&e.welcome()).is_empty());
        let c = of_answer(&e.answer("qwzx vbnm plok"));
        assert!(c.contains(&(NOT_UNDERSTOOD.to_owned(), 1)), "{c:?}");
    }
}
