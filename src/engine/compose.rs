//! The fifth stage: matches and triage to a [`Reply`].
//!
//! Owns the order of a reply: for `emergency` and `urgent` the action comes first, before any tip;
//! for `soon` the call-or-book line follows a one-line acknowledgement; `routine` answers open with
//! a short line; the see-a-doctor line is always last, fallbacks included. Owns the follow-ups too.
//!
//! Flagged replies fit one phone screen (issue 10): an emergency reply is the call, the signs, what
//! to do while waiting and one closing line ([`EMERGENCY_MAX`] characters as plain text); an urgent
//! one the call, the reasons and what to do meanwhile, with the doctor guide as a button
//! ([`URGENT_MAX`]); a soon one the acknowledgement, the call-or-book line with the reasons and at
//! most one short topic ([`SOON_MAX`]). A reply never contradicts itself: topic steps carry advice
//! tags (computed from their words by `[[advice]]` in the knowledge base), and a flagged reply leaves
//! out every step whose tag one of its flags rules out (`avoid`). Signs asked about ("what if ...")
//! get what to do *if* they happen, without an alert.

use super::check::{self, Step, QUESTIONS};
use super::knowledge::{plain_words, Knowledge, Level, Topic};
use super::matcher::Matches;
use super::practice::Practice;
use super::reply::{Block, FollowUp, Reply, ReplyKind};
use super::topics;
use super::triage::Triage;

/// The menu: the buttons under every answer, in order, by topic id and label.
pub const MENU: &[&str] = &[topics::RELIEF_NOW, topics::WHY, topics::FOODS];
/// At most this many follow-ups under a reply.
pub const MAX_FOLLOW_UPS: usize = 5;
/// The topic that leads any reply with a red flag.
pub const DOCTOR_TOPIC: &str = topics::SEE_A_DOCTOR;
/// The most characters of a routine reply's plain rendering, before buttons (issue 11): one phone
/// screen.
pub const ROUTINE_MAX: usize = 1000;
/// The most characters of a reply in a group chat (its compact rendering).
pub const GROUP_MAX: usize = 600;
/// The most characters of an emergency reply's plain rendering, before buttons.
pub const EMERGENCY_MAX: usize = 400;
/// The most characters of an urgent reply's plain rendering.
pub const URGENT_MAX: usize = 700;
/// The most characters of a soon reply's plain rendering.
pub const SOON_MAX: usize = 900;
/// The advice tag of steps that warn rather than advise ("Do not rub a red spot"): never left out.
pub const WARNING_TAG: &str = "warning";
/// Flagged replies name at most this many signs, one line each.
const MAX_REASONS: usize = 3;
/// Urgent replies give at most this many actions.
const MAX_ACTIONS: usize = 2;
/// Emergency replies give one action, the first sign's: "keep your child lying down" and "keep your
/// child sitting up" side by side would leave a parent frozen.
const EMERGENCY_ACTIONS: usize = 1;

/// The advice tags of a topic step, from the words of `[[advice]]` (whole words, any case).
#[must_use]
pub fn advice_tags<'k>(k: &'k Knowledge, step: &str) -> Vec<&'k str> {
    let words = format!(" {} ", plain_words(step));
    k.advice
        .iter()
        .filter(|a| a.padded.iter().any(|w| words.contains(w.as_str())))
        .map(|a| a.tag.as_str())
        .collect()
}

/// Whether a step gives advice that one of `avoid` rules out (warnings never do).
#[must_use]
pub fn ruled_out(k: &Knowledge, step: &str, avoid: &[&str]) -> bool {
    if avoid.is_empty() {
        return false;
    }
    // Only the advice of the tags that matter is looked for in the step.
    let words = format!(" {} ", plain_words(step));
    let gives = |tag: &str| {
        k.advice
            .iter()
            .any(|a| a.tag == tag && a.padded.iter().any(|w| words.contains(w.as_str())))
    };
    !gives(WARNING_TAG) && avoid.iter().any(|t| gives(t))
}

