//! Renderers: one neutral [`crate::engine::Reply`] drawn for each channel.
//!
//! [`plain`] for the terminal and `--json`; [`telegram`] for Telegram's HTML parse mode, split to fit
//! its message limit. Neither decides what to say or in which order: the engine did.

pub mod plain;
pub mod telegram;
