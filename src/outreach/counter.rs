//! The daily counters: their names, and what one answered message adds to them.
//!
//! Counters carry no chat id and no text: a day, a name and a number. Topic counters are named
//! `topic:<id>`, replies per level `level:<name>`.

use crate::engine::{Reply, ReplyKind};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, Practice};

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
