//! The store: what CrampCare keeps between runs, behind one small [`Store`] trait.
//!
//! Kept, and nothing else (issue 13): per chat its id, kind, language, whether it is subscribed,
//! when it consented and when that last changed; the language a chat chose with `/language`
//! (issue 12: a code, for any chat, subscribed or not); the broadcasts and their outbox (one row per
//! recipient); daily counters that carry no chat id. A parent's message text only in the
//! [`inbox`], until the update is answered (issue 14).
//!
//! [`Sqlite`] is the one implementation (an embedded file, WAL mode, versioned migrations in
//! [`migrations`]). The trait is synchronous and object-safe so that the Telegram adapter and the
//! command line share it as `Arc<dyn Store>`, and a PostgreSQL store for several instances could
//! be added later without touching them. It owns no decisions: when to retry, whom to send to
//! and what a report says live in [`crate::outreach`].

pub mod error;
pub mod inbox;
pub mod migrations;
pub mod sqlite;

use serde::{Deserialize, Serialize};

pub use error::{StoreError, StoreErrorKind};
pub use inbox::Inbox;
pub use sqlite::Sqlite;

/// The default store file, in the working directory.
pub const DEFAULT_PATH: &str = "crampcare.db";

/// Seconds since the Unix epoch: every moment the store keeps.
pub type Timestamp = i64;

/// A private chat or a group, as kept for a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatKind {
    /// A one-to-one chat with the bot.
    Private,
    /// A group or supergroup.
    Group,
}

impl ChatKind {
    /// "private" or "group".
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ChatKind::Private => "private",
            ChatKind::Group => "group",
        }
    }

    fn parse(s: &str) -> ChatKind {
        match s {
            "group" => ChatKind::Group,
            _ => ChatKind::Private,
        }
    }
}

/// Everything kept about one chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRecord {
    /// Telegram's chat id.
    pub id: i64,
    /// Private or group.
    pub kind: ChatKind,
    /// The language its user's app is set to ("es", "en-GB"), when Telegram said.
    pub language: Option<String>,
    /// Whether it gets the practice's tips.
    pub subscribed: bool,
    /// When it said yes, if it is subscribed.
    pub consent_at: Option<Timestamp>,
    /// When any of this last changed.
    pub changed_at: Timestamp,
}

/// What a broadcast says: a text, or a topic of the knowledge base (its summary and a deep-link
/// button, drawn when it is sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    /// The practice's own words.
    Text(String),
    /// A topic id.
    Topic(String),
}

/// One language version of a broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// Its language ("es"), or `None` for the one sent when no other fits.
    pub language: Option<String>,
    /// What it says.
    pub body: Body,
}

/// Who asked for a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `crampcare broadcast`.
    Cli,
    /// An admin's `/broadcast` in a private chat.
    Admin,
    /// A `[[tip]]` of the config, on its date.
    Tip,
}

impl Origin {
    /// "cli", "admin" or "tip".
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Origin::Cli => "cli",
            Origin::Admin => "admin",
            Origin::Tip => "tip",
        }
    }
}

/// A broadcast to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBroadcast {
    /// Who asked.
    pub origin: Origin,
    /// The `[[tip]]` id, which makes queueing idempotent: a tip is queued once, ever.
    pub tip: Option<String>,
    /// Its language versions; the first is the default.
    pub variants: Vec<Variant>,
}

impl NewBroadcast {
    /// A broadcast that is not a scheduled tip, with one version for every language.
    #[must_use]
    pub fn one(origin: Origin, body: Body) -> NewBroadcast {
        NewBroadcast {
            origin,
            tip: None,
            variants: vec![Variant {
                language: None,
                body,
            }],
        }
    }
}

/// A broadcast once queued (or drafted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Its id.
    pub id: i64,
    /// How many outbox rows (recipients) it got; 0 for a draft.
    pub recipients: usize,
}

/// An outbox row due to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The row's id.
    pub id: i64,
    /// Its broadcast.
    pub broadcast: i64,
    /// The recipient chat.
    pub chat: i64,
    /// Failed attempts so far (a 429 does not count).
    pub attempts: u32,
    /// What to send, in the recipient's language when the broadcast has it.
    pub body: Body,
    /// The language the practice's own words around it (the header, the footer, a topic's text)
    /// are in: the sent version's language, else the chat's choice, else its app language.
    pub language: Option<String>,
}

/// What became of one send, as the outbox keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Telegram accepted it.
    Sent,
    /// Try again at this moment, with this many failed attempts counted.
    Retry {
        /// When.
        at: Timestamp,
        /// Failed attempts so far.
        attempts: u32,
    },
    /// The chat blocked the bot or removed it: unsubscribe the chat.
    Unsubscribed,
    /// Gave up.
    Failed,
}

