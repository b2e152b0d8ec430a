//! The endpoints: an [`Ask`] or a button press in, engine calls, a sent reply and one log line out.
//!
//! Owns which language an update is answered in (the message's own, else the chat's choice, else
//! the app's: [`reply_in`]), what the adapter itself says (the slow-down note, the "I read text"
//! note, the expired-button note, the practice's details under /about, each from that language's
//! `[messages]`) and the per-chat flood check. Everything medical comes from the engine. Every
//! endpoint returns `Ok`: a failed send is logged (token redacted) and the dispatcher carries on
//! with the next update.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use teloxide::types::{CallbackQuery, Message, MessageId};
use teloxide::Bot;

use super::commands::Command;
use super::flood::Verdict;
use super::language::{self, Chosen};
use super::schema::{Ask, ChatKind};
use super::send::{answer_callback, send_reply, SendError, Target};
use super::State;
use crate::engine::check;
use crate::engine::{Block, Engine, Engines, Level, Reply};
use crate::render::telegram::Size;

/// A reply to a message older than this opens with the `late` line: the parent may have given
/// up waiting, or found help elsewhere, and should know the bot did not just ignore them. A few
/// minutes: long polling, pacing and a busy queue add seconds, never minutes, so only an outage or
/// a backlog after one crosses it.
pub const LATE_AFTER: std::time::Duration = std::time::Duration::from_secs(3 * 60);
/// Answers a message that the tree found to be for the bot, in the language that reads it (see
/// [`reply_in`]).
pub async fn message(
    bot: Bot,
    msg: Message,
    ask: Ask,
    engines: Arc<Engines>,
    chosen: Chosen,
    state: Arc<State>,
) -> Result<(), Infallible> {
    let started = Instant::now();
    let kind = ChatKind::of(&msg.chat);
    let target = target(kind, &msg.chat.id, msg.id);
    let user = msg.from.as_ref().and_then(|u| u.language_code.as_deref());
    let (chosen, engines) = (chosen.code(), engines.as_ref());
    let verdict = state.flood.check(msg.chat.id.0, Instant::now());
    let decided = guard(|| match verdict {
        Verdict::Answer => Some(reply_in(engines, &ask, chosen, user)),
        // An emergency is answered whatever the flood count: a frightened parent typing fast is
        // exactly who this bot is for.
        _ if is_emergency(engines, &ask, chosen, user) => {
            Some(reply_in(engines, &ask, chosen, user))
        }
        Verdict::SlowDown => {
            let e = engine_of(engines, &ask, chosen, user);
            Some((e, slow_down(e)))
        }
        Verdict::Drop => None,
    });
    let (engine, reply) = match decided {
        Some(Some(r)) => r,
        Some(None) => {
            tracing::info!(
                update = "message",
                chat = kind.name(),
                ask = ask.name(),
                ms = started.elapsed().as_millis() as u64,
                "dropped: over the flood limit"
            );
            return Ok(());
        }
        None => {
            let e = engines.preferred(chosen, user);
            (e, engines.tag(e, e.welcome()))
        }
    };
    let reply = if is_late(msg.date.timestamp(), crate::day::now()) {
        late(engine, reply)
    } else {
        reply
    };
    let sent = send_reply(&bot, target, &reply, &state.options.retry, &state.pace).await;
    super::outreach::after_reply(&state, msg.chat.id, &reply, &sent);
    log(
        &state,
        Logged {
            update: "message",
            kind,
            ask: ask.name(),
            lang: &engine.language().code,
        },
        &reply,
        &sent,
        started,
        ask.text(),
    );
    Ok(())
}