/// Every advice tag the fired flags of `triage` rule out.
#[must_use]
pub fn avoided<'k>(k: &'k Knowledge, triage: &Triage) -> Vec<&'k str> {
    let mut out: Vec<&str> = Vec::new();
    for f in &triage.fired {
        for a in &k.red_flags[f.flag].avoid {
            if !out.contains(&a.as_str()) {
                out.push(a);
            }
        }
    }
    out
}

/// Composes replies from one knowledge base and practice.
#[derive(Debug, Clone, Copy)]
pub struct Composer<'a> {
    /// The knowledge base.
    pub knowledge: &'a Knowledge,
    /// The practice.
    pub practice: &'a Practice,
}

impl Composer<'_> {
    /// A knowledge text with the practice's placeholders filled, in this language's words.
    fn fill(&self, text: &str) -> String {
        self.practice.fill(text, &self.knowledge.messages)
    }

    /// The reply to a question.
    #[must_use]
    pub fn answer(&self, matches: &Matches, triage: &Triage, age: Option<u8>) -> Reply {
        self.answer_with(matches, triage, age, None)
    }

    /// [`Composer::answer`] with a one-line note after the opening of a routine answer ("I did not
    /// recognise ..."), inside its length limit.
    #[must_use]
    pub fn answer_with(
        &self,
        matches: &Matches,
        triage: &Triage,
        age: Option<u8>,
        note: Option<&str>,
    ) -> Reply {
        match triage.level {
            Level::Emergency => return self.emergency(triage),
            Level::Urgent => return self.urgent(triage),
            Level::Soon => return self.soon(matches, triage, age),
            Level::Routine => {}
        }
        let k = self.knowledge;
        let mut head = self.hypothetical(triage);
        let asked_about_signs = !head.is_empty();
        // Signs asked about, and no topic with evidence: the answer about the signs is the answer.
        let bare = asked_about_signs && matches.chosen.iter().all(|m| m.score == 0.0);
        let topics: Vec<&Topic> = match bare {
            true => Vec::new(),
            false => matches.chosen.iter().map(|m| &k.topics[m.topic]).collect(),
        };
        // One phone screen: the best topic leads; the other topics become "Also:" buttons, unless
        // the message asked two different things, which both get their answer, shortened.
        let lead = if matches.asked >= 2 { 2 } else { 1 };
        let (mut shown, mut also) = topics.split_at(lead.min(topics.len()));
        if head.is_empty() || !shown.is_empty() {
            head.push(self.text(&k.messages.opening));
        }
        head.extend(note.map(|n| self.text(n)));
        let room = ROUTINE_MAX.saturating_sub(self.doctor_text().chars().count() + 2);
        // Built once, then cut: fewer steps, then no summary, until the answer fits.
        let mut blocks = head.clone();
        blocks.extend(shown.iter().map(|t| self.topic_block(t, age)));
        let len =
            |b: &[Block]| b.iter().map(block_len).sum::<usize>() + 2 * b.len().saturating_sub(1);
        let cuts = (1..=super::knowledge::MAX_STEPS)
            .rev()
            .flat_map(|n| [(n, true), (n, false)]);
        let mut fitted = false;
        for (n, keep_summary) in cuts {
            for b in &mut blocks {
                if let Block::Topic { steps, summary, .. } = b {
                    steps.truncate(n);
                    if !keep_summary {
                        summary.clear();
                    }
                }
            }
            if len(&blocks) <= room {
                fitted = true;
                break;
            }
        }
        // Nothing fits beside a long answer about signs asked about: the topics become buttons.
        if !fitted {
            also = &topics[..];
            shown = &[];
            blocks = head;
        }
        let mut r = self.finish(ReplyKind::Answer, triage.level, blocks, shown);
        let m = &k.messages;
        let buttons: Vec<FollowUp> = also
            .iter()
            .take(2)
            .map(|t| FollowUp {
                label: m.also.replace("{title}", &t.title),
                token: topics::token(&t.id),
            })
            .collect();
        r.follow_ups
            .retain(|f| !buttons.iter().any(|b| b.token == f.token));
        let keep = MAX_FOLLOW_UPS.saturating_sub(buttons.len());
        // Keep the check and the sources (the last ones) when dropping menu buttons for room.
        while r.follow_ups.len() > keep {
            r.follow_ups.remove(0);
        }
        r.follow_ups.splice(0..0, buttons);
        // "What if his pee turns dark?" asks when to see a doctor: the guide leads the buttons.
        if asked_about_signs {
            self.doctor_button_first(&mut r);
        }
        r
    }

    /// Emergency: the call and the signs, what to do while waiting, the practice, one closing line.
    fn emergency(&self, triage: &Triage) -> Reply {
        let m = &self.knowledge.messages;
        let build = |reasons: usize, actions: usize| {
            let mut blocks = vec![self.reasons_alert(triage, Level::Emergency, reasons)];
            blocks.extend(self.actions(triage, Level::Emergency, &m.while_you_wait, actions));
            if self.practice.name.is_some() && !m.emergency_practice.is_empty() {
                blocks.push(self.text(&m.emergency_practice));
            }
            blocks.push(Block::Doctor {
                text: self.fill(&m.emergency_close),
            });
            blocks
        };
        let blocks = fit(EMERGENCY_MAX, EMERGENCY_ACTIONS, build);
        // No tips and no menu under an emergency: only the doctor guide, for afterwards.
        let mut r = Reply {
            kind: ReplyKind::Answer,
            level: Level::Emergency,
            blocks,
            follow_ups: Vec::new(),
            lead: None,
        };
        self.doctor_button_first(&mut r);
        r
    }

    /// Urgent: the call, the reasons one line each, what to do meanwhile; the doctor guide is a
    /// button.
    fn urgent(&self, triage: &Triage) -> Reply {
        let m = &self.knowledge.messages;
        let doctor_len = self.doctor_text().chars().count() + 2;
        let build = |reasons: usize, actions: usize| {
            let mut blocks = vec![self.reasons_alert(triage, Level::Urgent, reasons)];
            blocks.extend(self.actions(triage, Level::Urgent, &m.meanwhile, actions));
            blocks
        };
        let blocks = fit(URGENT_MAX.saturating_sub(doctor_len), MAX_ACTIONS, build);
        let mut r = self.finish(ReplyKind::Answer, Level::Urgent, blocks, &[]);
        self.doctor_button_first(&mut r);
        r
    }

    /// Soon: the acknowledgement, the call-or-book line with the reasons, at most one short topic
    /// without the steps the flags rule out.
    fn soon(&self, matches: &Matches, triage: &Triage, age: Option<u8>) -> Reply {
        let k = self.knowledge;
        let mut blocks = vec![self.text(&k.messages.soon_opening), self.alert(triage)];
        // Signs asked about alongside ("he has a fever; what if his neck gets stiff?").
        blocks.extend(self.hypothetical(triage));
        let avoid = avoided(k, triage);
        // Worried without a named sign: no tips, the check and the call line say it all.
        let only_worry = triage.fired.iter().all(|f| k.red_flags[f.flag].parent);
        let topic = matches
            .chosen
            .iter()
            .map(|m| &k.topics[m.topic])
            .find(|t| t.id != DOCTOR_TOPIC && !only_worry);
        let doctor_len = self.doctor_text().chars().count();
        let used: usize = blocks.iter().map(block_len).sum::<usize>() + doctor_len + 4;
        let mut shown: Vec<&Topic> = Vec::new();
        if let Some(t) = topic {
            let mut b = self.topic_block(t, age);
            if let Block::Topic { steps, .. } = &mut b {
                steps.retain(|s| !ruled_out(k, s, &avoid));
            }
            // Drop steps from the end until the reply fits; a topic with no step left is dropped.
            while used + block_len(&b) + 2 > SOON_MAX {
                match &mut b {
                    Block::Topic { steps, .. } if !steps.is_empty() => {
                        steps.pop();
                    }
                    _ => break,
                }
            }
            let fits = used + block_len(&b) + 2 <= SOON_MAX;
            if fits && matches!(&b, Block::Topic { steps, .. } if !steps.is_empty()) {
                blocks.push(b);
                shown.push(t);
            }
        }
        let mut r = self.finish(ReplyKind::Answer, Level::Soon, blocks, &shown);
        self.doctor_button_first(&mut r);
        if only_worry {
            // Worried without a named sign: the guided check comes first.
            if let Some(i) = r
                .follow_ups
                .iter()
                .position(|f| f.label == self.knowledge.messages.check_label)
            {
                let check = r.follow_ups.remove(i);
                r.follow_ups.insert(0, check);
            }
        }
        r
    }

    /// For signs asked about, not seen: what to do if each happens, without an alert.
    fn hypothetical(&self, triage: &Triage) -> Vec<Block> {
        let k = self.knowledge;
        let m = &k.messages;
        // A parent's worry asked about ("when do I go to the ER?") is no sign to explain.
        let signs: Vec<usize> = triage
            .hypothetical()
            .into_iter()
            .filter(|&f| !k.red_flags[f].parent)
            .collect();
        if signs.is_empty() || m.hypothetical_opening.is_empty() {
            return Vec::new();
        }
        let mut blocks = vec![self.text(&m.hypothetical_opening)];
        for f in signs.into_iter().take(MAX_REASONS) {
            let flag = &k.red_flags[f];
            let then = match flag.level {
                Level::Emergency => &m.if_emergency,
                Level::Urgent => &m.if_urgent,
                _ => &m.if_soon,
            };
            blocks.push(self.text(&format!("{}: {then}", flag.title)));
        }
        blocks
    }

    /// The alert with one line per sign at `level` or above (titles only), at most `max`.
    fn reasons_alert(&self, triage: &Triage, level: Level, max: usize) -> Block {
        let k = self.knowledge;
        let mut reasons: Vec<String> = Vec::new();
        for f in triage.fired.iter().filter(|f| f.level >= level) {
            let title = k.red_flags[f.flag].title.clone();
            if !reasons.contains(&title) && reasons.len() < max {
                reasons.push(title);
            }
        }
        Block::Alert {
            level,
            headline: self.headline(level),
            reasons,
            titles: Vec::new(),
        }
    }

    /// "While you wait: ..." with the actions of the signs at `level` or above.
    fn actions(&self, triage: &Triage, level: Level, lead: &str, max: usize) -> Option<Block> {
        let k = self.knowledge;
        let mut actions: Vec<String> = Vec::new();
        for f in triage.fired.iter().filter(|f| f.level >= level) {
            let a = self.fill(&k.red_flags[f.flag].action);
            if !actions.contains(&a) && actions.len() < max {
                actions.push(a);
            }
        }
        (!actions.is_empty()).then(|| Block::Text {
            text: format!("{} {}", self.fill(lead), actions.join(" "))
                .trim()
                .to_owned(),
        })
    }

    /// Puts the doctor guide's button first under a flagged reply.
    fn doctor_button_first(&self, r: &mut Reply) {
        if self.knowledge.topic(DOCTOR_TOPIC).is_none() {
            return;
        }
        let token = topics::token(DOCTOR_TOPIC);
        r.lead = Some(DOCTOR_TOPIC.to_owned());
        r.follow_ups.retain(|f| f.token != token);
        r.follow_ups.insert(
            0,
            FollowUp {
                label: self.knowledge.messages.doctor_label.clone(),
                token,
            },
        );
        r.follow_ups.truncate(MAX_FOLLOW_UPS);
    }

    fn doctor_text(&self) -> String {
        let m = &self.knowledge.messages;
        let line = if self.practice.name.is_some() {
            &m.doctor_line_practice
        } else {
            &m.doctor_line
        };
        self.fill(line)
    }

    /// One topic on its own (a button, a command, a deep link).
    #[must_use]
    pub fn topic(&self, topic: &Topic) -> Reply {
        let blocks = vec![self.topic_block(topic, None)];
        self.finish(ReplyKind::Topic, Level::Routine, blocks, &[topic])
    }

    /// A fixed text (greeting, thanks, fallback) with the menu under it. A fallback also says to call
    /// the emergency number if the child seems very unwell: a message the bot did not understand may
    /// still be about a very sick child.
    #[must_use]
    pub fn message(&self, kind: ReplyKind, text: &str) -> Reply {
        let mut blocks = vec![self.text(text)];
        let unwell = &self.knowledge.messages.unwell_line;
        if kind == ReplyKind::Fallback && !unwell.is_empty() {
            blocks.push(self.text(unwell));
        }
        self.finish(kind, Level::Routine, blocks, &[])
    }

    /// A fixed text for a message CrampCare leaves to others (another symptom), with the call line
    /// of any "soon" sign in it: when unsure, the sign keeps its level.
    #[must_use]
    pub fn aside(&self, text: &str, triage: &Triage) -> Reply {
        let mut r = self.message(ReplyKind::Fallback, text);
        if triage.level == Level::Soon {
            r.blocks.insert(1, self.alert(triage));
            r.level = Level::Soon;
        }
        r
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
                    text: self.knowledge.messages.check(question.number).0.to_owned(),
                }];
                let mut r = self.finish(ReplyKind::Check, Level::Routine, blocks, &[]);
                r.follow_ups = vec![
                    FollowUp {
                        label: self.knowledge.messages.yes.clone(),
                        token: yes.clone(),
                    },
                    FollowUp {
                        label: self.knowledge.messages.no.clone(),
                        token: no.clone(),
                    },
                ];
                r
            }
            Step::Done { level, decided_by } => {
                let k = self.knowledge;
                let mut blocks = Vec::new();
                let reasons: Vec<String> = decided_by
                    .iter()
                    .map(|&n| k.messages.check(n).1.to_owned())
                    .collect();
                let topic = match level {
                    Level::Routine => {
                        blocks.push(self.text(&k.messages.home_care));
                        k.topic(topics::RELIEF_NOW)
                    }
                    _ => {
                        blocks.push(Block::Alert {
                            level: *level,
                            headline: self.headline(*level),
                            reasons,
                            titles: Vec::new(),
                        });
                        None
                    }
                };
                blocks.extend(topic.map(|t| self.topic_block(t, None)));
                let shown: Vec<&Topic> = topic.into_iter().collect();
                let mut r = self.finish(ReplyKind::Check, *level, blocks, &shown);
                // Flagged: the doctor guide is a button, so the alert fits one screen.
                if *level > Level::Routine {
                    self.doctor_button_first(&mut r);
                }
                r
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
        self.fill(line)
    }

    fn alert(&self, triage: &Triage) -> Block {
        let k = self.knowledge;
        let mut reasons: Vec<String> = Vec::new();
        let mut titles: Vec<String> = Vec::new();
        for f in &triage.fired {
            let flag = &k.red_flags[f.flag];
            let line = format!("{}: {}", flag.title, self.fill(&flag.action));
            if !reasons.contains(&line) {
                reasons.push(line);
                titles.push(flag.title.clone());
            }
        }
        Block::Alert {
            level: triage.level,
            headline: self.headline(triage.level),
            reasons,
            titles,
        }
    }

    fn text(&self, text: &str) -> Block {
        Block::Text {
            text: self.fill(text),
        }
    }

    fn topic_block(&self, t: &Topic, age: Option<u8>) -> Block {
        Block::Topic {
            id: t.id.clone(),
            title: t.title.clone(),
            summary: self.fill(&t.summary),
            steps: t.steps.iter().map(|s| self.fill(s)).collect(),
            note_label: self.knowledge.messages.note_label.clone(),
            // Age notes (choking hazards, ...) show unless the child is known to be old enough.
            notes: t
                .age_notes
                .iter()
                .filter(|n| age.is_none_or(|a| a < n.below))
                .map(|n| self.fill(&n.text))
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
        blocks.push(Block::Doctor {
            text: self.doctor_text(),
        });
        Reply {
            kind,
            level,
            blocks,
            follow_ups: self.follow_ups(shown, level),
            lead: None,
        }
    }

    fn follow_ups(&self, shown: &[&Topic], level: Level) -> Vec<FollowUp> {
        let k = self.knowledge;
        let is_shown = |id: &str| shown.iter().any(|t| t.id == id);
        let mut out: Vec<FollowUp> = Vec::new();
        // Each topic looked up once; a button is made only for a topic not shown and not offered.
        let push = |out: &mut Vec<FollowUp>, t: &Topic, label: &str| {
            let offered = out
                .iter()
                .any(|f| f.token.strip_prefix(topics::PREFIX) == Some(t.id.as_str()));
            if !is_shown(&t.id) && !offered {
                out.push(FollowUp {
                    label: label.to_owned(),
                    token: topics::token(&t.id),
                });
            }
        };
        for t in shown.iter().take(2) {
            for r in t.related.iter().take(2) {
                if let Some(rt) = k.topic(r) {
                    push(&mut out, rt, &rt.title);
                }
            }
        }
        out.truncate(2);
        let m = &k.messages;
        for (id, label) in MENU
            .iter()
            .zip([&m.menu_relief, &m.menu_why, &m.menu_foods])
        {
            if let Some(t) = k.topic(id) {
                push(&mut out, t, label);
            }
        }
        // Issue 11: a reply with a topic offers its sources; room is kept for it and the check.
        let sources = shown.first().map(|t| super::sources::follow_up(k, t));
        let check = level < Level::Urgent;
        out.truncate(MAX_FOLLOW_UPS - usize::from(sources.is_some()) - usize::from(check));
        out.extend(sources);
        if check {
            out.push(FollowUp {
                label: m.check_label.clone(),
                token: check::start(),
            });
        }
        out
    }
}

