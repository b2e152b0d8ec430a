//! The fifth stage: matches and triage to a [`Reply`].
//!
//! Owns the order of a reply: for `emergency` and `urgent` the action comes first, before any tip;
//! for `soon` the call-or-book line follows a one-line acknowledgement; `routine` answers open with
//! a short line; the see-a-doctor line is always last, fallbacks included. Owns the follow-ups too.

use super::check::{self, Step, QUESTIONS};
use super::knowledge::{Knowledge, Level, Topic};
use super::matcher::Matches;
use super::practice::Practice;
use super::reply::{Block, FollowUp, Reply, ReplyKind};
use super::triage::Triage;

/// The menu: the buttons under every answer, in order, by topic id and label.
pub const MENU: &[(&str, &str)] = &[
    ("relief-now", "Relief now"),
    ("why-cramps-happen", "Why it happens"),
    ("foods-that-help", "Foods that help"),
];
/// The label of the guided check's button.
pub const CHECK_LABEL: &str = "Is this serious?";
/// At most this many follow-ups under a reply.
pub const MAX_FOLLOW_UPS: usize = 5;
/// The topic that leads any reply with a red flag.
pub const DOCTOR_TOPIC: &str = "see-a-doctor";
/// Replies with a red flag show at most this many topics: the doctor guide and one more.
const FLAGGED_TOPICS: usize = 2;
/// Emergency replies show at most this many topics after the action: the call comes first.
const EMERGENCY_TOPICS: usize = 1;

/// Composes replies from one knowledge base and practice.
#[derive(Debug, Clone, Copy)]
pub struct Composer<'a> {
    /// The knowledge base.
    pub knowledge: &'a Knowledge,
    /// The practice.
    pub practice: &'a Practice,
}

