//! The workers: updates taken from the [`Inbox`], a bounded number at a time, each run through the
//! handler tree ([`super::schema`]), and the row marked done once its handler finished.
//!
//! Owns what is held in memory and in what order. At most [`super::Options::in_memory`] updates
//! are held at once (the rest wait in the inbox: a 10,000-update backlog costs disk, not memory);
//! one per chat, so a chat's messages are answered in the order they came; rows by rank, then
//! arrival ([`pick`] decides, a pure function). A row is done when its handler returned: the reply
//! was accepted by Telegram, or the send failed for good after its retries (logged "reply not
//! delivered"), or the update was deliberately ignored (logged "ignored"). Its text is erased then.
//!
//! Exactly once, and its limit: a row is marked done by its own task as soon as its handler
//! returned, and a row whose marking failed is retried before any other row is taken. A SIGKILL
//! therefore leaves at most `in_memory` rows answered (or being answered) but not marked done, and
//! only those can be answered twice after a restart. In the crash run (`tests/inbox_run.rs`) most
//! of the replies sent just before the kill were such rows: the reply had reached Telegram but the
//! task had not yet been scheduled again to write that it was done.
//!
//! At start, before anything is taken, [`start`] drops rows older than Telegram's 24 hours (one
//! log line) and ranks the rows left over from the last run by urgency, so that they are answered
//! first, emergencies first.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::di::DependencyMap;
use teloxide::types::{Me, Update};
use teloxide::Bot;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::task::JoinSet;

use super::State;
use crate::engine::{Engines, Level};
use crate::store::inbox::{Rank, Taken, RETENTION};
use crate::store::{Store, StoreError};

/// How many updates are held in memory at once unless `--updates-in-memory` says otherwise. It is
/// also the most replies a crash can send twice. Measured (README, "Crash runs and the backlog"): a
/// 10,000-update backlog drains in the same 9.7 s with 16 as with 64 (each chat's one message a
/// second sets the pace), at a peak of 28.9 MB against 32.4 MB (fewer HTTP connections at once).
pub const DEFAULT_IN_MEMORY: u16 = 16;
/// How often the inbox is looked at when nothing announced news.
const TICK: Duration = Duration::from_millis(500);
/// Rows ranked per transaction at start.
const RANK_CHUNK: usize = 500;
/// How long an erased text may stay in the WAL file while updates keep coming; as soon as nothing
/// is in hand, it is cleared at once. The clearing is a checkpoint that syncs the file and holds
/// the store's writers meanwhile: once a second, it held the rows being marked done for tens of
/// milliseconds, and in the crash run nearly every reply sent just before the kill was then sent
/// again.
const SCRUB_EVERY: Duration = Duration::from_secs(10);
/// How often rows past Telegram's retention are dropped while the bot runs. Done rows are kept
/// that long so that an update Telegram sends twice is not answered twice; Telegram may reuse an
/// update id after a week without updates, so they must not stay for ever.
const EXPIRE_EVERY: Duration = Duration::from_secs(60 * 60);

/// Chooses which taken rows to start: in the order given, at most `free`, at most one per chat,
/// none of a chat in `busy`.
#[must_use]
pub fn pick(rows: Vec<Taken>, free: usize, busy: &[i64]) -> Vec<Taken> {
    let mut chats: Vec<i64> = busy.to_vec();
    let mut out = Vec::new();
    for row in rows {
        if out.len() >= free {
            break;
        }
        if let Some(chat) = row.chat {
            if chats.contains(&chat) {
                continue;
            }
            chats.push(chat);
        }
        out.push(row);
    }
    out
}

/// The rank of a row left over from the last run, by the urgency of its text.
#[must_use]
pub fn rank(level: Option<Level>) -> Rank {
    match level {
        Some(Level::Emergency) => Rank::Emergency,
        Some(Level::Urgent) => Rank::Urgent,
        _ => Rank::Other,
    }
}

/// The words of an update's message, if it has any, with its sender's app language.
fn words(update: &Update) -> Option<(&str, Option<&str>)> {
    match &update.kind {
        teloxide::types::UpdateKind::Message(m) => {
            let user = m.from.as_ref().and_then(|u| u.language_code.as_deref());
            m.text().or_else(|| m.caption()).map(|t| (t, user))
        }
        _ => None,
    }
}

