//! The practice's subcommands: `broadcast`, `report`, `links` and `qr`. Arguments in, store and
//! engine calls, text out; the decisions live in [`crate::outreach`].

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::anyhow;

use super::{emit, Failure};
use crate::config::Config;
use crate::day::{now, Day};
use crate::engine::error::hint;
use crate::engine::Knowledge;
use crate::outreach::link::{deep_link, username};
use crate::outreach::{report, MAX_TEXT};
use crate::qr::{encode, Format};
use crate::store::{Body, NewBroadcast, Origin, Sqlite, Store, DEFAULT_PATH};

/// The store file: `--db`, else `[store] path`, else `crampcare.db`.
#[must_use]
pub fn store_path(db: Option<&Path>, config: &Config) -> PathBuf {
    db.map(Path::to_owned)
        .or_else(|| config.store.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH))
}

/// Opens the store; a locked, read-only or damaged file is an environment error (exit 2).
///
/// # Errors
/// See [`crate::store::StoreError`].
pub fn open(path: &Path) -> Result<Sqlite, Failure> {
    Sqlite::open(path).map_err(|e| Failure::Usage(e.into()))
}

/// `crampcare broadcast --status`: progress per broadcast.
///
/// # Errors
/// The store failed, or stdout is closed.
pub fn status(store: &dyn Store) -> Result<(), Failure> {
    let rows = store.progress().map_err(|e| Failure::Usage(e.into()))?;
    if rows.is_empty() {
        return emit("no broadcasts yet\n");
    }
    let mut s = format!(
        "{:>4}  {:<6} {:<16} {:>7} {:>7} {:>7} {:>13}  {}\n",
        "id", "from", "created (UTC)", "queued", "sent", "failed", "unsubscribed", "tip"
    );
    for p in rows {
        let day = Day::of(p.created_at);
        let secs = p.created_at - day.start();
        s.push_str(&format!(
            "{:>4}  {:<6} {} {:02}:{:02} {:>7} {:>7} {:>7} {:>13}  {}\n",
            p.id,
            p.origin,
            day,
            secs / 3600,
            secs % 3600 / 60,
            p.queued,
            p.sent,
            p.failed,
            p.unsubscribed,
            p.tip.unwrap_or_default()
        ));
    }
    emit(&s)
}

/// `crampcare broadcast --text` or `--topic`: one outbox row per subscribed chat, after a yes.
///
/// # Errors
/// No text or topic, an unknown topic, a text too long, the store failed.
pub fn broadcast(
    store: &dyn Store,
    knowledge: &Knowledge,
    text: Option<String>,
    topic: Option<String>,
    yes: bool,
) -> Result<(), Failure> {
    let body = match (text, topic) {
        (Some(t), None) if t.trim().is_empty() => {
            return Err(Failure::Usage(anyhow!("--text must not be empty")))
        }
        (Some(t), None) if t.chars().count() > MAX_TEXT => {
            return Err(Failure::Usage(anyhow!(
                "--text is {} characters; a broadcast holds at most {MAX_TEXT}",
                t.chars().count()
            )))
        }
        (Some(t), None) => Body::Text(t),
        (None, Some(id)) => Body::Topic(known_topic(knowledge, &id)?.to_owned()),
        _ => {
            return Err(Failure::Usage(anyhow!(
                "`crampcare broadcast` needs --text TEXT or --topic ID (or --status)"
            )))
        }
    };
    let n = store.subscribers().map_err(|e| Failure::Usage(e.into()))?;
    if !yes && !confirm(n)? {
        return emit("nothing queued\n");
    }
    let new = NewBroadcast::one(Origin::Cli, body);
    let queued = store
        .queue(&new, false, now())
        .map_err(|e| Failure::Usage(e.into()))?
        .ok_or_else(|| Failure::Usage(anyhow!("the broadcast was not queued")))?;
    emit(&format!(
        "queued broadcast {} for {} chat{}; the running `crampcare run` sends it \
         (`crampcare broadcast --status` shows the progress)\n",
        queued.id,
        queued.recipients,
        if queued.recipients == 1 { "" } else { "s" }
    ))
}

/// Asks on stderr, reads a yes on stdin. No answer (end of input) is a no.
fn confirm(n: usize) -> Result<bool, Failure> {
    eprint!(
        "Send this to {n} subscribed chat{}? [y/N] ",
        if n == 1 { "" } else { "s" }
    );
    let _ = io::stderr().flush();
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Usage(anyhow::Error::new(e).context("cannot read the answer")))?;
    Ok(matches!(line.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// `crampcare report`: weeks from `since` (default: four weeks back) to today.
///
/// # Errors
/// A bad date, the store failed.
pub fn report(
    store: &dyn Store,
    since: Option<&str>,
    json: bool,
    csv: bool,
) -> Result<(), Failure> {
    let today = Day::today();
    let since = match since {
        Some(s) => Day::parse(s)
            .ok_or_else(|| Failure::Usage(anyhow!("--since `{s}` is not a date as YYYY-MM-DD")))?,
        None => today.monday().plus(-21),
    };
    let counts = store
        .counts(&since.monday().to_string())
        .map_err(|e| Failure::Usage(e.into()))?;
    let weeks = report::weeks(&counts, since, today);
    if json {
        emit(&format!("{}\n", report::json(&weeks)))
    } else if csv {
        emit(&report::csv(&weeks))
    } else {
        emit(&report::text(&weeks))
    }
}

/// `crampcare links`: every topic's deep link.
///
/// # Errors
/// A bad username, or stdout is closed.
pub fn links(knowledge: &Knowledge, bot: Option<&str>) -> Result<(), Failure> {
    let bot = match bot {
        Some(b) => username(b).map_err(|e| Failure::Usage(anyhow!("--bot: {e}")))?,
        None => "YOUR_BOT",
    };
    let mut s = String::new();
    for t in &knowledge.topics {
        s.push_str(&format!("{:<24} {}\n", t.id, deep_link(bot, &t.id)));
    }
    emit(&s)
}

/// `crampcare qr TOPIC --bot USERNAME --out FILE`.
///
/// # Errors
/// An unknown topic, a bad username or file name, the file cannot be written.
pub fn qr(knowledge: &Knowledge, topic: &str, bot: &str, out: &Path) -> Result<(), Failure> {
    let topic = known_topic(knowledge, topic)?;
    let bot = username(bot).map_err(|e| Failure::Usage(anyhow!("--bot: {e}")))?;
    let format = Format::of(out).ok_or_else(|| {
        Failure::Usage(anyhow!(
            "--out {}: the file name must end in .svg or .png",
            out.display()
        ))
    })?;
    let link = deep_link(bot, topic);
    let bytes = encode(&link, format).map_err(|e| Failure::Data(anyhow!(e)))?;
    std::fs::write(out, bytes).map_err(|e| {
        Failure::Usage(anyhow::Error::new(e).context(format!("cannot write {}", out.display())))
    })?;
    emit(&format!("wrote {} ({link})\n", out.display()))
}

fn known_topic<'a>(knowledge: &'a Knowledge, id: &str) -> Result<&'a str, Failure> {
    match knowledge.topic(id) {
        Some(t) => Ok(&t.id),
        None => Err(Failure::Usage(anyhow!(
            "no topic `{id}`{}; `crampcare links` lists them",
            hint(id, knowledge.topics.iter().map(|t| t.id.as_str()))
        ))),
    }
}