/// Progress of one broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Its id.
    pub id: i64,
    /// "cli", "admin" or "tip".
    pub origin: String,
    /// The tip id, for scheduled tips.
    pub tip: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Rows still to send.
    pub queued: usize,
    /// Rows Telegram accepted.
    pub sent: usize,
    /// Rows given up on.
    pub failed: usize,
    /// Rows whose chat had blocked the bot.
    pub unsubscribed: usize,
}

/// One daily counter's value. Counters carry no chat id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// The day, `YYYY-MM-DD` (UTC).
    pub day: String,
    /// What was counted: see [`crate::outreach::counter`].
    pub name: String,
    /// How many.
    pub value: i64,
}

/// What CrampCare keeps. Every method is one short transaction; errors name the store's path.
/// The [`Inbox`] of updates is part of it.
pub trait Store: Inbox + Send + Sync + std::fmt::Debug {
    /// Records a chat's yes: subscribed from `now`, with its kind and language. Returns whether
    /// it was not subscribed before.
    ///
    /// # Errors
    /// The store failed.
    fn subscribe(
        &self,
        chat: i64,
        kind: ChatKind,
        language: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Ends a chat's subscription at once. Returns whether it was subscribed.
    ///
    /// # Errors
    /// The store failed.
    fn unsubscribe(&self, chat: i64, now: Timestamp) -> Result<bool, StoreError>;

    /// Deletes every row about a chat (its record, its language choice and its outbox rows).
    /// Returns how many rows.
    ///
    /// # Errors
    /// The store failed.
    fn forget(&self, chat: i64) -> Result<usize, StoreError>;

    /// What is kept about a chat, if anything.
    ///
    /// # Errors
    /// The store failed.
    fn chat(&self, chat: i64) -> Result<Option<ChatRecord>, StoreError>;

    /// The language a chat chose with `/language` ("es"), if it chose one.
    ///
    /// # Errors
    /// The store failed.
    fn language(&self, chat: i64) -> Result<Option<String>, StoreError>;

    /// Keeps a chat's choice of language (a language code, never a text), replacing any earlier
    /// one. Its broadcasts and tips use it from then on.
    ///
    /// # Errors
    /// The store failed.
    fn choose_language(&self, chat: i64, language: &str) -> Result<(), StoreError>;

    /// How many chats are subscribed.
    ///
    /// # Errors
    /// The store failed.
    fn subscribers(&self) -> Result<usize, StoreError>;

    /// Queues a broadcast: one outbox row per subscribed chat, each with the variant in its
    /// language. A draft (an admin's preview) gets no rows until [`Store::confirm`]. A tip id
    /// already queued gives `None`.
    ///
    /// # Errors
    /// The store failed.
    fn queue(
        &self,
        broadcast: &NewBroadcast,
        draft: bool,
        now: Timestamp,
    ) -> Result<Option<Queued>, StoreError>;

    /// Turns a draft into a queued broadcast. `None` if there is no such draft (already sent or
    /// cancelled).
    ///
    /// # Errors
    /// The store failed.
    fn confirm(&self, draft: i64, now: Timestamp) -> Result<Option<Queued>, StoreError>;

    /// Deletes a draft. Returns whether there was one.
    ///
    /// # Errors
    /// The store failed.
    fn cancel(&self, draft: i64) -> Result<bool, StoreError>;

    /// Up to `limit` outbox rows due at `now`, oldest first, leaving out the rows in `skip`
    /// (those being sent).
    ///
    /// # Errors
    /// The store failed.
    fn due(&self, now: Timestamp, limit: usize, skip: &[i64]) -> Result<Vec<Pending>, StoreError>;

    /// The earliest moment a queued row is due, if any row is queued.
    ///
    /// # Errors
    /// The store failed.
    fn next_due(&self) -> Result<Option<Timestamp>, StoreError>;

    /// Records what became of a row. [`Settle::Unsubscribed`] also unsubscribes its chat.
    ///
    /// # Errors
    /// The store failed.
    fn settle(&self, row: i64, outcome: Settle, now: Timestamp) -> Result<(), StoreError>;

    /// Progress of every broadcast, newest first (drafts left out).
    ///
    /// # Errors
    /// The store failed.
    fn progress(&self) -> Result<Vec<Progress>, StoreError>;

    /// Adds to today's counters, in one transaction.
    ///
    /// # Errors
    /// The store failed.
    fn count(&self, day: &str, counts: &[(&str, i64)]) -> Result<(), StoreError>;

    /// Every counter from `since` (a `YYYY-MM-DD` day) on, by day.
    ///
    /// # Errors
    /// The store failed.
    fn counts(&self, since: &str) -> Result<Vec<Count>, StoreError>;
}
