//! The dptree handler tree: which updates the bot answers, and as what.
//!
//! Owns the routing rules, as small pure functions over a [`Message`] (each unit-tested):
//!
//! - Messages from bots are never answered (anonymous group admins, who post as the group, are
//!   people and are answered).
//! - Private chats: every text (or caption) is answered; a command opens its topic; a sticker,
//!   photo, voice note, location and the like gets a note that the bot reads text, with the menu.
//! - Groups: only commands (`/relief` and `/relief@BotName`), messages that mention the bot and
//!   replies to the bot's own messages are answered. A message that addresses no one but carries
//!   an *emergency* red flag is answered anyway (see [`group_emergency`]); everything else is
//!   left to the people in the group.
//! - Outreach commands (`/subscribe`, `/unsubscribe`, `/stop`, `/forget`, and the staff's
//!   `/broadcast` and `/report`) and their buttons go to `outreach.rs`, and so do changes of the
//!   bot's own membership (blocked in a private chat, removed from a group: unsubscribed).
//! - Other button presses (callback queries) all go to one endpoint, which answers every one
//!   (the `/language` buttons among them).
//! - Every message and button press for a person first reads the chat's choice of language
//!   (issue 12), once; the endpoints answer in the message's language when its words tell, else in
//!   that choice, else in the sender's app language.
//!
//! What the answers say and how they are sent lives in `answer.rs`; edited messages, channel
//! posts and other update kinds reach no branch and fall to the dispatcher's default handler.

use std::convert::Infallible;
use std::sync::Arc;

use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::dptree;
use teloxide::types::{CallbackQuery, Chat, Me, MediaKind, Message, MessageKind, Update};
use teloxide::utils::command::BotCommands;

use super::answer;
use super::commands::Command;
use super::language::Chosen;
use super::outreach;
use super::State;
use crate::engine::{Engine, Engines, Level};

/// What a message asks of the bot, once it is known to be for the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// A command, with its argument.
    Command(Command),
    /// A question; mentions of the bot removed.
    Text(String),
    /// A group message that did not address the bot but carries an emergency red flag.
    Emergency(String),
    /// A sticker, photo, voice note, location... in a private chat.
    NotText,
}

/// Whether a chat is private or a group, for rendering and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatKind {
    /// A one-to-one chat with the bot.
    Private,
    /// A group or supergroup.
    Group,
    /// A channel, or a chat kind Telegram adds later.
    Other,
}

impl ChatKind {
    /// The kind of a chat.
    #[must_use]
    pub fn of(chat: &Chat) -> ChatKind {
        if chat.is_private() {
            ChatKind::Private
        } else if chat.is_group() || chat.is_supergroup() {
            ChatKind::Group
        } else {
            ChatKind::Other
        }
    }

    /// "private", "group" or "other".
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ChatKind::Private => "private",
            ChatKind::Group => "group",
            ChatKind::Other => "other",
        }
    }
}

/// The handler tree. Needs `Arc<Engines>` and `Arc<super::State>` in the dependencies, besides
/// the bot, the update and `Me` that the dispatcher adds. For a message or a button press meant
/// for a person it reads the chat's choice of language from the store once ([`Chosen`]), and
/// every branch after answers with it.
#[must_use]
pub fn schema() -> UpdateHandler<Infallible> {
    let messages = Update::filter_message()
        .filter(|msg: Message| !from_bot(&msg))
        .map(|msg: Message, state: Arc<State>| {
            Chosen::read(state.outreach.store.as_ref(), msg.chat.id.0)
        })
        .branch(dptree::filter_map(outreach::command_of).endpoint(outreach::command))
        .branch(dptree::filter_map(command).endpoint(answer::message))
        .branch(dptree::filter_map(text_for_bot).endpoint(answer::message))
        .branch(dptree::filter_map(emergency_for).endpoint(answer::message))
        .branch(dptree::filter_map(not_text).endpoint(answer::message));
    let buttons = Update::filter_callback_query()
        .map(|q: CallbackQuery, state: Arc<State>| match &q.message {
            Some(m) => Chosen::read(state.outreach.store.as_ref(), m.chat().id.0),
            None => Chosen::default(),
        })
        .branch(dptree::filter(outreach::is_button).endpoint(outreach::callback))
        .endpoint(answer::callback);
    let membership = Update::filter_my_chat_member().endpoint(outreach::membership);
    dptree::entry()
        .branch(messages)
        .branch(buttons)
        .branch(membership)
}

/// Sent by a bot, not a person. An anonymous group admin posts through a bot account on behalf of
/// the group itself: that is a person.
#[must_use]
pub fn from_bot(msg: &Message) -> bool {
    let anonymous_admin = msg
        .sender_chat
        .as_ref()
        .is_some_and(|c| c.id == msg.chat.id);
    msg.from.as_ref().is_some_and(|u| u.is_bot) && !anonymous_admin
}

