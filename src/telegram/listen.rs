//! The update listener: long polling that confirms an update to Telegram only once it is kept.
//!
//! teloxide's own polling confirms each batch on the next getUpdates, whether or not it was
//! answered, so a crash lost whatever was fetched and not yet answered (issue 14: about 145 of
//! 200 parents). Here each batch is written to the [`Inbox`] first (one transaction, on a
//! blocking thread); only then does the next getUpdates carry the offset that confirms it. A crash
//! before the write leaves the batch with Telegram, which sends it again; a crash after it leaves
//! it in the inbox, and an update sent again is kept once.
//!
//! When the store cannot write (locked, disk full) the batch is not confirmed: the error is
//! logged with the store's path, polling pauses (1 s, doubling up to 30 s) and asks for the same
//! updates again. Meanwhile they are answered from memory, as many as the workers have room for;
//! those are kept as done once the store writes again, so they are not answered twice.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use teloxide::payloads::GetUpdatesSetters;
use teloxide::requests::{Request, Requester};
use teloxide::types::Update;
use teloxide::Bot;
use tokio::sync::{mpsc, watch, Notify};

use super::State;
use crate::store::inbox::Arrival;

/// Updates asked for per getUpdates (Telegram's maximum).
pub const BATCH: u8 = 100;
/// The first pause after a failure; it doubles up to [`MAX_PAUSE`].
const PAUSE: Duration = Duration::from_secs(1);
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// An update as the inbox keeps it; `None` (logged) for one that cannot be written as JSON again.
#[must_use]
pub fn arrival(update: &Update) -> Option<Arrival> {
    let body = match serde_json::to_string(update) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, kind = super::kind(&update.kind), "an update cannot be kept; dropped");
            return None;
        }
    };
    Some(Arrival {
        update: i64::from(update.id.0),
        chat: update.chat().map(|c| c.id.0),
        body,
    })
}

/// Polls until `stop` turns true. Kept batches are announced on `news`; while the store fails,
/// updates go to `lane` to be answered from memory.
pub async fn run(
    bot: Bot,
    state: Arc<State>,
    news: Arc<Notify>,
    lane: mpsc::Sender<Update>,
    mut stop: watch::Receiver<bool>,
) {
    let timeout = state.options.poll_timeout.as_secs().max(1) as u32;
    let mut offset: Option<i32> = None;
    let mut pause = PAUSE;
    // Updates answered from memory while the store failed, until they are kept as done.
    let mut from_memory: HashSet<i64> = HashSet::new();
    while !*stop.borrow() {
        let mut req = bot.get_updates().timeout(timeout).limit(BATCH);
        if let Some(o) = offset {
            req = req.offset(o);
        }
        let polled = tokio::select! {
            r = req.send() => r,
            _ = stop.changed() => break,
        };
        let updates = match polled {
            Ok(u) => u,
            Err(e) => {
                let error = state.redact(&e.to_string());
                tracing::warn!(error, "getUpdates failed; polling again after a pause");
                wait(&mut stop, pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
                continue;
            }
        };
        if updates.is_empty() {
            pause = PAUSE;
            continue;
        }
        let next = updates.iter().map(|u| u.id.0).max().map(|m| m as i32 + 1);
        let batch: Vec<Arrival> = updates.iter().filter_map(arrival).collect();
        let answered: Vec<i64> = batch
            .iter()
            .map(|a| a.update)
            .filter(|u| from_memory.contains(u))
            .collect();
        let store = Arc::clone(&state.outreach.store);
        let kept = tokio::task::spawn_blocking(move || {
            store.receive(&batch, &answered, crate::day::now())
        })
        .await;
        match kept {
            Ok(Ok(_)) => {
                for u in &updates {
                    from_memory.remove(&i64::from(u.id.0));
                }
                offset = next;
                pause = PAUSE;
                news.notify_one();
            }
            Ok(Err(e)) => {
                tracing::error!(
                    error = %e,
                    updates = updates.len(),
                    "could not keep updates in the inbox; not confirming them to Telegram, \
                     answering what fits in memory"
                );
                for u in updates {
                    let id = i64::from(u.id.0);
                    if from_memory.contains(&id) {
                        continue;
                    }
                    if lane.try_send(u).is_err() {
                        break;
                    }
                    from_memory.insert(id);
                }
                wait(&mut stop, pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
            Err(_) => {
                tracing::error!("writing to the inbox panicked; not confirming the updates");
                wait(&mut stop, pause).await;
            }
        }
    }
    tracing::debug!("listener stopped");
}

/// Sleeps `d`, or less if `stop` changes.
async fn wait(stop: &mut watch::Receiver<bool>, d: Duration) {
    tokio::select! {
        () = tokio::time::sleep(d) => {}
        _ = stop.changed() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_kept_reads_back_as_the_same_update() {
        let message = serde_json::json!({"update_id": 7, "message": {
            "message_id": 3, "date": 1_700_000_000,
            "chat": {"id": -100, "type": "supergroup", "title": "Parents"},
            "from": {"id": 1, "is_bot": false, "first_name": "Ann", "language_code": "es"},
            "text": "@CrampCareBot calf cramp 🦵",
            "entities": [{"type": "mention", "offset": 0, "length": 13}],
            "reply_to_message": {
                "message_id": 2, "date": 1_700_000_000,
                "chat": {"id": -100, "type": "supergroup", "title": "Parents"},
                "from": {"id": 42, "is_bot": true, "first_name": "CrampCare"},
                "text": "earlier answer"}}});
        let button = serde_json::json!({"update_id": 8, "callback_query": {
            "id": "q1", "from": {"id": 1, "is_bot": false, "first_name": "Ann"},
            "chat_instance": "ci", "data": "t:relief-now",
            "message": {"message_id": 5, "date": 1_700_000_000,
                "chat": {"id": 1, "type": "private", "first_name": "Ann"},
                "from": {"id": 42, "is_bot": true, "first_name": "CrampCare"}, "text": "menu"}}});
        for (json, chat) in [(message, -100), (button, 1)] {
            // As Telegram's answer is read: from text (teloxide's reader does not take a `Value`).
            let update: Update = serde_json::from_str(&json.to_string()).unwrap();
            assert!(
                !matches!(update.kind, teloxide::types::UpdateKind::Error(_)),
                "{:?}",
                update.kind
            );
            let kept = arrival(&update).unwrap();
            assert_eq!(kept.chat, Some(chat));
            assert_eq!(kept.update, i64::from(update.id.0));
            let back: Update = serde_json::from_str(&kept.body).unwrap();
            assert_eq!(back, update);
        }
    }
}