/// What a button press asks for.
enum Pressed<'a> {
    /// A follow-up: its reply, in the language it was shown in.
    Follow(&'a Engine, Reply),
    /// A language button of `/language`.
    Language(&'a Engine),
    /// Forged, garbled or from an older knowledge base.
    Stale,
}

/// Answers a button press: the callback query is answered exactly once, whatever happens, then the
/// follow-up (or the menu, for a stale button) is sent to the chat the button was in. A language
/// button keeps the chat's choice and answers in the language chosen.
pub async fn callback(
    bot: Bot,
    q: CallbackQuery,
    engines: Arc<Engines>,
    chosen: Chosen,
    state: Arc<State>,
) -> Result<(), Infallible> {
    let started = Instant::now();
    let retry = state.options.retry;
    let engines = engines.as_ref();
    let preferred = engines.preferred(chosen.code(), q.from.language_code.as_deref());
    let pressed = match q.data.as_deref() {
        Some(d) => match language::parse(d) {
            Some(code) => engines.get(code).map_or(Pressed::Stale, Pressed::Language),
            None => match guard(|| engines.follow(d)).flatten() {
                Some((e, r)) => Pressed::Follow(e, r),
                None => Pressed::Stale,
            },
        },
        None => Pressed::Stale,
    };
    let stale = matches!(pressed, Pressed::Stale);
    // A button on a message Telegram no longer shows us (or an inline message): no chat to answer
    // in, so the callback answer carries the note.
    let Some(origin) = q.message.as_ref() else {
        let notice = stale.then_some(preferred.knowledge().messages.expired.as_str());
        let answered = answer_callback(&bot, &q.id, notice, &retry).await;
        warn_failed(&state, &answered);
        tracing::info!(
            update = "callback",
            chat = "unknown",
            stale,
            ms = started.elapsed().as_millis() as u64,
            "answered the button without a chat"
        );
        return Ok(());
    };
    let chat = origin.chat();
    let kind = ChatKind::of(chat);
    let target = target(kind, &chat.id, origin.id());
    // The notes are in the language the answer would be in.
    let engine = match &pressed {
        Pressed::Follow(e, _) | Pressed::Language(e) => *e,
        Pressed::Stale => preferred,
    };
    let m = &engine.knowledge().messages;
    let (notice, reply) = match (state.flood.check(chat.id.0, Instant::now()), pressed) {
        (Verdict::Answer, Pressed::Follow(_, r)) => (None, Some(r)),
        (Verdict::Answer, Pressed::Language(e)) => {
            let kept = state
                .outreach
                .store
                .choose_language(chat.id.0, &e.language().code);
            match kept {
                Ok(()) => (None, Some(language::set(engines, e))),
                Err(err) => {
                    tracing::warn!(error = %err, "could not keep a chat's language");
                    (None, Some(language::not_kept(engines, e)))
                }
            }
        }
        (Verdict::Answer, Pressed::Stale) => (
            Some(m.expired.as_str()),
            Some(engines.tag(engine, expired(engine))),
        ),
        (Verdict::SlowDown, _) => (Some(m.slow_down_notice.as_str()), Some(slow_down(engine))),
        (Verdict::Drop, _) => (Some(m.slow_down_notice.as_str()), None),
    };
    let answered = answer_callback(&bot, &q.id, notice, &retry).await;
    warn_failed(&state, &answered);
    let Some(reply) = reply else {
        tracing::info!(
            update = "callback",
            chat = kind.name(),
            ms = started.elapsed().as_millis() as u64,
            "dropped: over the flood limit"
        );
        return Ok(());
    };
    let sent = send_reply(&bot, target, &reply, &retry, &state.pace).await;
    let what = if stale { "stale-button" } else { "button" };
    log(
        &state,
        Logged {
            update: "callback",
            kind,
            ask: what,
            lang: &engine.language().code,
        },
        &reply,
        &sent,
        started,
        q.data.as_deref(),
    );
    Ok(())
}

/// Runs an engine call, turning a panic into `None` (logged) so that one odd message cannot take
/// down its chat's worker, and with it the dispatcher.
pub fn guard<T>(call: impl FnOnce() -> T) -> Option<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(v) => Some(v),
        Err(_) => {
            tracing::error!("the engine panicked on an update; answering with the menu");
            None
        }
    }
}

/// Where a reply to a message goes: threaded and compact in groups, plain and full in private.
fn target(kind: ChatKind, chat: &teloxide::types::ChatId, id: MessageId) -> Target {
    match kind {
        ChatKind::Group => Target {
            chat: *chat,
            reply_to: Some(id),
            size: Size::Compact,
        },
        ChatKind::Private | ChatKind::Other => Target {
            chat: *chat,
            reply_to: None,
            size: Size::Full,
        },
    }
}