/// The text or the caption.
fn words(msg: &Message) -> Option<&str> {
    msg.text().or_else(|| msg.caption())
}

/// A command for this bot, in any chat: `/relief`, `/relief@BotName`, `/start <payload>`.
#[must_use]
pub fn command(msg: Message, me: Me) -> Option<Ask> {
    let username = me.user.username.as_deref().unwrap_or_default();
    let text = words(&msg)?;
    Command::parse(text, username).ok().map(Ask::Command)
}

/// The text of a message meant for the bot: anything in a private chat; in a group, a message that
/// mentions the bot or replies to one of its messages. Mentions of the bot are removed.
#[must_use]
pub fn text_for_bot(msg: Message, me: Me) -> Option<Ask> {
    let text = words(&msg)?;
    let username = me.user.username.as_deref().unwrap_or_default();
    match ChatKind::of(&msg.chat) {
        ChatKind::Private => Some(Ask::Text(strip_mentions(text, username))),
        ChatKind::Group => {
            let reply_to_bot = msg
                .reply_to_message()
                .and_then(|r| r.from.as_ref())
                .is_some_and(|u| u.id == me.user.id);
            (reply_to_bot || mentions(text, username))
                .then(|| Ask::Text(strip_mentions(text, username)))
        }
        ChatKind::Other => None,
    }
}

/// A group message that addresses no one but carries an emergency red flag ("he's not breathing").
///
/// Safety over etiquette: a parent in a group may not think to mention the bot, and a missed call
/// to the emergency number costs more than one unasked-for message. Only `emergency` qualifies;
/// `urgent` and lower are left to the group. With Telegram's privacy mode on (the default) such
/// messages only reach the bot when it is a group admin or privacy mode is turned off in
/// @BotFather.
///
/// This is the rule in one language; the tree uses [`emergency_for`], the same rule in the language
/// the message is answered in.
#[must_use]
pub fn group_emergency(msg: Message, engine: Arc<Engine>) -> Option<Ask> {
    unaddressed_emergency(&msg, |text| engine.analyse(text).triage.level)
}

/// [`group_emergency`] in the language that reads the message: its own when its words tell, else
/// the chat's choice, else the sender's app language ([`Engines::analyse`]). A Spanish "se
/// desmayó y no respira" in a group is answered, in Spanish, as its English twin is.
#[must_use]
pub fn emergency_for(msg: Message, engines: Arc<Engines>, chosen: Chosen) -> Option<Ask> {
    let user = msg.from.as_ref().and_then(|u| u.language_code.clone());
    unaddressed_emergency(&msg, |text| {
        engines
            .analyse(text, chosen.code(), user.as_deref())
            .1
            .map_or(Level::Routine, |a| a.triage.level)
    })
}

fn unaddressed_emergency(msg: &Message, level: impl FnOnce(&str) -> Level) -> Option<Ask> {
    if ChatKind::of(&msg.chat) != ChatKind::Group {
        return None;
    }
    let text = words(msg)?;
    let emergency = answer::guard(|| level(text) == Level::Emergency);
    (emergency == Some(true)).then(|| Ask::Emergency(text.to_owned()))
}

