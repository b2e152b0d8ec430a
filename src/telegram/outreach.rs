//! Outreach in chats: `/subscribe` with a consent button, `/unsubscribe` and `/stop`, `/forget`,
//! and for the practice's admins `/broadcast` (a preview with Send and Cancel) and `/report`.
//!
//! Owns what these commands say and who may use them: in a group only an admin's yes subscribes
//! the group; `/broadcast` and `/report` answer only an admin in a private chat (anyone else gets
//! the ordinary menu, as for an unknown command). It also records what one answered question
//! adds to the daily counters, and unsubscribes a chat whose reply Telegram refused with 403.
//! Every text is the `[messages]` of the chat's language (its choice, else the sender's app
//! language). The store keeps the rows; [`super::outbox`] sends the broadcasts.

use std::convert::Infallible;
use std::sync::Arc;

use teloxide::payloads::SendMessageSetters;
use teloxide::requests::{Request, Requester};
use teloxide::types::{
    CallbackQuery, ChatId, ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup,
    LinkPreviewOptions, Me, Message, ParseMode, User,
};
use teloxide::utils::command::BotCommands;
use teloxide::{ApiError, Bot, RequestError};

use super::commands::Command;
use super::language::Chosen;
use super::outbox::compose;
use super::schema::ChatKind;
use super::send::{answer_callback, with_retry, SendError};
use super::{Outreach, State};
use crate::day::{now, Day};
use crate::engine::{Engine, Engines, Reply};
use crate::outreach::{counter, report, MAX_TEXT};
use crate::render::telegram::escape;
use crate::store::{Body, ChatKind as StoredKind, NewBroadcast, Origin};

/// The outreach commands, once known to be for the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutreachCommand {
    /// `/subscribe`.
    Subscribe,
    /// `/unsubscribe` or `/stop`.
    Unsubscribe,
    /// `/forget`.
    Forget,
    /// `/broadcast <text>`.
    Broadcast(String),
    /// `/report`.
    Report,
}

/// A button of these commands, as carried in its callback data (`o:...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// Yes to tips.
    Subscribe,
    /// No to tips.
    Decline,
    /// Send a previewed broadcast.
    Send(i64),
    /// Cancel a previewed broadcast.
    Cancel(i64),
}

impl Button {
    /// Its callback data.
    #[must_use]
    pub fn token(self) -> String {
        match self {
            Button::Subscribe => "o:sub".to_owned(),
            Button::Decline => "o:nosub".to_owned(),
            Button::Send(id) => format!("o:send:{id}"),
            Button::Cancel(id) => format!("o:cancel:{id}"),
        }
    }

    /// Reads callback data; `None` for anything that is not an outreach button.
    #[must_use]
    pub fn parse(data: &str) -> Option<Button> {
        match data.strip_prefix("o:")? {
            "sub" => Some(Button::Subscribe),
            "nosub" => Some(Button::Decline),
            rest => {
                let (what, id) = rest.split_once(':')?;
                let id = id.parse().ok()?;
                match what {
                    "send" => Some(Button::Send(id)),
                    "cancel" => Some(Button::Cancel(id)),
                    _ => None,
                }
            }
        }
    }
}

/// An outreach command for this bot, in any chat.
#[must_use]
pub fn command_of(msg: Message, me: Me) -> Option<OutreachCommand> {
    let username = me.user.username.as_deref().unwrap_or_default();
    let text = msg.text()?;
    match Command::parse(text, username).ok()? {
        Command::Subscribe => Some(OutreachCommand::Subscribe),
        Command::Unsubscribe | Command::Stop => Some(OutreachCommand::Unsubscribe),
        Command::Forget => Some(OutreachCommand::Forget),
        Command::Broadcast(t) => Some(OutreachCommand::Broadcast(t)),
        Command::Report => Some(OutreachCommand::Report),
        _ => None,
    }
}

/// Whether a button press is an outreach button.
#[must_use]
pub fn is_button(q: CallbackQuery) -> bool {
    q.data.as_deref().and_then(Button::parse).is_some()
}