impl Ask {
    /// What kind of ask this is, for logs: `text`, `emergency`, `not-text` or `/command`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Ask::Command(c) => c.name(),
            Ask::Text(_) => "text",
            Ask::Emergency(_) => "emergency",
            Ask::NotText => "not-text",
        }
    }

    /// The words the parent wrote, if any.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match self {
            Ask::Command(Command::Ask(t) | Command::Start(t))
            | Ask::Text(t)
            | Ask::Emergency(t) => Some(t),
            Ask::Command(_) | Ask::NotText => None,
        }
    }
}

/// The words of an ask that the engines read as a message (a question, a mention, `/ask ...`).
fn words(ask: &Ask) -> Option<&str> {
    match ask {
        Ask::Text(t) | Ask::Emergency(t) | Ask::Command(Command::Ask(t))
            if !t.trim().is_empty() =>
        {
            Some(t)
        }
        _ => None,
    }
}

fn is_emergency(engines: &Engines, ask: &Ask, chosen: Option<&str>, user: Option<&str>) -> bool {
    match ask {
        Ask::Emergency(_) => true,
        _ => words(ask).is_some_and(|t| {
            engines
                .analyse(t, chosen, user)
                .1
                .is_some_and(|a| a.triage.level == Level::Emergency)
        }),
    }
}

/// The engine an ask is answered in, without reading it whole: a message's language when its
/// words tell, else the chat's choice, else the app's language (see [`Engines::choose`]).
fn engine_of<'a>(
    engines: &'a Engines,
    ask: &Ask,
    chosen: Option<&str>,
    user: Option<&str>,
) -> &'a Engine {
    match words(ask) {
        Some(t) => engines.choose(t, chosen, user),
        None => engines.preferred(chosen, user),
    }
}

/// The reply to an ask and the engine it is in. A message (a question, a mention, `/ask ...`) is
/// read in its own language when its words tell, else in the chat's choice (`chosen`), else in the
/// user's app language (`user`, Telegram's `language_code`), else in the default
/// ([`Engines::answer`]); a command in the chat's choice, else the app's language. The reply's
/// buttons carry its language ([`Engines::tag`]), so that pressing one answers in it.
#[must_use]
pub fn reply_in<'a>(
    engines: &'a Engines,
    ask: &Ask,
    chosen: Option<&str>,
    user: Option<&str>,
) -> (&'a Engine, Reply) {
    if let Some(t) = words(ask) {
        return engines.answer(t, chosen, user);
    }
    let engine = engines.preferred(chosen, user);
    match ask {
        Ask::Command(Command::Language) => (engine, language::prompt(engines, engine)),
        _ => (engine, engines.tag(engine, reply(engine, ask))),
    }
}

/// The reply to an ask in one engine's language: the engine's answer, a topic, the menu or a
/// note. Its buttons are not marked with the language; [`reply_in`] does that.
#[must_use]
pub fn reply(engine: &Engine, ask: &Ask) -> Reply {
    let m = &engine.knowledge().messages;
    match ask {
        Ask::Command(Command::Ask(t)) if t.trim().is_empty() => {
            with_note(engine.welcome(), &m.ask_hint)
        }
        Ask::Text(t) if t.trim().is_empty() => engine.welcome(),
        Ask::Text(t) | Ask::Emergency(t) | Ask::Command(Command::Ask(t)) => engine.answer(t),
        Ask::NotText => with_note(engine.welcome(), &m.not_text),
        Ask::Command(Command::Start(payload)) => {
            // A deep link t.me/<bot>?start=<topic id> opens that topic; anything else, the menu.
            let id = payload.trim();
            match id {
                "" => engine.welcome(),
                _ => engine.topic(id).unwrap_or_else(|| engine.welcome()),
            }
        }
        Ask::Command(Command::Help) => with_note(engine.welcome(), &super::commands::help(m)),
        Ask::Command(Command::Serious) => engine
            .follow(&check::start())
            .unwrap_or_else(|| engine.welcome()),
        Ask::Command(Command::About) => about(engine),
        Ask::Command(c) => c
            .topic()
            .and_then(|id| engine.topic(id))
            .unwrap_or_else(|| engine.welcome()),
    }
}

