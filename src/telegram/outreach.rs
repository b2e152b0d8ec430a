//! Outreach in chats: `/subscribe` with a consent button, `/unsubscribe` and `/stop`, `/forget`,
//! and for the practice's admins `/broadcast` (a preview with Send and Cancel) and `/report`.
//!
//! Owns what these commands say and who may use them: in a group only an admin's yes subscribes
//! the group; `/broadcast` and `/report` answer only an admin in a private chat (anyone else gets
//! the ordinary menu, as for an unknown command). It also records what one answered question
//! adds to the daily counters, and unsubscribes a chat whose reply Telegram refused with 403.
//! The store keeps the rows; [`super::outbox`] sends the broadcasts.

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
use super::outbox::compose;
use super::schema::ChatKind;
use super::send::{answer_callback, with_retry, SendError};
use super::{Outreach, State};
use crate::day::{now, Day};
use crate::engine::{Engine, Reply};
use crate::outreach::{counter, report, MAX_TEXT};
use crate::render::telegram::escape;
use crate::store::{Body, ChatKind as StoredKind, NewBroadcast, Origin};

/// Asked by `/subscribe`, with the consent buttons.
pub const CONSENT: &str = "{practice} can send this chat short tips about children's muscle \
cramps: before summer sports, in heat waves, at the start of the school season. At most one tip a \
week. CrampCare keeps only this chat's id, its language and your yes, never your messages. \
/unsubscribe or /stop ends the tips at any time.\n\nDo you want them?";
/// Said after the yes.
pub const SUBSCRIBED: &str =
    "Done: this chat will get {practice}'s tips. /unsubscribe or /stop ends them at any time.";
/// Said to "No, thanks".
pub const DECLINED: &str = "No tips, then. /subscribe if you change your mind.";
/// Said by `/unsubscribe` and `/stop`.
pub const UNSUBSCRIBED: &str = "Done: no more tips. /subscribe brings them back.";
/// Said by `/unsubscribe` to a chat that gets none.
pub const NOT_SUBSCRIBED: &str = "This chat gets no tips. /subscribe to get them.";
/// Said by `/forget`; `{n}` is the number of records deleted.
pub const FORGOTTEN: &str = "Done: I deleted everything I kept about this chat ({n} records: its \
subscription and any tips waiting for it). I never keep your messages.";
/// Said to a group member who is not an admin.
pub const ADMINS_ONLY: &str = "Only a group admin can subscribe this group to tips.";
/// Said when the store failed.
pub const STORE_FAILED: &str =
    "Sorry, I could not save that just now. Please try again in a minute.";
/// Said to `/broadcast` without a text.
pub const BROADCAST_HINT: &str =
    "Type the tip after /broadcast, for example: /broadcast Heat wave this week: ...";
/// Said when the tip is too long for one message.
pub const TOO_LONG: &str = "That tip is too long for one message: keep it under 3,500 characters.";

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

/// Answers an outreach command.
pub async fn command(
    bot: Bot,
    msg: Message,
    cmd: OutreachCommand,
    engine: Arc<Engine>,
    state: Arc<State>,
) -> Result<(), Infallible> {
    let chat = msg.chat.id;
    let kind = ChatKind::of(&msg.chat);
    let o = &state.outreach;
    let practice = practice_name(&engine);
    let private_admin = kind == ChatKind::Private
        && msg
            .from
            .as_ref()
            .is_some_and(|u| o.admins.contains(&u.id.0));
    let said = match cmd {
        OutreachCommand::Subscribe => {
            if kind == ChatKind::Group && !group_admin(&bot, &state, &msg).await {
                say(&bot, &state, chat, &escape(ADMINS_ONLY), None).await
            } else {
                let text = escape(&CONSENT.replace("{practice}", &practice));
                let keys = keyboard(&[
                    ("Yes, send me tips", Button::Subscribe),
                    ("No, thanks", Button::Decline),
                ]);
                say(&bot, &state, chat, &text, Some(keys)).await
            }
        }
        OutreachCommand::Unsubscribe => {
            let text = match o.store.unsubscribe(chat.0, now()) {
                Ok(true) => UNSUBSCRIBED,
                Ok(false) => NOT_SUBSCRIBED,
                Err(e) => store_failed(&state, &e),
            };
            say(&bot, &state, chat, &escape(text), None).await
        }
        OutreachCommand::Forget => {
            let text = match o.store.forget(chat.0) {
                Ok(n) => FORGOTTEN.replace("{n}", &n.to_string()),
                Err(e) => store_failed(&state, &e).to_owned(),
            };
            say(&bot, &state, chat, &escape(&text), None).await
        }
        OutreachCommand::Broadcast(_) | OutreachCommand::Report if !private_admin => {
            // Not for them: the ordinary menu, as for any command the bot does not offer.
            return super::answer::message(
                bot,
                msg,
                super::schema::Ask::Text(String::new()),
                engine,
                state,
            )
            .await;
        }
        OutreachCommand::Broadcast(text) => preview(&bot, &state, &engine, chat, text.trim()).await,
        OutreachCommand::Report => {
            let today = Day::today();
            let since = today.monday().plus(-21);
            // The questions of the last moments too.
            if let Err(e) = state.tally.flush(o.store.as_ref()) {
                tracing::warn!(error = %e, "could not write the counters");
            }
            let text = match o.store.counts(&since.to_string()) {
                Ok(counts) => format!(
                    "Last four weeks (UTC), counts only:\n\n{}",
                    report::text(&report::weeks(&counts, since, today))
                ),
                Err(e) => store_failed(&state, &e).to_owned(),
            };
            say(&bot, &state, chat, &escape(&text), None).await
        }
    };
    warn_failed(&state, &said);
    tracing::info!(
        update = "message",
        chat = kind.name(),
        ask = "outreach",
        "answered"
    );
    Ok(())
}