/// Answers an outreach command, in the chat's language (its choice, else the sender's app
/// language).
pub async fn command(
    bot: Bot,
    msg: Message,
    cmd: OutreachCommand,
    engines: Arc<Engines>,
    chosen: Chosen,
    state: Arc<State>,
) -> Result<(), Infallible> {
    let chat = msg.chat.id;
    let kind = ChatKind::of(&msg.chat);
    let o = &state.outreach;
    let user = msg.from.as_ref().and_then(|u| u.language_code.as_deref());
    let engine = engines.preferred(chosen.code(), user);
    let m = &engine.knowledge().messages;
    let private_admin = kind == ChatKind::Private
        && msg
            .from
            .as_ref()
            .is_some_and(|u| o.admins.contains(&u.id.0));
    let said = match cmd {
        OutreachCommand::Subscribe => {
            if kind == ChatKind::Group && !group_admin(&bot, &state, &msg).await {
                say(&bot, &state, chat, &escape(&m.admins_only), None).await
            } else {
                let text = escape(&fill(engine, &m.consent));
                let keys = keyboard(&[
                    (&m.consent_yes, Button::Subscribe),
                    (&m.consent_no, Button::Decline),
                ]);
                say(&bot, &state, chat, &text, Some(keys)).await
            }
        }
        OutreachCommand::Unsubscribe => {
            let text = match o.store.unsubscribe(chat.0, now()) {
                Ok(true) => &m.unsubscribed,
                Ok(false) => &m.not_subscribed,
                Err(e) => store_failed(&state, engine, &e),
            };
            say(&bot, &state, chat, &escape(&fill(engine, text)), None).await
        }
        OutreachCommand::Forget => {
            let text = match o.store.forget(chat.0) {
                Ok(n) => m.forgotten.replace("{n}", &n.to_string()),
                Err(e) => store_failed(&state, engine, &e).clone(),
            };
            say(&bot, &state, chat, &escape(&fill(engine, &text)), None).await
        }
        OutreachCommand::Broadcast(_) | OutreachCommand::Report if !private_admin => {
            // Not for them: the ordinary menu, as for any command the bot does not offer.
            return super::answer::message(
                bot,
                msg,
                super::schema::Ask::Text(String::new()),
                engines,
                chosen,
                state,
            )
            .await;
        }
        OutreachCommand::Broadcast(text) => preview(&bot, &state, engine, chat, text.trim()).await,
        OutreachCommand::Report => {
            let today = Day::today();
            let since = today.monday().plus(-21);
            // The questions of the last moments too.
            if let Err(e) = state.tally.flush(o.store.as_ref()) {
                tracing::warn!(error = %e, "could not write the counters");
            }
            let text = match o.store.counts(&since.to_string()) {
                Ok(counts) => format!(
                    "{}\n\n{}",
                    m.report_heading,
                    report::text(&report::weeks(&counts, since, today))
                ),
                Err(e) => store_failed(&state, engine, &e).clone(),
            };
            say(&bot, &state, chat, &escape(&text), None).await
        }
    };
    warn_failed(&state, &said);
    tracing::info!(
        update = "message",
        chat = kind.name(),
        ask = "outreach",
        lang = engine.language().code.as_str(),
        "answered"
    );
    Ok(())
}

/// Drafts an admin's broadcast and shows the preview with Send and Cancel, in `engine`'s words.
async fn preview(
    bot: &Bot,
    state: &State,
    engine: &Engine,
    chat: ChatId,
    text: &str,
) -> Result<(), SendError> {
    let m = &engine.knowledge().messages;
    if text.is_empty() {
        return say(bot, state, chat, &escape(&m.broadcast_hint), None).await;
    }
    if text.chars().count() > MAX_TEXT {
        return say(bot, state, chat, &escape(&m.too_long), None).await;
    }
    let o = &state.outreach;
    let draft = NewBroadcast::one(Origin::Admin, Body::Text(text.to_owned()));
    let queued = o.store.queue(&draft, true, now());
    let (Ok(Some(draft_row)), Ok(n)) = (queued, o.store.subscribers()) else {
        return say(bot, state, chat, &escape(&m.store_failed), None).await;
    };
    let (body, _) = compose(engine, "", &Body::Text(text.to_owned()));
    let html = format!(
        "<b>{}</b>\n\n{body}",
        escape(&m.preview.replace("{n}", &n.to_string()))
    );
    let keys = keyboard(&[
        (&m.send, Button::Send(draft_row.id)),
        (&m.cancel, Button::Cancel(draft_row.id)),
    ]);
    say(bot, state, chat, &html, Some(keys)).await
}