/// The `about` topic with the practice's name, phones, website and emergency number.
#[must_use]
pub fn about(engine: &Engine) -> Reply {
    let p = engine.practice();
    let m = &engine.knowledge().messages;
    let line = |text: &str, value: &str| {
        engine.fill(
            &text
                .replace("{after_hours}", value)
                .replace("{website}", value),
        )
    };
    let mut lines: Vec<String> = Vec::new();
    if p.name.is_some() {
        lines.push(engine.fill(&m.about_practice));
    }
    if let Some(phone) = &p.phone {
        lines.push(line(&m.about_phone, phone));
    }
    if let Some(after) = &p.after_hours_phone {
        lines.push(line(&m.about_after_hours, after));
    }
    if let Some(site) = &p.website {
        lines.push(line(&m.about_website, site));
    }
    if lines.is_empty() {
        lines.push(m.about_no_practice.clone());
    }
    lines.push(engine.fill(&m.about_emergency));
    let mut r = engine
        .topic("about")
        .unwrap_or_else(|| with_note(engine.welcome(), ""));
    let at = r
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Doctor { .. }))
        .unwrap_or(r.blocks.len());
    r.blocks.insert(
        at,
        Block::Text {
            text: lines.join("\n"),
        },
    );
    r
}

/// Whether a reply to a message sent at `sent` (seconds since the epoch) comes late at `now`.
#[must_use]
pub fn is_late(sent: i64, now: i64) -> bool {
    now - sent > LATE_AFTER.as_secs() as i64
}

/// `reply` led by the knowledge base's line saying it comes late (`late` in `[messages]`).
#[must_use]
pub fn late(engine: &Engine, reply: Reply) -> Reply {
    let note = &engine.knowledge().messages.late;
    with_note(reply, note)
}

/// The menu, led by a note that the button has expired.
#[must_use]
pub fn expired(engine: &Engine) -> Reply {
    with_note(engine.welcome(), &engine.knowledge().messages.expired)
}

/// The one slow-down note, without buttons (they would only invite more presses).
#[must_use]
pub fn slow_down(engine: &Engine) -> Reply {
    let mut r = engine.welcome();
    r.blocks.retain(|b| matches!(b, Block::Doctor { .. }));
    let text = engine.fill(&engine.knowledge().messages.slow_down);
    r.blocks.insert(0, Block::Text { text });
    r.follow_ups.clear();
    r
}

/// `reply` with `note` as its first line (nothing added for an empty note).
fn with_note(mut reply: Reply, note: &str) -> Reply {
    if !note.is_empty() {
        reply.blocks.insert(
            0,
            Block::Text {
                text: note.to_owned(),
            },
        );
    }
    reply
}

fn warn_failed<T>(state: &State, r: &Result<T, SendError>) {
    if let Err(e) = r {
        tracing::warn!(error = %state.redact(&e.to_string()), "request failed");
    }
}

/// What the log line says of an update besides its reply: never the text.
struct Logged<'a> {
    update: &'a str,
    kind: ChatKind,
    ask: &'a str,
    /// The language code of the reply.
    lang: &'a str,
}