/// A sticker, photo, voice note, location, dice... in a private chat (no text, no caption).
#[must_use]
pub fn not_text(msg: Message) -> Option<Ask> {
    if ChatKind::of(&msg.chat) != ChatKind::Private || words(&msg).is_some() {
        return None;
    }
    match &msg.kind {
        MessageKind::Common(c) if !matches!(c.media_kind, MediaKind::Migration(_)) => {
            Some(Ask::NotText)
        }
        MessageKind::Dice(_) => Some(Ask::NotText),
        _ => None,
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Byte ranges of `@username` in `text`, case-insensitive, not part of a longer name.
fn mention_spans(text: &str, username: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if username.is_empty() {
        return spans;
    }
    let needle = format!("@{}", username.to_ascii_lowercase());
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle) {
        let start = from + i;
        let end = start + needle.len();
        let before_ok = !text[..start].chars().next_back().is_some_and(is_name_char);
        let after_ok = !text[end..].chars().next().is_some_and(is_name_char);
        if before_ok && after_ok {
            spans.push((start, end));
        }
        from = end;
    }
    spans
}

/// Whether `text` mentions `@username`.
#[must_use]
pub fn mentions(text: &str, username: &str) -> bool {
    !mention_spans(text, username).is_empty()
}

/// `text` without its mentions of `@username`, spaces tidied.
#[must_use]
pub fn strip_mentions(text: &str, username: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in mention_spans(text, username) {
        out.push_str(&text[last..start]);
        out.push(' ');
        last = end;
    }
    out.push_str(&text[last..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Practice;

    const BOT: &str = "CrampCareBot";

    fn me() -> Me {
        serde_json::from_value(serde_json::json!({
            "id": 42, "is_bot": true, "first_name": "CrampCare", "username": BOT,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "has_main_web_app": false
        }))
        .unwrap()
    }

    fn msg(chat: serde_json::Value, extra: serde_json::Value) -> Message {
        let mut m = serde_json::json!({
            "message_id": 7, "date": 1_700_000_000,
            "chat": chat,
            "from": {"id": 1, "is_bot": false, "first_name": "Ann"},
        });
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        serde_json::from_value(m).unwrap()
    }

    fn private(extra: serde_json::Value) -> Message {
        msg(
            serde_json::json!({"id": 1, "type": "private", "first_name": "Ann"}),
            extra,
        )
    }

    fn group(extra: serde_json::Value) -> Message {
        msg(
            serde_json::json!({"id": -100, "type": "supergroup", "title": "Parents"}),
            extra,
        )
    }

    fn text(t: &str) -> serde_json::Value {
        serde_json::json!({ "text": t })
    }

    #[test]
    fn finds_and_strips_mentions() {
        assert!(mentions("hey @crampcarebot help", BOT));
        assert!(mentions("@CrampCareBot", BOT));
        assert!(!mentions("@CrampCareBot2 hi", BOT));
        assert!(!mentions("mail a@CrampCareBotx", BOT));
        assert!(!mentions("no mention", BOT));
        assert_eq!(
            strip_mentions("@CrampCareBot  calf cramp, @crampcarebot!", BOT),
            "calf cramp, !"
        );
        assert_eq!(strip_mentions("üñí @CrampCareBot ok", BOT), "üñí ok");
    }

    #[test]
    fn private_texts_are_for_the_bot_group_texts_only_when_addressed() {
        assert_eq!(
            text_for_bot(private(text("calf cramp")), me()),
            Some(Ask::Text("calf cramp".to_owned()))
        );
        assert_eq!(text_for_bot(group(text("calf cramp")), me()), None);
        assert_eq!(
            text_for_bot(group(text("@CrampCareBot calf cramp")), me()),
            Some(Ask::Text("calf cramp".to_owned()))
        );
        let reply = serde_json::json!({
            "text": "and at night?",
            "reply_to_message": {
                "message_id": 5, "date": 1_700_000_000,
                "chat": {"id": -100, "type": "supergroup", "title": "Parents"},
                "from": {"id": 42, "is_bot": true, "first_name": "CrampCare"},
                "text": "earlier answer"
            }
        });
        assert_eq!(
            text_for_bot(group(reply), me()),
            Some(Ask::Text("and at night?".to_owned()))
        );
    }

    #[test]
    fn commands_in_both_forms() {
        assert_eq!(
            command(group(text("/relief@CrampCareBot")), me()),
            Some(Ask::Command(Command::Relief))
        );
        assert_eq!(command(group(text("/relief@SomeOtherBot")), me()), None);
        assert_eq!(
            command(private(text("/start relief-now")), me()),
            Some(Ask::Command(Command::Start("relief-now".to_owned())))
        );
    }

    #[test]
    fn bots_are_ignored_but_anonymous_admins_are_not() {
        let mut m = group(text("@CrampCareBot hi"));
        m.from = m.from.map(|mut u| {
            u.is_bot = true;
            u
        });
        assert!(from_bot(&m));
        m.sender_chat = Some(m.chat.clone());
        assert!(!from_bot(&m));
    }

    #[test]
    fn only_unaddressed_group_emergencies_qualify() {
        let engine = Arc::new(Engine::builtin(Practice::default()));
        let emergency = "my son had a seizure and is not breathing";
        assert_eq!(
            group_emergency(group(text(emergency)), Arc::clone(&engine)),
            Some(Ask::Emergency(emergency.to_owned()))
        );
        assert_eq!(
            group_emergency(
                group(text("calf cramps after football")),
                Arc::clone(&engine)
            ),
            None
        );
        assert_eq!(group_emergency(private(text(emergency)), engine), None);
    }

    #[test]
    fn stickers_in_private_chats_get_the_note() {
        let sticker = serde_json::json!({"sticker": {
            "file_id": "f", "file_unique_id": "u", "type": "regular",
            "width": 512, "height": 512, "is_animated": false, "is_video": false
        }});
        assert_eq!(not_text(private(sticker.clone())), Some(Ask::NotText));
        assert_eq!(not_text(group(sticker)), None);
        assert_eq!(not_text(private(text("hi"))), None);
    }
}
