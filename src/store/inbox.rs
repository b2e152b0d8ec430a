//! The inbox (issue 14): every update as Telegram sent it, kept until it is done, so that a crash
//! loses nothing.
//!
//! The listener writes a batch of updates here before it confirms their offset to Telegram; the
//! workers take rows from here, a bounded number at a time; a row is done once its reply was
//! accepted by Telegram or the update was deliberately ignored, and its body (which holds the
//! message text) is erased at that moment. Done rows keep only the update id, the chat id and when
//! they arrived, so that Telegram delivering an update twice does not answer it twice; they and any
//! row older than Telegram's own 24 hours are dropped at start ([`Inbox::expire`]).
//!
//! Ordering: rows are taken by [`Rank`], then in order of arrival. Rows left over from an earlier
//! run are ranked by urgency at start; rows that arrive while the bot runs get [`Rank::Fresh`],
//! after every left-over row. Choosing which taken row to start is [`crate::telegram::inbox`]'s.

use super::{StoreError, Timestamp};

/// How long Telegram keeps an update; an older row would answer a question nobody waits for.
pub const RETENTION: Timestamp = 24 * 60 * 60;

/// Where a row stands in the queue: lower first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// Left over, its message carries an emergency red flag.
    Emergency = 0,
    /// Left over, urgent.
    Urgent = 1,
    /// Left over, anything else (routine questions, commands, buttons).
    Other = 2,
    /// Arrived while the bot runs: after every left-over row.
    Fresh = 3,
}

/// An update to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// Telegram's update id.
    pub update: i64,
    /// The chat it comes from, if any (one row per chat is answered at a time).
    pub chat: Option<i64>,
    /// The update as JSON.
    pub body: String,
}

/// A row taken to be handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// Its place in the order of arrival: the row's id.
    pub seq: i64,
    /// Telegram's update id.
    pub update: i64,
    /// Its chat, if any.
    pub chat: Option<i64>,
    /// The update as JSON.
    pub body: String,
}

/// The inbox's rows. Every method is one short transaction; errors name the store's path.
pub trait Inbox {
    /// Keeps a batch of updates, in one transaction, as [`Rank::Fresh`] rows. An update id
    /// already kept is left as it is (Telegram delivered it again). The ids in `answered` were
    /// answered without the store (it had failed): they are kept as done, with no body. Returns
    /// how many rows are new.
    ///
    /// # Errors
    /// The store failed; nothing of the batch was kept.
    fn receive(
        &self,
        batch: &[Arrival],
        answered: &[i64],
        now: Timestamp,
    ) -> Result<usize, StoreError>;

    /// Up to `limit` rows not done, by rank then arrival, leaving out the rows in `skip` (being
    /// handled) and the rows of the chats in `busy`.
    ///
    /// # Errors
    /// The store failed.
    fn take(&self, limit: usize, skip: &[i64], busy: &[i64]) -> Result<Vec<Taken>, StoreError>;

    /// Marks rows done and erases their bodies.
    ///
    /// # Errors
    /// The store failed; the rows stay as they were.
    fn finish(&self, rows: &[i64]) -> Result<(), StoreError>;

    /// Up to `limit` rows not done with a seq above `after`, in order, whatever their rank: the
    /// start-up pass that ranks the rows left over.
    ///
    /// # Errors
    /// The store failed.
    fn waiting_after(&self, after: i64, limit: usize) -> Result<Vec<Taken>, StoreError>;

    /// Sets the rank of rows, in one transaction.
    ///
    /// # Errors
    /// The store failed.
    fn rank(&self, ranks: &[(i64, Rank)]) -> Result<(), StoreError>;

    /// Drops every row that arrived before `before`, done or not. Returns how many rows not done
    /// were dropped.
    ///
    /// # Errors
    /// The store failed.
    fn expire(&self, before: Timestamp) -> Result<usize, StoreError>;

    /// Makes the text erased by [`Inbox::finish`] unreadable on disk: SQLite zeroes what it
    /// deletes (`secure_delete`), but the WAL file still holds the rows as first written until it
    /// is checkpointed and truncated, which this does. Cheap when nothing was written.
    ///
    /// # Errors
    /// The store failed, or a reader kept the WAL from being truncated (try again later).
    fn scrub(&self) -> Result<(), StoreError>;

    /// How many rows are not done.
    ///
    /// # Errors
    /// The store failed.
    fn waiting(&self) -> Result<usize, StoreError>;
}