/// The urgency of a left-over update, read in the language it would be answered in (its words',
/// else the chat's choice, else the app's: [`Engines::analyse`]), so that a Spanish emergency is
/// ranked as high as an English one. A message in no language CrampCare reads ranks by the
/// highest level any language finds in it.
fn level(store: &dyn Store, engines: &Engines, update: &Update) -> Option<Level> {
    let (text, user) = words(update)?;
    // A store fault here only loses the chat's choice for the ranking, as for the answer.
    let chosen = update
        .chat()
        .and_then(|c| store.language(c.id.0).ok().flatten());
    super::answer::guard(|| {
        engines
            .analyse(text, chosen.as_deref(), user)
            .1
            .map_or(Level::Routine, |a| a.triage.level)
    })
}

/// Drops rows older than Telegram's retention and ranks the rows left over by urgency. Runs on a
/// blocking thread: it reads the whole backlog, a chunk at a time.
///
/// # Errors
/// The store failed.
pub fn start(store: &dyn Store, engines: &Engines, now: i64) -> Result<usize, StoreError> {
    let dropped = store.expire(now - RETENTION)?;
    tracing::info!(
        dropped,
        "inbox: dropped the updates older than 24 hours (Telegram's own retention)"
    );
    let mut after = 0;
    let mut counts = [0usize; 3];
    loop {
        let rows = store.waiting_after(after, RANK_CHUNK)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        let ranks: Vec<(i64, Rank)> = rows
            .iter()
            .map(|row| {
                let update: Option<Update> = serde_json::from_str(&row.body).ok();
                let r = rank(update.and_then(|u| level(store, engines, &u)));
                counts[r as usize] += 1;
                (row.seq, r)
            })
            .collect();
        store.rank(&ranks)?;
    }
    let left = counts.iter().sum::<usize>();
    if left > 0 {
        tracing::info!(
            left,
            emergency = counts[0],
            urgent = counts[1],
            "inbox: answering the updates left over from the last run first, most urgent first"
        );
    }
    Ok(left)
}

/// What every worker needs.
#[derive(Clone)]
pub struct Workers {
    /// The bot the replies go out through.
    pub bot: Bot,
    /// Who the bot is (the handler tree reads its username).
    pub me: Me,
    /// The engines, one per language.
    pub engines: Arc<Engines>,
    /// Options, pacing, the store.
    pub state: Arc<State>,
}

/// One update in memory: its row (none for one answered from memory while the store failed) and
/// its chat.
#[derive(Debug, Clone, Copy)]
struct InHand {
    row: Option<i64>,
    chat: Option<i64>,
}