/// The one log line per answered update. The text only with `--log-text`.
fn log(
    state: &State,
    what: Logged<'_>,
    reply: &Reply,
    sent: &Result<usize, SendError>,
    started: Instant,
    text: Option<&str>,
) {
    let Logged {
        update,
        kind,
        ask,
        lang,
    } = what;
    let topics = reply.topic_ids().join(",");
    let ms = started.elapsed().as_millis() as u64;
    let urgency = reply.level.name();
    let chat = kind.name();
    match (sent, state.options.log_text.then_some(text).flatten()) {
        (Ok(messages), None) => {
            tracing::info!(update, chat, ask, lang, topics, urgency, messages, ms, "answered");
        }
        (Ok(messages), Some(text)) => {
            tracing::info!(
                update, chat, ask, lang, topics, urgency, messages, ms, text, "answered"
            );
        }
        (Err(e), _) => {
            let error = state.redact(&e.to_string());
            tracing::warn!(
                update,
                chat,
                ask,
                lang,
                topics,
                urgency,
                ms,
                error,
                "reply not delivered"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Practice, ReplyKind};

    fn engine() -> Engine {
        Engine::builtin(Practice {
            name: Some("Sunny Pediatrics".to_owned()),
            phone: Some("555-0100".to_owned()),
            after_hours_phone: Some("555-0199".to_owned()),
            website: Some("https://sunnypeds.example".to_owned()),
            emergency_number: "112".to_owned(),
        })
    }

    #[test]
    fn commands_open_their_topics() {
        let e = engine();
        let r = reply(&e, &Ask::Command(Command::Relief));
        assert_eq!(r.topic_ids(), ["relief-now"]);
        let r = reply(
            &e,
            &Ask::Command(Command::Start("foods-that-help".to_owned())),
        );
        assert_eq!(r.topic_ids(), ["foods-that-help"]);
        let r = reply(
            &e,
            &Ask::Command(Command::Start("no-such-topic".to_owned())),
        );
        assert_eq!(r.kind, ReplyKind::Greeting);
        let r = reply(&e, &Ask::Command(Command::Serious));
        assert_eq!(r.kind, ReplyKind::Check);
        assert_eq!(r.follow_ups.len(), 2);
    }

    #[test]
    fn about_lists_the_practice() {
        let r = about(&engine());
        let all = crate::render::plain::render(&r);
        for s in [
            "Sunny Pediatrics",
            "555-0100",
            "555-0199",
            "sunnypeds.example",
            "call 112",
        ] {
            assert!(all.contains(s), "{s} missing in {all}");
        }
        assert!(matches!(r.blocks.last(), Some(Block::Doctor { .. })));
    }

    #[test]
    fn a_late_reply_opens_with_the_late_line_and_keeps_its_doctor_line() {
        let e = engine();
        assert!(!is_late(1000, 1000 + 60));
        assert!(is_late(1000, 1000 + 10 * 60));
        let on_time = reply(&e, &Ask::Text("calf cramp at night".to_owned()));
        let r = late(&e, on_time.clone());
        let text = crate::render::plain::render(&r);
        assert!(text.starts_with("Sorry for the late reply."), "{text}");
        assert_eq!(r.blocks[1..], on_time.blocks[..]);
    }

    #[test]
    fn notes_keep_the_doctor_line_last() {
        let e = engine();
        for r in [
            slow_down(&e),
            expired(&e),
            reply(&e, &Ask::NotText),
            reply(&e, &Ask::Command(Command::Help)),
        ] {
            assert!(matches!(r.blocks.last(), Some(Block::Doctor { .. })));
        }
        assert!(slow_down(&e).follow_ups.is_empty());
        assert!(crate::render::plain::render(&slow_down(&e)).contains("call 112"));
        assert!(!expired(&e).follow_ups.is_empty());
    }

    #[test]
    fn a_message_goes_by_its_words_a_command_by_the_chats_choice_then_the_app() {
        let engines = Engines::builtin(&Practice::default());
        let code = |(e, _): (&Engine, Reply)| e.language().code.clone();
        let spanish = Ask::Text("mi hija tiene calambres en las piernas".to_owned());
        let english = Ask::Text("my daughter has leg cramps".to_owned());
        let relief = Ask::Command(Command::Relief);
        // The words tell, whatever the chat chose or the app is in.
        assert_eq!(
            code(reply_in(&engines, &spanish, Some("en"), Some("en"))),
            "es"
        );
        assert_eq!(
            code(reply_in(&engines, &english, Some("es"), Some("es"))),
            "en"
        );
        // A command: the chat's choice, then the app's language, then the default.
        assert_eq!(
            code(reply_in(&engines, &relief, Some("es"), Some("en"))),
            "es"
        );
        assert_eq!(code(reply_in(&engines, &relief, None, Some("es-MX"))), "es");
        assert_eq!(code(reply_in(&engines, &relief, Some("pt"), None)), "en");
        // Spanish buttons carry their language; /language's buttons are language buttons.
        let (_, r) = reply_in(&engines, &relief, Some("es"), None);
        assert!(r.follow_ups.iter().all(|f| f.token.starts_with("es/")));
        let (_, r) = reply_in(&engines, &Ask::Command(Command::Language), Some("es"), None);
        assert!(r
            .follow_ups
            .iter()
            .all(|f| super::language::parse(&f.token).is_some()));
    }
}