impl Composer<'_> {
    /// The reply to a question.
    #[must_use]
    pub fn answer(&self, matches: &Matches, triage: &Triage, age: Option<u8>) -> Reply {
        let k = self.knowledge;
        let mut topics: Vec<&Topic> = matches.chosen.iter().map(|m| &k.topics[m.topic]).collect();
        // A red flag makes "when to see a doctor" the first topic: it lists what to watch for.
        if triage.level >= Level::Soon {
            if let Some(doctor) = k.topic(DOCTOR_TOPIC) {
                topics.retain(|t| t.id != DOCTOR_TOPIC);
                topics.insert(0, doctor);
            }
            topics.truncate(FLAGGED_TOPICS);
        }
        if triage.level == Level::Emergency {
            topics.truncate(EMERGENCY_TOPICS);
        }
        let mut blocks = Vec::new();
        match triage.level {
            Level::Emergency | Level::Urgent => {
                blocks.push(self.alert(triage));
            }
            Level::Soon => {
                blocks.push(self.text(&k.messages.soon_opening));
                blocks.push(self.alert(triage));
            }
            Level::Routine => blocks.push(self.text(&k.messages.opening)),
        }
        blocks.extend(topics.iter().map(|t| self.topic_block(t, age)));
        self.finish(ReplyKind::Answer, triage.level, blocks, &topics)
    }

    /// One topic on its own (a button, a command, a deep link).
    #[must_use]
    pub fn topic(&self, topic: &Topic) -> Reply {
        let blocks = vec![self.topic_block(topic, None)];
        self.finish(ReplyKind::Topic, Level::Routine, blocks, &[topic])
    }

    /// `reply` with a one-line note after its opening ("I did not recognise ...").
    #[must_use]
    pub fn with_note(&self, mut reply: Reply, note: &str) -> Reply {
        let at = usize::from(!reply.blocks.is_empty());
        reply.blocks.insert(at, self.text(note));
        reply
    }

    /// A fixed text (greeting, thanks, fallback) with the menu under it.
    #[must_use]
    pub fn message(&self, kind: ReplyKind, text: &str) -> Reply {
        let blocks = vec![self.text(text)];
        self.finish(kind, Level::Routine, blocks, &[])
    }

    /// A step of the guided check.
    #[must_use]
    pub fn check(&self, step: &Step) -> Reply {
        match step {
            Step::Ask {
                number,
                question,
                yes,
                no,
            } => {
                let blocks = vec![Block::Question {
                    number: *number,
                    total: QUESTIONS.len(),
                    text: question.text.to_owned(),
                }];
                let mut r = self.finish(ReplyKind::Check, Level::Routine, blocks, &[]);
                r.follow_ups = vec![
                    FollowUp {
                        label: "Yes".to_owned(),
                        token: yes.clone(),
                    },
                    FollowUp {
                        label: "No".to_owned(),
                        token: no.clone(),
                    },
                ];
                r
            }
            Step::Done { level, advice } => {
                let k = self.knowledge;
                let mut blocks = Vec::new();
                let reasons: Vec<String> = advice.iter().map(|a| (*a).to_owned()).collect();
                let topic = match level {
                    Level::Routine => {
                        blocks.push(self.text(
                            "From your answers, home care is fine for now. Here is what helps:",
                        ));
                        k.topic("relief-now")
                    }
                    _ => {
                        blocks.push(Block::Alert {
                            level: *level,
                            headline: self.headline(*level),
                            reasons,
                        });
                        (*level < Level::Emergency)
                            .then(|| k.topic(DOCTOR_TOPIC))
                            .flatten()
                    }
                };
                blocks.extend(topic.map(|t| self.topic_block(t, None)));
                let shown: Vec<&Topic> = topic.into_iter().collect();
                self.finish(ReplyKind::Check, *level, blocks, &shown)
            }
        }
    }

    fn headline(&self, level: Level) -> String {
        let m = &self.knowledge.messages;
        let line = match level {
            Level::Emergency => &m.emergency,
            Level::Urgent => &m.urgent,
            Level::Soon => &m.soon,
            Level::Routine => &m.opening,
        };
        self.practice.fill(line)
    }

    fn alert(&self, triage: &Triage) -> Block {
        let k = self.knowledge;
        let mut reasons: Vec<String> = Vec::new();
        for f in &triage.fired {
            let flag = &k.red_flags[f.flag];
            let line = format!("{}: {}", flag.title, self.practice.fill(&flag.action));
            if !reasons.contains(&line) {
                reasons.push(line);
            }
        }
        Block::Alert {
            level: triage.level,
            headline: self.headline(triage.level),
            reasons,
        }
    }

    fn text(&self, text: &str) -> Block {
        Block::Text {
            text: self.practice.fill(text),
        }
    }

    fn topic_block(&self, t: &Topic, age: Option<u8>) -> Block {
        Block::Topic {
            id: t.id.clone(),
            title: t.title.clone(),
            summary: self.practice.fill(&t.summary),
            steps: t.steps.iter().map(|s| self.practice.fill(s)).collect(),
            // Age notes (choking hazards, ...) show unless the child is known to be old enough.
            notes: t
                .age_notes
                .iter()
                .filter(|n| age.is_none_or(|a| a < n.below))
                .map(|n| self.practice.fill(&n.text))
                .collect(),
        }
    }

    /// Adds the doctor line and the follow-ups.
    fn finish(
        &self,
        kind: ReplyKind,
        level: Level,
        mut blocks: Vec<Block>,
        shown: &[&Topic],
    ) -> Reply {
        let m = &self.knowledge.messages;
        let line = if self.practice.name.is_some() {
            &m.doctor_line_practice
        } else {
            &m.doctor_line
        };
        blocks.push(Block::Doctor {
            text: self.practice.fill(line),
        });
        Reply {
            kind,
            level,
            blocks,
            follow_ups: self.follow_ups(shown, level),
        }
    }

    fn follow_ups(&self, shown: &[&Topic], level: Level) -> Vec<FollowUp> {
        let k = self.knowledge;
        let is_shown = |id: &str| shown.iter().any(|t| t.id == id);
        let mut out: Vec<FollowUp> = Vec::new();
        let push = |out: &mut Vec<FollowUp>, id: &str, label: &str| {
            let token = format!("t:{id}");
            if !is_shown(id) && !out.iter().any(|f| f.token == token) && k.topic(id).is_some() {
                out.push(FollowUp {
                    label: label.to_owned(),
                    token,
                });
            }
        };
        for t in shown.iter().take(2) {
            for r in t.related.iter().take(2) {
                if let Some(rt) = k.topic(r) {
                    push(&mut out, r, &rt.title);
                }
            }
        }
        out.truncate(2);
        for (id, label) in MENU {
            push(&mut out, id, label);
        }
        // Issue 11: a reply with a topic offers its sources; room is kept for it and the check.
        let sources = shown.first().map(|t| super::sources::follow_up(t));
        let check = level < Level::Urgent;
        out.truncate(MAX_FOLLOW_UPS - usize::from(sources.is_some()) - usize::from(check));
        out.extend(sources);
        if check {
            out.push(FollowUp {
                label: CHECK_LABEL.to_owned(),
                token: check::start(),
            });
        }
        out
    }
}