/// Answers an outreach button, in the chat's language (its choice, else the presser's app
/// language).
pub async fn callback(
    bot: Bot,
    q: CallbackQuery,
    engines: Arc<Engines>,
    chosen: Chosen,
    state: Arc<State>,
) -> Result<(), Infallible> {
    let retry = state.options.retry;
    let Some(button) = q.data.as_deref().and_then(Button::parse) else {
        return Ok(());
    };
    let Some(origin) = q.message.as_ref() else {
        warn_failed(&state, &answer_callback(&bot, &q.id, None, &retry).await);
        return Ok(());
    };
    let chat = origin.chat();
    let kind = ChatKind::of(chat);
    let o = &state.outreach;
    let admin = o.admins.contains(&q.from.id.0) && kind == ChatKind::Private;
    let engine = engines.preferred(chosen.code(), q.from.language_code.as_deref());
    let m = &engine.knowledge().messages;
    let text = match button {
        Button::Subscribe => {
            let allowed = kind != ChatKind::Group || is_admin(&bot, &state, chat.id, &q.from).await;
            if allowed {
                let stored = if kind == ChatKind::Group {
                    StoredKind::Group
                } else {
                    StoredKind::Private
                };
                match o
                    .store
                    .subscribe(chat.id.0, stored, q.from.language_code.as_deref(), now())
                {
                    Ok(_) => fill(engine, &m.subscribed),
                    Err(e) => store_failed(&state, engine, &e).clone(),
                }
            } else {
                m.admins_only.clone()
            }
        }
        Button::Decline => m.declined.clone(),
        Button::Send(id) if admin => match o.store.confirm(id, now()) {
            Ok(Some(q)) => m.queued.replace("{n}", &q.recipients.to_string()),
            Ok(None) => m.already_done.clone(),
            Err(e) => store_failed(&state, engine, &e).clone(),
        },
        Button::Cancel(id) if admin => match o.store.cancel(id) {
            Ok(true) => m.cancelled.clone(),
            Ok(false) => m.already_done.clone(),
            Err(e) => store_failed(&state, engine, &e).clone(),
        },
        Button::Send(_) | Button::Cancel(_) => m.staff_only.clone(),
    };
    warn_failed(&state, &answer_callback(&bot, &q.id, None, &retry).await);
    warn_failed(
        &state,
        &say(&bot, &state, chat.id, &escape(&text), None).await,
    );
    tracing::info!(
        update = "callback",
        chat = kind.name(),
        ask = "outreach",
        lang = engine.language().code.as_str(),
        "answered"
    );
    Ok(())
}