/// Takes and answers updates until `stop` turns true, then finishes those in hand.
pub async fn run(
    w: Workers,
    news: Arc<Notify>,
    mut lane: mpsc::Receiver<Update>,
    mut stop: watch::Receiver<bool>,
) {
    let handler: Arc<UpdateHandler<std::convert::Infallible>> = Arc::new(super::schema::schema());
    let mut deps = DependencyMap::new();
    deps.insert(Arc::clone(&w.engines));
    deps.insert(Arc::clone(&w.state));
    deps.insert(w.bot.clone());
    deps.insert(w.me.clone());
    // A dependency missing from the tree panics here, at start, not on the first update.
    teloxide::dptree::type_check(
        handler.sig(),
        &deps,
        &[teloxide::dptree::Type::of::<Update>()],
    );
    let deps = Arc::new(deps);
    let limit = w.state.options.in_memory.max(1);
    let store = Arc::clone(&w.state.outreach.store);
    let marker = match Marker::start(Arc::clone(&store)) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the inbox's writer thread; not answering");
            return;
        }
    };
    let mut tasks: JoinSet<Option<i64>> = JoinSet::new();
    let mut hand: HashMap<tokio::task::Id, InHand> = HashMap::new();
    // Rows whose handler returned, not yet marked done in the store.
    let mut finished: Vec<i64> = Vec::new();
    let mut stopping = false;
    let mut expired = tokio::time::Instant::now();
    // Rows marked done since the WAL was last scrubbed of their text, and when that was.
    let mut unscrubbed = false;
    let mut scrubbed = tokio::time::Instant::now();
    loop {
        if !finished.is_empty() {
            let rows = finished.clone();
            let s = Arc::clone(&store);
            match tokio::task::spawn_blocking(move || s.finish(&rows)).await {
                Ok(Ok(())) => {
                    finished.clear();
                    unscrubbed = true;
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, rows = finished.len(), "could not mark updates done; trying again")
                }
                Err(_) => tracing::error!("marking updates done panicked"),
            }
        }
        if unscrubbed && (hand.is_empty() || scrubbed.elapsed() >= SCRUB_EVERY) {
            scrubbed = tokio::time::Instant::now();
            let s = Arc::clone(&store);
            match tokio::task::spawn_blocking(move || s.scrub()).await {
                Ok(Ok(())) => unscrubbed = false,
                Ok(Err(e)) => tracing::debug!(error = %e, "could not scrub the WAL; trying again"),
                Err(_) => tracing::error!("scrubbing the WAL panicked"),
            }
        }
        if expired.elapsed() >= EXPIRE_EVERY {
            expired = tokio::time::Instant::now();
            let s = Arc::clone(&store);
            let dropped =
                tokio::task::spawn_blocking(move || s.expire(crate::day::now() - RETENTION)).await;
            match dropped {
                Ok(Ok(0)) => {}
                Ok(Ok(dropped)) => {
                    tracing::warn!(dropped, "inbox: dropped updates older than 24 hours")
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "could not drop old inbox rows"),
                Err(_) => tracing::error!("dropping old inbox rows panicked"),
            }
        }
        if stopping && tasks.is_empty() {
            break;
        }
        let free = limit.saturating_sub(hand.len());
        // Nothing new is taken while rows wait to be marked done: they would count twice against
        // the bound on what a crash can send again.
        if free > 0 && !stopping && finished.is_empty() {
            let skip: Vec<i64> = hand.values().filter_map(|h| h.row).collect();
            let busy: Vec<i64> = hand.values().filter_map(|h| h.chat).collect();
            let s = Arc::clone(&store);
            // Ask for more than `free`: some may belong to chats already in hand.
            let want = free * 4;
            let asked = busy.clone();
            let taken = tokio::task::spawn_blocking(move || s.take(want, &skip, &asked))
                .await
                .unwrap_or_else(|_| Ok(Vec::new()));
            match taken {
                Ok(rows) => {
                    for row in pick(rows, free, &busy) {
                        let seq = row.seq;
                        let chat = row.chat;
                        match serde_json::from_str::<Update>(&row.body) {
                            Ok(update) => {
                                let id = tasks
                                    .spawn(handle(
                                        Arc::clone(&handler),
                                        Arc::clone(&deps),
                                        update,
                                        Some(seq),
                                        marker.clone(),
                                    ))
                                    .id();
                                hand.insert(
                                    id,
                                    InHand {
                                        row: Some(seq),
                                        chat,
                                    },
                                );
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "an update in the inbox cannot be read; dropped");
                                finished.push(seq);
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not read the inbox"),
            }
            if !finished.is_empty() {
                continue;
            }
        }
        let room = hand.len() < limit && !stopping;
        tokio::select! {
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                // Every handler that returned meanwhile, marked done in one transaction.
                let mut next = Some(done);
                while let Some(done) = next {
                    let (id, unfinished) = match done {
                        Ok((id, unfinished)) => (id, unfinished),
                        Err(e) => {
                            tracing::error!("a handler panicked; its update is dropped");
                            (e.id(), hand.get(&e.id()).and_then(|h| h.row))
                        }
                    };
                    hand.remove(&id);
                    if let Some(row) = unfinished {
                        finished.push(row);
                    }
                    unscrubbed = true;
                    next = tasks.try_join_next_with_id();
                }
            }
            Some(update) = lane.recv(), if room => {
                let chat = update.chat().map(|c| c.id.0);
                let id = tasks
                    .spawn(handle(Arc::clone(&handler), Arc::clone(&deps), update, None, marker.clone()))
                    .id();
                hand.insert(id, InHand { row: None, chat });
            }
            () = news.notified(), if room => {}
            () = tokio::time::sleep(TICK) => {}
            _ = stop.changed(), if !stopping => stopping = true,
        }
    }
    tracing::debug!("workers stopped");
}

/// Runs one update through the handler tree; an update no branch takes is logged by kind only.
///
/// Then marks its row done, at once (through the [`Marker`]): the sooner that is written, the
/// fewer replies a crash can send twice. Returns the row if that failed (the loop tries again).
async fn handle(
    handler: Arc<UpdateHandler<std::convert::Infallible>>,
    deps: Arc<DependencyMap>,
    update: Update,
    row: Option<i64>,
    marker: Marker,
) -> Option<i64> {
    let mut deps = (*deps).clone();
    deps.insert(update);
    if let ControlFlow::Continue(deps) = handler.dispatch(deps).await {
        let update: Arc<Update> = deps.get();
        let chat = update
            .chat()
            .map_or("unknown", |c| super::schema::ChatKind::of(c).name());
        tracing::info!(update = super::kind(&update.kind), chat, "ignored");
    }
    let row = row?;
    (!marker.done(row).await).then_some(row)
}