/// Drafts an admin's broadcast and shows the preview with Send and Cancel.
async fn preview(
    bot: &Bot,
    state: &State,
    engine: &Engine,
    chat: ChatId,
    text: &str,
) -> Result<(), SendError> {
    if text.is_empty() {
        return say(bot, state, chat, &escape(BROADCAST_HINT), None).await;
    }
    if text.chars().count() > MAX_TEXT {
        return say(bot, state, chat, &escape(TOO_LONG), None).await;
    }
    let o = &state.outreach;
    let draft = NewBroadcast::one(Origin::Admin, Body::Text(text.to_owned()));
    let queued = o.store.queue(&draft, true, now());
    let (Ok(Some(draft_row)), Ok(n)) = (queued, o.store.subscribers()) else {
        return say(bot, state, chat, &escape(STORE_FAILED), None).await;
    };
    let (body, _) = compose(engine, "", &Body::Text(text.to_owned()));
    let html = format!(
        "<b>Preview</b>: this goes to {n} subscribed chat{}.\n\n{body}",
        if n == 1 { "" } else { "s" }
    );
    let keys = keyboard(&[
        ("Send", Button::Send(draft_row.id)),
        ("Cancel", Button::Cancel(draft_row.id)),
    ]);
    say(bot, state, chat, &html, Some(keys)).await
}

/// Answers an outreach button.
pub async fn callback(
    bot: Bot,
    q: CallbackQuery,
    engine: Arc<Engine>,
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
    let practice = practice_name(&engine);
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
                    Ok(_) => SUBSCRIBED.replace("{practice}", &practice),
                    Err(e) => store_failed(&state, &e).to_owned(),
                }
            } else {
                ADMINS_ONLY.to_owned()
            }
        }
        Button::Decline => DECLINED.to_owned(),
        Button::Send(id) if admin => match o.store.confirm(id, now()) {
            Ok(Some(q)) => format!(
                "Queued for {} chat{}. `crampcare broadcast --status` shows the progress.",
                q.recipients,
                if q.recipients == 1 { "" } else { "s" }
            ),
            Ok(None) => "That broadcast was already sent or cancelled.".to_owned(),
            Err(e) => store_failed(&state, &e).to_owned(),
        },
        Button::Cancel(id) if admin => match o.store.cancel(id) {
            Ok(true) => "Cancelled: nothing was sent.".to_owned(),
            Ok(false) => "That broadcast was already sent or cancelled.".to_owned(),
            Err(e) => store_failed(&state, &e).to_owned(),
        },
        Button::Send(_) | Button::Cancel(_) => "Only the practice's staff can do that.".to_owned(),
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

/// The practice's name, or "Your practice".
fn practice_name(engine: &Engine) -> String {
    engine
        .practice()
        .name
        .clone()
        .unwrap_or_else(|| "Your practice".to_owned())
}

fn store_failed(state: &State, e: &crate::store::StoreError) -> &'static str {
    tracing::warn!(error = %state.redact(&e.to_string()), "the store failed");
    STORE_FAILED
}

fn keyboard(buttons: &[(&str, Button)]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![buttons
        .iter()
        .map(|(label, b)| InlineKeyboardButton::callback(*label, b.token()))
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
