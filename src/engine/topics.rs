//! The topic ids the code relies on, in one place: the menu, commands, the default answer for
//! cramps and the doctor guide of flagged replies. Every one must exist in the knowledge base
//! ([`super::knowledge::REQUIRED_TOPICS`] checks it when loading).

/// What to do during a cramp: the "Relief now" button, `/relief`, and the answer for messages
/// about cramps that match nothing more specific.
pub const RELIEF_NOW: &str = "relief-now";
/// Why cramps happen: the "Why it happens" button and `/causes`.
pub const WHY: &str = "why-cramps-happen";
/// Foods that help: the "Foods that help" button and `/foods`.
pub const FOODS: &str = "foods-that-help";
/// Preventing cramps.
pub const PREVENTION: &str = "prevention";
/// When to see a doctor: `/doctor`, and the guide of flagged replies.
pub const SEE_A_DOCTOR: &str = "see-a-doctor";
/// About CrampCare: `/about`.
pub const ABOUT: &str = "about";

/// The start of a follow-up token that opens a topic (`t:<topic id>`), as `sources::PREFIX` starts
/// one for a topic's sources.
pub const PREFIX: &str = "t:";

/// The follow-up token that opens topic `id`.
#[must_use]
pub fn token(id: &str) -> String {
    format!("{PREFIX}{id}")
}
