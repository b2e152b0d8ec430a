//! CrampCare answers parents' questions about their children's muscle cramps.
//!
//! The crate is a pure, synchronous engine plus thin adapters. A message flows one way:
//!
//! ```text
//! message -> normalise -> match -> triage -> compose -> render(channel)
//! ```
//!
//! - [`engine`] owns the knowledge base and every stage up to a neutral [`engine::Reply`]; it knows
//!   nothing of Telegram, terminals, async or clap.
//! - [`render`] turns a `Reply` into plain text (terminal, `--json`) or Telegram HTML chunks.
//! - [`config`] reads the practice's `crampcare.toml`.
//! - [`eval`] scores the engine against labelled messages.
//! - [`store`] keeps consent, the broadcast outbox and daily counters (SQLite); [`outreach`] holds
//!   the pure decisions about them (retries, languages, due tips, the weekly report); [`day`]
//!   turns timestamps into days and weeks; [`qr`] draws deep links as QR codes.
//! - [`cli`] are the adapters: they translate and call the engine, nothing more.
//! - [`telegram`] is the Telegram adapter (`crampcare run`); the only module using teloxide and tokio.

pub mod cli;
pub mod config;
pub mod day;
pub mod engine;
pub mod eval;
pub mod outreach;
pub mod qr;
pub mod render;
pub mod store;
pub mod telegram;
