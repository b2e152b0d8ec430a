//! The outbox sender: the thin loop that sends queued broadcast rows through the pacer.
//!
//! Every [`Outreach::tick`] (and whenever a send finishes) it writes the tallied counters, queues
//! the `[[tip]]` entries that
//! are due (once per tip id, ever: the store refuses a second), takes due rows from the store up
//! to [`Policy::in_flight`] at a time, and sends each in a spare turn of [`super::pace::Pace`],
//! so parents' questions go first. What becomes of a row after its send is decided by
//! [`crate::outreach::outbox::decide`] and written to the store before the row is let go: a row
//! is marked sent only after Telegram accepted it. After a crash the rows in flight are still
//! queued and are sent again: at most `in_flight` duplicates.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::payloads::SendMessageSetters;
use teloxide::requests::{Request, Requester};
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, ParseMode};
use teloxide::{Bot, RequestError};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::outreach::{blocked, no_preview};
use super::send::{classify, Fault};
use super::State;
use crate::day::{now, Day};
use crate::engine::{Engine, Engines};
use crate::outreach::link::deep_link;
use crate::outreach::outbox::{decide, Outcome};
use crate::outreach::tip;
use crate::render::telegram::escape;
use crate::store::{Body, Pending, Settle};

/// How often due tips are looked for.
const TIPS_EVERY: Duration = Duration::from_secs(60);

/// A broadcast's HTML and its button, in `engine`'s words: a text as the practice wrote it, or a
/// topic's title and summary with a "Read more" button (`read_more`) that opens the topic (a deep
/// link to `bot`; none when the username is unknown). Both under the practice's name
/// (`tip_from`), with how to stop the tips (`tip_footer`).
#[must_use]
pub fn compose(engine: &Engine, bot: &str, body: &Body) -> (String, Option<InlineKeyboardMarkup>) {
    let m = &engine.knowledge().messages;
    let from = escape(&super::outreach::fill(engine, &m.tip_from));
    let footer = format!("<i>{}</i>", escape(&engine.fill(&m.tip_footer)));
    match body {
        Body::Text(text) => (
            format!("<b>{from}</b>\n\n{}\n\n{footer}", escape(text)),
            None,
        ),
        Body::Topic(id) => {
            let topic = engine.knowledge().topic(id);
            let (title, summary) = topic.map_or((id.as_str(), ""), |t| {
                (t.title.as_str(), t.summary.as_str())
            });
            let summary = engine.fill(summary);
            let html = format!(
                "<b>{from}: {}</b>\n\n{}\n\n{footer}",
                escape(title),
                escape(&summary)
            );
            let button = (!bot.is_empty())
                .then(|| deep_link(bot, id).parse().ok())
                .flatten()
                .map(|url| {
                    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::url(
                        m.read_more.clone(),
                        url,
                    )]])
                });
            (html, button)
        }
    }
}

/// What Telegram's answer means for the outbox.
#[must_use]
pub fn outcome<T>(result: &Result<T, RequestError>) -> Outcome {
    let Err(error) = result else {
        return Outcome::Accepted;
    };
    if blocked(error) {
        return Outcome::Blocked;
    }
    match classify(error) {
        Fault::RetryAfter(d) => Outcome::RetryAfter(d.as_secs().min(u64::from(u32::MAX)) as u32),
        Fault::Transient => Outcome::Transient,
        Fault::Permanent => Outcome::Permanent,
    }
}

/// Sends the outbox until `stop` turns true, then finishes the sends in flight.
pub async fn run(
    bot: Bot,
    state: Arc<State>,
    engines: Arc<Engines>,
    username: String,
    mut stop: watch::Receiver<bool>,
) {
    let o = &state.outreach;
    let limit = o.policy.in_flight.max(1);
    let mut tasks: JoinSet<()> = JoinSet::new();
    let mut in_flight: HashMap<tokio::task::Id, i64> = HashMap::new();
    let mut tips_checked: Option<Instant> = None;
    let username: Arc<str> = Arc::from(username);
    loop {
        if *stop.borrow() {
            break;
        }
        flush(&state).await;
        if tips_checked.is_none_or(|t| t.elapsed() >= TIPS_EVERY) {
            tips_checked = Some(Instant::now());
            queue_tips(&state);
        }
        let free = limit.saturating_sub(in_flight.len());
        if free > 0 {
            let skip: Vec<i64> = in_flight.values().copied().collect();
            match o.store.due(now(), free, &skip) {
                Ok(rows) => {
                    for row in rows {
                        let id = row.id;
                        let handle = tasks.spawn(send(
                            bot.clone(),
                            Arc::clone(&state),
                            Arc::clone(&engines),
                            Arc::clone(&username),
                            row,
                        ));
                        in_flight.insert(handle.id(), id);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not read the outbox"),
            }
        }
        tokio::select! {
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let id = match done {
                    Ok((id, ())) => id,
                    Err(e) => {
                        tracing::error!("an outbox send panicked; its row stays queued");
                        e.id()
                    }
                };
                in_flight.remove(&id);
            }
            () = tokio::time::sleep(o.tick) => {}
            _ = stop.changed() => {}
        }
    }
    while tasks.join_next().await.is_some() {}
    flush(&state).await;
    tracing::info!("outbox stopped");
}

/// Writes the counters tallied since the last look, on a blocking thread: a commit now and then
/// checkpoints the WAL with an fsync, which must not hold a worker that sends replies.
async fn flush(state: &Arc<State>) {
    if state.tally.is_empty() {
        return;
    }
    let state = Arc::clone(state);
    let written =
        tokio::task::spawn_blocking(move || state.tally.flush(state.outreach.store.as_ref())).await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not write the counters; kept for the next try")
        }
        Err(_) => tracing::error!("writing the counters panicked"),
    }
}

