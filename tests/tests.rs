//! CrampCare's integration tests, built as one binary (as ripgrep and just do) to save link time.
//!
//! - `util`: a fluent helper that runs the built `crampcare` binary.
//! - `cli`: the command-line contracts (`ask`, `--json`, batch, `chat`, `check`, `kb`, `eval`, exit codes).
//! - `knowledge`: the shipped knowledge base is valid and complete; broken folders give precise errors.
//! - `evaluation`: the labelled parent messages meet the accuracy and triage bars.
//! - `triage`: every red flag fires on its cases and stays quiet when negated.
//! - `properties`: property tests over arbitrary input.
//! - `broadcast_run`: kill -9 in the middle of a broadcast, and its figures (ignored: long).
//! - `inbox_run`: kill -9 while 200 parents wait: none lost, emergencies first.
//! - `outreach`: subscriptions, broadcasts, the report, links and QR codes, on a real store file.
//! - `readability`: every topic reads at grade 6 or lower, in steps of at most 20 words.

mod util;

mod broadcast_run;
mod cli;
mod evaluation;
mod fake_api;
mod inbox_run;
mod knowledge;
mod load;
mod outreach;
mod properties;
mod readability;
mod telegram;
mod triage;
