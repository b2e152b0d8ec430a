//! A topic's sources, one tap away: what the "Sources" follow-up (`s:<topic id>`) opens.
//!
//! The about topic promises that every tip lists its sources (issue 11). This module turns a topic's
//! source ids into a reply: one line per source with its publisher, title and link, then a way back
//! to the topic. The list is a plain text block, so every renderer shows it without a new kind of
//! block; Telegram makes the bare links tappable itself.

use super::compose::{Composer, MAX_FOLLOW_UPS};
use super::knowledge::{Knowledge, Topic};
use super::reply::{FollowUp, Reply, ReplyKind};

/// What a sources token starts with; the topic id follows.
pub const PREFIX: &str = "s:";

/// The follow-up under a reply that shows `topic`.
#[must_use]
pub fn follow_up(k: &Knowledge, topic: &Topic) -> FollowUp {
    FollowUp {
        label: k.messages.sources_label.clone(),
        token: format!("{PREFIX}{}", topic.id),
    }
}

/// The sources of `topic` as one text: a heading, then each source's publisher, title and link.
#[must_use]
pub fn list(c: &Composer<'_>, topic: &Topic) -> String {
    let mut s = c
        .knowledge
        .messages
        .sources_heading
        .replace("{title}", &topic.title);
    for id in &topic.sources {
        // Validation guarantees every id resolves; a missing one is skipped rather than shown raw.
        let Some(src) = c.knowledge.sources.iter().find(|x| &x.id == id) else {
            continue;
        };
        s.push_str(&format!(
            "\n• {}: {}\n  {}",
            src.publisher, src.title, src.url
        ));
    }
    s
}

/// The reply to `s:<topic id>`: the list, the see-a-doctor line, a button back to the topic and the
/// menu.
#[must_use]
pub fn reply(c: &Composer<'_>, topic: &Topic) -> Reply {
    let mut r = c.message(ReplyKind::Topic, &list(c, topic));
    r.follow_ups.insert(
        0,
        FollowUp {
            label: topic.title.clone(),
            token: super::topics::token(&topic.id),
        },
    );
    r.follow_ups.truncate(MAX_FOLLOW_UPS);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, Practice};

    #[test]
    fn every_source_of_a_topic_is_listed_with_its_link() {
        let e = Engine::builtin(Practice::default());
        let k = e.knowledge();
        for t in &k.topics {
            let shown = e.topic(&t.id).expect("the topic");
            assert!(shown.follow_ups.contains(&follow_up(k, t)), "{}", t.id);
            assert!(shown.follow_ups.len() <= MAX_FOLLOW_UPS, "{}", t.id);
            let r = e
                .follow(&format!("{PREFIX}{}", t.id))
                .expect("a sources reply");
            let text = crate::render::plain::render(&r);
            for id in &t.sources {
                let s = k.sources.iter().find(|s| &s.id == id).expect("source");
                assert!(text.contains(&s.url), "{}: {} missing", t.id, s.url);
                assert!(text.contains(&s.title), "{}: {} missing", t.id, s.title);
            }
            assert_eq!(r.follow_ups[0].token, crate::engine::topics::token(&t.id));
            assert!(r.follow_ups.len() <= MAX_FOLLOW_UPS);
        }
        assert!(e.follow("s:no-such-topic").is_none());
    }
}