fn queue_tips(state: &State) {
    let o = &state.outreach;
    for broadcast in tip::due(&o.tips, Day::today()) {
        match o.store.queue(&broadcast, false, now()) {
            Ok(Some(q)) => tracing::info!(
                tip = broadcast.tip.as_deref().unwrap_or_default(),
                broadcast = q.id,
                recipients = q.recipients,
                "tip queued"
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not queue a tip"),
        }
    }
}

/// Sends one row in a spare turn and records what became of it. The words around the practice's
/// text are in the row's language (the version's, else the chat's choice, else its app's).
async fn send(
    bot: Bot,
    state: Arc<State>,
    engines: Arc<Engines>,
    username: Arc<str>,
    row: Pending,
) {
    let chat = ChatId(row.chat);
    let engine = engines.preferred(row.language.as_deref(), None);
    let (html, keys) = compose(engine, &username, &row.body);
    state.pace.spare_turn(chat).await;
    let mut req = bot
        .send_message(chat, html)
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_preview());
    if let Some(k) = keys {
        req = req.reply_markup(k);
    }
    let result = req.send().await;
    let outcome = outcome(&result);
    let settle = decide(outcome, row.attempts, now(), &state.outreach.policy);
    if let Err(e) = state.outreach.store.settle(row.id, settle, now()) {
        // The row stays as it was: if it was sent, it will be sent again.
        tracing::warn!(error = %e, "could not record a broadcast send");
    }
    match (settle, &result) {
        (Settle::Sent, _) => tracing::debug!(broadcast = row.broadcast, "broadcast message sent"),
        (_, Err(e)) => tracing::info!(
            broadcast = row.broadcast,
            outcome = ?outcome,
            error = %state.redact(&e.to_string()),
            "broadcast message not sent"
        ),
        (_, Ok(_)) => {}
    }
}

#[cfg(test)]
mod tests {
    use teloxide::types::Seconds;
    use teloxide::ApiError;

    use super::*;
    use crate::engine::Practice;

    #[test]
    fn telegram_answers_sort_into_outcomes() {
        let ok: Result<(), RequestError> = Ok(());
        assert_eq!(outcome(&ok), Outcome::Accepted);
        let e = |r: RequestError| outcome::<()>(&Err(r));
        assert_eq!(
            e(RequestError::RetryAfter(Seconds::from_seconds(7))),
            Outcome::RetryAfter(7)
        );
        assert_eq!(e(RequestError::Api(ApiError::BotBlocked)), Outcome::Blocked);
        assert_eq!(
            e(RequestError::Api(ApiError::Unknown(
                "Bad Gateway".to_owned()
            ))),
            Outcome::Transient
        );
        assert_eq!(
            e(RequestError::Api(ApiError::ChatNotFound)),
            Outcome::Permanent
        );
    }

    #[test]
    fn a_text_tip_is_escaped_and_a_topic_tip_opens_its_topic() {
        let engine = Engine::builtin(Practice {
            name: Some("Sunny <Peds>".to_owned()),
            ..Practice::default()
        });
        let (html, keys) = compose(
            &engine,
            "SunnyPedsBot",
            &Body::Text("salt & water <3".to_owned()),
        );
        assert!(html.contains("A tip from Sunny &lt;Peds&gt;"), "{html}");
        assert!(html.contains("salt &amp; water &lt;3"), "{html}");
        assert!(keys.is_none());
        let (html, keys) = compose(
            &engine,
            "SunnyPedsBot",
            &Body::Topic("relief-now".to_owned()),
        );
        let topic = engine.knowledge().topic("relief-now").unwrap();
        assert!(html.contains(&escape(&topic.title)), "{html}");
        let url = match &keys.unwrap().inline_keyboard[0][0].kind {
            teloxide::types::InlineKeyboardButtonKind::Url(u) => u.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(url, "https://t.me/SunnyPedsBot?start=relief-now");
        // Without the bot's username (a preview), no button.
        assert!(compose(&engine, "", &Body::Topic("relief-now".to_owned()))
            .1
            .is_none());
    }
}