/// The blocks `build(reasons, actions)` makes with the most reasons (up to [`MAX_REASONS`]) and
/// actions (up to `actions`) that fit in `max` characters: fewer actions first, then fewer reasons;
/// at least one of each.
fn fit(max: usize, actions: usize, build: impl Fn(usize, usize) -> Vec<Block>) -> Vec<Block> {
    let len = |b: &[Block]| b.iter().map(block_len).sum::<usize>() + 2 * b.len().saturating_sub(1);
    for (reasons, actions) in [(MAX_REASONS, actions), (MAX_REASONS, 1), (2, 1), (1, 1)] {
        let blocks = build(reasons, actions);
        if len(&blocks) <= max {
            return blocks;
        }
    }
    build(1, 1)
}

/// The length of a block in the plain rendering (`render::plain`), close enough to fit a reply: the
/// exact figure is checked by the tests on the rendering itself.
fn block_len(b: &Block) -> usize {
    let n = |s: &str| s.chars().count();
    match b {
        Block::Alert {
            headline, reasons, ..
        } => 4 + n(headline) + reasons.iter().map(|r| 3 + n(r)).sum::<usize>(),
        Block::Text { text } | Block::Doctor { text } => n(text),
        Block::Topic {
            title,
            summary,
            steps,
            notes,
            ..
        } => {
            n(title)
                + 1
                + n(summary)
                + steps.iter().map(|s| 5 + n(s)).sum::<usize>()
                + notes.iter().map(|s| 7 + n(s)).sum::<usize>()
        }
        Block::Question { text, .. } => 40 + n(text),
    }
}
