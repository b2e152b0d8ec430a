//! The neutral reply every renderer draws from.
//!
//! A [`Reply`] is a list of [`Block`]s in the order a parent should read them (the action first when
//! it is urgent, the see-a-doctor line always last) and the follow-ups offered under it. It knows
//! nothing of Telegram HTML, terminals or message length limits: renderers in [`crate::render`] do.

use serde::Serialize;

use super::knowledge::Level;

/// What kind of reply this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyKind {
    /// Topics for a question.
    Answer,
    /// One topic opened from a button, a command or a deep link.
    Topic,
    /// Answer to "hi".
    Greeting,
    /// Answer to "thanks".
    Thanks,
    /// Nothing matched well enough: what the bot can help with.
    Fallback,
    /// A step of the guided "is this serious?" check.
    Check,
}

/// One part of a reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Block {
    /// What to do now, with why: leads emergency and urgent replies, follows the opening of "soon".
    Alert {
        /// How soon.
        level: Level,
        /// The call-now or call-soon line.
        headline: String,
        /// One line per red flag that fired: its title and its action.
        reasons: Vec<String>,
        /// The same reasons as titles alone, when `reasons` carry actions: what a group reply shows
        /// when the whole alert would not fit (empty when the reasons are titles already).
        #[serde(skip)]
        titles: Vec<String>,
    },
    /// A plain line (opening, greeting, fallback).
    Text {
        /// The line.
        text: String,
    },
    /// A topic's guidance.
    Topic {
        /// Topic id.
        id: String,
        /// Heading.
        title: String,
        /// One or two sentences.
        summary: String,
        /// Numbered steps.
        steps: Vec<String>,
        /// Age notes that apply.
        notes: Vec<String>,
        /// The label the notes are shown under ("Note:"), in the reply's language.
        #[serde(skip)]
        note_label: String,
    },
    /// A question of the guided check.
    Question {
        /// Its number, from 1.
        number: usize,
        /// How many questions there are at most.
        total: usize,
        /// The question.
        text: String,
    },
    /// The see-a-doctor line; every reply ends with one.
    Doctor {
        /// The line.
        text: String,
    },
}

/// A follow-up offered under a reply: a button on Telegram, a numbered choice in the terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    /// What the button says.
    pub label: String,
    /// What pressing it sends back to [`super::Engine::follow`]: `t:<topic id>` or a check token.
    pub token: String,
}

/// A reply, ready for any renderer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// What kind of reply.
    pub kind: ReplyKind,
    /// The urgency it carries.
    pub level: Level,
    /// The blocks, in reading order; the last is always [`Block::Doctor`].
    pub blocks: Vec<Block>,
    /// Follow-ups, at most five.
    pub follow_ups: Vec<FollowUp>,
    /// The topic a flagged reply leads to without showing it: the doctor guide, offered as the
    /// first button so the alert fits one screen (issue 10). It counts as the reply's first topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
}

impl Reply {
    /// The see-a-doctor line.
    #[must_use]
    pub fn doctor_line(&self) -> &str {
        match self.blocks.last() {
            Some(Block::Doctor { text }) => text,
            _ => "",
        }
    }

    /// Ids of the reply's topics in order: the [`Reply::lead`] topic, then those shown.
    #[must_use]
    pub fn topic_ids(&self) -> Vec<&str> {
        let shown = self.blocks.iter().filter_map(|b| match b {
            Block::Topic { id, .. } => Some(id.as_str()),
            _ => None,
        });
        // A lead that is also shown ("When to see a doctor" under a question about a sign) is
        // listed once.
        let lead = self.lead.as_deref();
        lead.into_iter()
            .chain(shown.filter(|&id| Some(id) != lead))
            .collect()
    }
}