/// The thread that marks rows done. A worker hands it its row the moment its handler returns; it
/// writes every row handed meanwhile in one transaction, and answers each worker. One thread that
/// is already running, rather than a blocking task per row: in the crash run, 64 rows finishing
/// together each waited for a thread and for the store's lock, and nearly every reply sent in the
/// last tens of milliseconds before the kill was not yet marked done.
#[derive(Clone)]
struct Marker(std::sync::mpsc::Sender<(i64, oneshot::Sender<bool>)>);

impl Marker {
    /// Starts the thread; it ends when every [`Marker`] is dropped.
    fn start(store: Arc<dyn Store>) -> std::io::Result<Marker> {
        let (tx, rx) = std::sync::mpsc::channel::<(i64, oneshot::Sender<bool>)>();
        std::thread::Builder::new()
            .name("inbox-done".to_owned())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    let rows: Vec<i64> = batch.iter().map(|(row, _)| *row).collect();
                    let ok = match store.finish(&rows) {
                        Ok(()) => true,
                        Err(e) => {
                            tracing::error!(error = %e, rows = rows.len(), "could not mark updates done; trying again");
                            false
                        }
                    };
                    for (_, ack) in batch {
                        let _ = ack.send(ok);
                    }
                }
            })?;
        Ok(Marker(tx))
    }

    /// Marks `row` done; whether that was written.
    async fn done(&self, row: i64) -> bool {
        let (ack, answer) = oneshot::channel();
        if self.0.send((row, ack)).is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, chat: Option<i64>) -> Taken {
        Taken {
            seq,
            update: seq,
            chat,
            body: String::new(),
        }
    }

    fn seqs(rows: &[Taken]) -> Vec<i64> {
        rows.iter().map(|r| r.seq).collect()
    }

    #[test]
    fn one_row_per_chat_none_of_a_busy_chat_at_most_free() {
        let rows = vec![
            row(1, Some(10)),
            row(2, Some(10)),
            row(3, Some(20)),
            row(4, None),
            row(5, None),
            row(6, Some(30)),
        ];
        assert_eq!(seqs(&pick(rows.clone(), 10, &[])), [1, 3, 4, 5, 6]);
        assert_eq!(seqs(&pick(rows.clone(), 10, &[20])), [1, 4, 5, 6]);
        assert_eq!(seqs(&pick(rows, 2, &[10])), [3, 4]);
    }

    #[test]
    fn emergencies_then_urgent_then_the_rest() {
        assert_eq!(rank(Some(Level::Emergency)), Rank::Emergency);
        assert_eq!(rank(Some(Level::Urgent)), Rank::Urgent);
        assert_eq!(rank(Some(Level::Soon)), Rank::Other);
        assert_eq!(rank(None), Rank::Other);
        assert!(Rank::Emergency < Rank::Urgent && Rank::Other < Rank::Fresh);
    }

    #[test]
    fn start_ranks_left_over_rows_by_urgency() {
        use crate::engine::Practice;
        use crate::store::inbox::{Arrival, Inbox};
        use crate::store::Sqlite;
        let engines = Engines::builtin(&Practice::default());
        let store = Sqlite::memory();
        let update = |id: i64, chat: i64, text: &str| Arrival {
            update: id,
            chat: Some(chat),
            body: serde_json::json!({"update_id": id, "message": {
                "message_id": id, "date": 1_700_000_000,
                "chat": {"id": chat, "type": "private", "first_name": "Ann"},
                "from": {"id": chat, "is_bot": false, "first_name": "Ann"},
                "text": text}})
            .to_string(),
        };
        let now = crate::day::now();
        store
            .receive(
                &[
                    update(1, 1, "calf cramps after football"),
                    update(2, 2, "calf cramp and his leg is swollen and red"),
                    update(3, 3, "my son had a seizure and is not breathing"),
                    update(4, 4, "mi hijo se desmayo despues del partido y no respira"),
                ],
                &[],
                now,
            )
            .unwrap();
        assert_eq!(start(&store, &engines, now).unwrap(), 4);
        let order: Vec<i64> = store
            .take(10, &[], &[])
            .unwrap()
            .iter()
            .map(|t| t.update)
            .collect();
        // The Spanish emergency with the English one, before the urgent and the routine.
        assert_eq!(order, [3, 4, 2, 1]);
    }
}
