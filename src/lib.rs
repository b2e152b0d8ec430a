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
//! - [`cli`] are the adapters: they translate and call the engine, nothing more.
//! - [`telegram`] is the Telegram adapter (`crampcare run`); the only module using teloxide and tokio.

pub mod cli;
pub mod config;
pub mod engine;
pub mod eval;
pub mod render;
pub mod telegram;