/// Adds what an answered message counts to today's tally, and unsubscribes a chat whose
/// reply Telegram refused because the bot was blocked or removed. Called by every answer.
pub fn after_reply(state: &State, chat: ChatId, reply: &Reply, sent: &Result<usize, SendError>) {
    let o: &Outreach = &state.outreach;
    let counts = counter::of_answer(reply);
    if !counts.is_empty() {
        // In memory: the outbox loop writes them (see [`counter::Tally`]).
        state.tally.add(&Day::today().to_string(), &counts);
    }
    if let Err(SendError::Failed { error, .. }) = sent {
        if blocked(error) {
            match o.store.unsubscribe(chat.0, now()) {
                Ok(true) => tracing::info!("a chat that blocked the bot was unsubscribed"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not unsubscribe a blocked chat"),
            }
        }
    }
}

/// The bot's own membership changed: a user blocked it in a private chat, or it was removed from
/// a group. The chat is unsubscribed at once, without waiting for the next tip's 403.
pub async fn membership(update: ChatMemberUpdated, state: Arc<State>) -> Result<(), Infallible> {
    let gone = !update.new_chat_member.kind.is_present();
    if gone {
        match state.outreach.store.unsubscribe(update.chat.id.0, now()) {
            Ok(true) => tracing::info!("a chat that blocked or removed the bot was unsubscribed"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not unsubscribe a chat that left"),
        }
    }
    tracing::info!(
        update = "my_chat_member",
        chat = ChatKind::of(&update.chat).name(),
        gone,
        "membership"
    );
    Ok(())
}

/// Whether an error means the chat will never take a message from the bot again.
#[must_use]
pub fn blocked(error: &RequestError) -> bool {
    matches!(
        error,
        RequestError::Api(
            ApiError::BotBlocked
                | ApiError::BotKicked
                | ApiError::BotKickedFromSupergroup
                | ApiError::BotKickedFromChannel
                | ApiError::UserDeactivated
                | ApiError::CantInitiateConversation
        )
    )
}

/// A text of these commands with the practice's name (`{practice}`: its name, else the
/// language's `practice_plain`), then the practice's other details, in `engine`'s words.
#[must_use]
pub fn fill(engine: &Engine, text: &str) -> String {
    let m = &engine.knowledge().messages;
    let name = engine
        .practice()
        .name
        .as_deref()
        .unwrap_or(&m.practice_plain);
    engine.fill(&text.replace("{practice}", name))
}

fn store_failed<'a>(state: &State, engine: &'a Engine, e: &crate::store::StoreError) -> &'a String {
    tracing::warn!(error = %state.redact(&e.to_string()), "the store failed");
    &engine.knowledge().messages.store_failed
}

fn keyboard(buttons: &[(&String, Button)]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![buttons
        .iter()
        .map(|(label, b)| InlineKeyboardButton::callback(label.as_str(), b.token()))
        .collect::<Vec<_>>()])
}

/// Whether the sender of a group message is one of its admins (an anonymous admin posts as the
/// group itself).
async fn group_admin(bot: &Bot, state: &State, msg: &Message) -> bool {
    if msg
        .sender_chat
        .as_ref()
        .is_some_and(|c| c.id == msg.chat.id)
    {
        return true;
    }
    match &msg.from {
        Some(user) => is_admin(bot, state, msg.chat.id, user).await,
        None => false,
    }
}

async fn is_admin(bot: &Bot, state: &State, chat: ChatId, user: &User) -> bool {
    let member = with_retry("getChatMember", &state.options.retry, || {
        bot.get_chat_member(chat, user.id).send()
    })
    .await;
    match member {
        Ok(m) => m.kind.is_privileged(),
        Err(e) => {
            tracing::warn!(error = %state.redact(&e.to_string()), "could not check a group admin");
            false
        }
    }
}

/// Sends one HTML message in its turn, retried as replies are.
async fn say(
    bot: &Bot,
    state: &State,
    chat: ChatId,
    html: &str,
    keys: Option<InlineKeyboardMarkup>,
) -> Result<(), SendError> {
    with_retry("sendMessage", &state.options.retry, || {
        let mut req = bot
            .send_message(chat, html.to_owned())
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        if let Some(k) = &keys {
            req = req.reply_markup(k.clone());
        }
        async move {
            state.pace.turn(chat).await;
            req.send().await
        }
    })
    .await
    .map(|_| ())
}

pub(super) fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

fn warn_failed<T>(state: &State, r: &Result<T, SendError>) {
    if let Err(e) = r {
        tracing::warn!(error = %state.redact(&e.to_string()), "request failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_round_trip_and_fit_callback_data() {
        for b in [
            Button::Subscribe,
            Button::Decline,
            Button::Send(i64::MAX),
            Button::Cancel(7),
        ] {
            assert_eq!(Button::parse(&b.token()), Some(b));
            assert!(b.token().len() <= super::super::send::MAX_CALLBACK_DATA);
        }
        for other in ["t:relief-now", "o:", "o:send:x", "o:drop:1", "c:y"] {
            assert_eq!(Button::parse(other), None, "{other}");
        }
    }

    #[test]
    fn blocked_means_403_for_good() {
        assert!(blocked(&RequestError::Api(ApiError::BotBlocked)));
        assert!(blocked(&RequestError::Api(
            ApiError::BotKickedFromSupergroup
        )));
        assert!(!blocked(&RequestError::Api(ApiError::ChatNotFound)));
    }
}
