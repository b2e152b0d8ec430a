//! Practice outreach: the decisions, pure, with time and storage passed in.
//!
//! - [`outbox`]: what becomes of an outbox row after a send (sent, retry when, unsubscribe,
//!   give up);
//! - [`language`]: which language version of a broadcast a chat gets;
//! - [`link`]: deep links to topics and bot usernames;
//! - [`counter`]: the names of the daily counters, and what one answered message adds to them;
//! - [`report`]: weekly figures from the daily counters, as text, JSON or CSV;
//! - [`tip`]: which `[[tip]]` entries of the config are due.
//!
//! The loops that act on these decisions live in the adapters (`telegram::outreach` for the
//! running bot, `cli` for `crampcare broadcast` and `report`); the rows live in [`crate::store`].

pub mod counter;
pub mod language;
pub mod link;
pub mod outbox;
pub mod report;
pub mod tip;

/// The longest broadcast text, in characters: room for the header and footer within Telegram's
/// 4,096.
pub const MAX_TEXT: usize = 3500;
