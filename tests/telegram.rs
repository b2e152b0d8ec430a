//! The Telegram adapter end to end: the real teloxide dispatcher, long-polling a fake Bot API.
//!
//! [`Fake`] (in `fake_api.rs`) is a small Bot API server on 127.0.0.1 (axum): getMe,
//! getWebhookInfo, deleteWebhook, getUpdates with long polling and offsets, sendMessage,
//! answerCallbackQuery and setMyCommands, method names matched case-insensitively, every call
//! recorded, failures scripted per method.
//! [`Bot`] runs `crampcare::telegram::run_with` in-process against it; each test gets a fresh
//! server and bot and stops them gracefully, which also finishes every update already fetched.
//! The last tests run the `crampcare` binary to check the token errors.

use std::process::Command as Process;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Value};
use teloxide::adaptors::throttle::Limits;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crampcare::engine::{Engine, Engines, Knowledge, Practice};
use crampcare::render::telegram::{render, visible_len, Size, MAX_MESSAGE};
use crampcare::telegram::flood::FloodLimit;
use crampcare::telegram::send::Retry;
use crampcare::telegram::{run_with, Options};

use crate::fake_api::{
    bot_user, message, now, parent, parent_in, private_chat, Call, Fake, PATIENCE,
};

const PARENT: i64 = 1001;
const OTHER_PARENT: i64 = 1002;
const GROUP: i64 = -100_555;

fn group_chat() -> Value {
    json!({"id": GROUP, "type": "supergroup", "title": "Parents of Class 3"})
}

/// A running bot and its fake server.
struct Bot {
    fake: Fake,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    server: JoinHandle<()>,
    /// The default (English) engine, to compare texts with.
    engine: Arc<Engine>,
    /// Every language's.
    engines: Arc<Engines>,
}

fn options() -> Options {
    Options {
        log_text: false,
        poll_timeout: Duration::from_secs(2),
        // Loose enough that the throttle's pacing does not slow the tests down.
        limits: Limits {
            messages_per_sec_chat: 100,
            messages_per_min_chat: 1000,
            messages_per_min_channel_or_supergroup: 1000,
            messages_per_sec_overall: 100,
        },
        flood: FloodLimit::default(),
        retry: Retry {
            attempts: 3,
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
        },
        ..Options::default()
    }
}

impl Bot {
    async fn start() -> Bot {
        Bot::with(Engines::builtin(&Practice::default())).await
    }

    async fn with(engines: Engines) -> Bot {
        let (fake, url, server) = Fake::start().await;
        let engine = Arc::new(engines.default_engine().clone());
        let engines = Arc::new(engines);
        let bot = teloxide::Bot::new("123456:TEST").set_api_url(url.parse().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(run_with(bot, Arc::clone(&engines), options(), async move {
            let _ = stopped.await;
        }));
        fake.wait("the bot to start polling", |f| {
            f.lock().arrived.iter().any(|m| m == "getupdates")
        })
        .await;
        Bot {
            fake,
            stop: Some(stop),
            task,
            server,
            engine,
            engines,
        }
    }

    /// Stops the bot gracefully: every update already fetched is answered first.
    async fn stop(mut self) -> Fake {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let result = tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the bot did not stop in time")
            .expect("the bot task panicked");
        assert!(result.is_ok(), "run_with failed: {result:?}");
        self.server.abort();
        self.fake.clone()
    }

    /// A text from a parent in their private chat; returns the message id.
    fn private(&self, chat: i64, text: &str) -> i64 {
        let id = self.fake.message_id();
        self.fake.push(vec![message(
            id,
            private_chat(chat),
            parent(chat),
            json!({ "text": text }),
        )]);
        id
    }

    /// A message in the group from `from`; returns the message id.
    fn group(&self, from: Value, extra: Value) -> i64 {
        let id = self.fake.message_id();
        self.fake.push(vec![message(id, group_chat(), from, extra)]);
        id
    }

    /// A button press on a bot message in `chat`, with `data` (or none).
    fn press(&self, chat: Value, id: &str, data: Option<&str>) {
        let shown = json!({
            "message_id": self.fake.message_id(), "date": now(), "chat": chat,
            "from": bot_user(), "text": "an earlier answer",
        });
        let mut q = json!({
            "id": id, "from": parent(PARENT), "chat_instance": "ci-1", "message": shown,
        });
        if let Some(d) = data {
            q["data"] = json!(d);
        }
        self.fake.push(vec![json!({ "callback_query": q })]);
    }
}

impl Bot {
    /// A text from `from` in their private chat `chat`; returns the message id.
    fn private_from(&self, chat: i64, from: Value, text: &str) -> i64 {
        let id = self.fake.message_id();
        self.fake.push(vec![message(
            id,
            private_chat(chat),
            from,
            json!({ "text": text }),
        )]);
        id
    }

    /// A button press by `from` on a bot message in their private chat `chat`.
    fn press_from(&self, chat: i64, from: Value, id: &str, data: &str) {
        let shown = json!({
            "message_id": self.fake.message_id(), "date": now(), "chat": private_chat(chat),
            "from": bot_user(), "text": "an earlier answer",
        });
        let q = json!({
            "id": id, "from": from, "chat_instance": "ci-2", "message": shown, "data": data,
        });
        self.fake.push(vec![json!({ "callback_query": q })]);
    }

    /// Waits until `chat` has been sent `n` messages, and returns the last.
    async fn nth(&self, chat: i64, n: usize, what: &str) -> Call {
        self.fake.wait(what, |f| f.sent(chat).len() >= n).await;
        self.fake.sent(chat)[n - 1].clone()
    }
}

/// The doctor line as the renderer draws it in HTML.
fn doctor_line(engine: &Engine, text: &str) -> String {
    let reply = engine.answer(text);
    format!(
        "<i>{}</i>",
        crampcare::render::telegram::escape(reply.doctor_line())
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_question_gets_answer_with_doctor_line_and_keyboard() {
    let bot = Bot::start().await;
    let question = "my daughter gets calf cramps at night, what can I do?";
    bot.private(PARENT, question);
    bot.fake
        .wait("the answer", |f| !f.sent(PARENT).is_empty())
        .await;
    let engine = Arc::clone(&bot.engine);
    let fake = bot.stop().await;
    let sent = fake.sent(PARENT);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    let m = &sent[0];
    assert_eq!(m.body["parse_mode"], "HTML");
    assert!(
        m.text().contains(&doctor_line(&engine, question)),
        "{}",
        m.text()
    );
    assert_eq!(m.reply_to(), None, "private answers are not threaded");
    let buttons = m.buttons();
    assert!(!buttons.is_empty(), "no keyboard: {:#?}", m.body);
    assert!(buttons.iter().all(|(_, data)| data.len() <= 64));
    assert!(buttons.iter().any(|(label, _)| label == "Is this serious?"));
    // The commands were registered at start, once per language, English as the default list.
    let commands = fake.calls("setMyCommands");
    assert!(!commands.is_empty());
    assert!(commands[0].body.get("language_code").is_none());
    let names: Vec<&str> = commands[0].body["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    for c in [
        "start", "help", "relief", "causes", "foods", "serious", "doctor", "about", "ask",
    ] {
        assert!(names.contains(&c), "{c} not registered: {names:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_waited_minutes_is_told_its_reply_comes_late() {
    let bot = Bot::start().await;
    let question = "my daughter gets calf cramps at night";
    // Sent ten minutes ago (the bot was down); and one sent just now, in another chat.
    bot.fake.push(vec![message(
        bot.fake.message_id(),
        private_chat(PARENT),
        parent(PARENT),
        json!({ "text": question, "date": now() - 600 }),
    )]);
    bot.private(PARENT + 1, question);
    bot.fake
        .wait("both answers", |f| {
            !f.sent(PARENT).is_empty() && !f.sent(PARENT + 1).is_empty()
        })
        .await;
    let fake = bot.stop().await;
    let (late, on_time) = (&fake.sent(PARENT)[0], &fake.sent(PARENT + 1)[0]);
    assert!(
        late.text().starts_with("Sorry for the late reply."),
        "{}",
        late.text()
    );
    assert!(!on_time.text().contains("late reply"), "{}", on_time.text());
    assert!(
        late.text().ends_with(on_time.text()),
        "the same answer after the line"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn button_press_sends_topic_and_answers_callback_once() {
    let bot = Bot::start().await;
    bot.private(PARENT, "calf cramp");
    bot.fake
        .wait("the answer", |f| !f.sent(PARENT).is_empty())
        .await;
    let (label, data) = bot.fake.sent(PARENT)[0]
        .buttons()
        .into_iter()
        .find(|(_, d)| d.starts_with("t:"))
        .expect("a topic button");
    bot.press(private_chat(PARENT), "cb-1", Some(&data));
    bot.fake
        .wait("the follow-up", |f| f.sent(PARENT).len() == 2)
        .await;
    let engine = Arc::clone(&bot.engine);
    let fake = bot.stop().await;
    let topic = engine.follow(&data).expect("the button's topic");
    let sent = fake.sent(PARENT);
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(
        sent[1].text(),
        render(&topic, Size::Full)[0],
        "after {label}"
    );
    let answers = fake.calls("answerCallbackQuery");
    assert_eq!(answers.len(), 1, "{answers:#?}");
    assert_eq!(answers[0].body["callback_query_id"], "cb-1");
}

/// Issue 11: the about topic says every tip lists its sources; the Sources button under a topic
/// reply lists them, with their links, one tap away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_button_lists_the_topics_sources_with_links() {
    let bot = Bot::start().await;
    bot.private(PARENT, "/relief");
    bot.fake
        .wait("the topic", |f| !f.sent(PARENT).is_empty())
        .await;
    let (_, data) = bot.fake.sent(PARENT)[0]
        .buttons()
        .into_iter()
        .find(|(label, _)| label == "Sources")
        .expect("a Sources button under the topic");
    bot.press(private_chat(PARENT), "cb-src", Some(&data));
    bot.fake
        .wait("the sources", |f| f.sent(PARENT).len() == 2)
        .await;
    let engine = Arc::clone(&bot.engine);
    let fake = bot.stop().await;
    let text = fake.sent(PARENT)[1].text().to_owned();
    let k = engine.knowledge();
    let topic = k.topic("relief-now").expect("relief-now");
    for id in &topic.sources {
        let s = k.sources.iter().find(|s| &s.id == id).expect("source");
        assert!(
            text.contains(&s.url) && text.contains(&s.publisher),
            "{} missing:\n{text}",
            s.id
        );
    }
    assert_eq!(fake.calls("answerCallbackQuery").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serious_check_runs_on_buttons() {
    let bot = Bot::start().await;
    bot.private(PARENT, "/serious");
    bot.fake
        .wait("question 1", |f| !f.sent(PARENT).is_empty())
        .await;
    let first = bot.fake.sent(PARENT)[0].clone();
    assert!(first.text().contains("Question 1"), "{}", first.text());
    let labels: Vec<String> = first.buttons().into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["Yes", "No"]);
    let no = first.buttons()[1].1.clone();
    assert!(no.starts_with("c:"), "{no}");
    bot.press(private_chat(PARENT), "cb-no", Some(&no));
    bot.fake
        .wait("question 2", |f| f.sent(PARENT).len() == 2)
        .await;
    let fake = bot.stop().await;
    assert!(fake.sent(PARENT)[1].text().contains("Question 2"));
    assert_eq!(fake.calls("answerCallbackQuery").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_callback_gets_menu_and_is_answered() {
    let bot = Bot::start().await;
    bot.press(private_chat(PARENT), "cb-forged", Some("t:no-such-topic"));
    bot.press(private_chat(PARENT), "cb-garbage", Some("c:yyyyyyyyyyyyyy"));
    bot.press(private_chat(PARENT), "cb-empty", None);
    bot.fake
        .wait("three menus", |f| f.sent(PARENT).len() == 3)
        .await;
    let fake = bot.stop().await;
    for m in fake.sent(PARENT) {
        assert!(m.text().starts_with(&english().expired), "{}", m.text());
        assert!(!m.buttons().is_empty(), "the menu is missing");
    }
    let answered: Vec<String> = fake
        .calls("answerCallbackQuery")
        .iter()
        .map(|c| {
            c.body["callback_query_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(answered, ["cb-forged", "cb-garbage", "cb-empty"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_message_without_mention_is_ignored() {
    assert_group_ignores(
        parent(PARENT),
        json!({"text": "my son gets calf cramps after football"}),
    )
    .await;
}

/// Waits for the group's first reply, stops the bot, and checks that it is the only reply and is
/// threaded under message `to`; returns it with the engine, to compare texts.
async fn the_group_reply(bot: Bot, to: i64) -> (Call, Arc<Engine>) {
    bot.fake
        .wait("the group's answer", |f| !f.sent(GROUP).is_empty())
        .await;
    let engine = Arc::clone(&bot.engine);
    let fake = bot.stop().await;
    let sent = fake.sent(GROUP);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].reply_to(), Some(to));
    (sent[0].clone(), engine)
}

/// Sends `message` from `from` to the group, then a message that addresses the bot, and asserts
/// that only the second was answered.
async fn assert_group_ignores(from: Value, message: Value) {
    let bot = Bot::start().await;
    bot.group(from, message);
    // Same chat, so handled after the first: once it is answered, the first was seen.
    let sentinel = bot.group(parent(PARENT), json!({"text": "@CrampCareBot thanks"}));
    the_group_reply(bot, sentinel).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_mention_gets_threaded_compact_reply() {
    let bot = Bot::start().await;
    let question = "my son gets calf cramps after football";
    let asked = bot.group(
        parent(PARENT),
        json!({ "text": format!("@crampcarebot {question}") }),
    );
    let (reply, engine) = the_group_reply(bot, asked).await;
    let compact = render(&engine.answer(question), Size::Compact);
    assert_eq!(reply.text(), compact[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_reply_to_bot_gets_threaded_reply() {
    let bot = Bot::start().await;
    let earlier = json!({
        "message_id": 5, "date": now(), "chat": group_chat(), "from": bot_user(),
        "text": "an earlier answer",
    });
    let asked = bot.group(
        parent(PARENT),
        json!({"text": "and what foods help?", "reply_to_message": earlier}),
    );
    the_group_reply(bot, asked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_command_with_bot_name_gets_threaded_reply() {
    let bot = Bot::start().await;
    // Another bot's command is not ours.
    bot.group(parent(PARENT), json!({"text": "/relief@SomeOtherBot"}));
    let asked = bot.group(parent(PARENT), json!({"text": "/relief@CrampCareBot"}));
    let (reply, engine) = the_group_reply(bot, asked).await;
    let relief = engine.topic("relief-now").unwrap();
    assert_eq!(reply.text(), render(&relief, Size::Compact)[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_message_from_another_bot_is_ignored() {
    let other = json!({"id": 777, "is_bot": true, "first_name": "Echo", "username": "EchoBot"});
    assert_group_ignores(
        other,
        json!({"text": "@CrampCareBot calf cramp, what do I do?"}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_unaddressed_emergency_gets_reply() {
    let bot = Bot::start().await;
    let text = "help my son had a seizure and is not breathing";
    let asked = bot.group(parent(PARENT), json!({ "text": text }));
    let (reply, _) = the_group_reply(bot, asked).await;
    // The action comes first.
    assert!(reply.text().starts_with("🚨 <b>"), "{}", reply.text());
    assert!(reply.text().contains("911"), "{}", reply.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_link_start_opens_topic() {
    let bot = Bot::start().await;
    bot.private(PARENT, "/start relief-now");
    bot.private(OTHER_PARENT, "/start no-such-topic");
    bot.fake
        .wait("both answers", |f| {
            !f.sent(PARENT).is_empty() && !f.sent(OTHER_PARENT).is_empty()
        })
        .await;
    let engine = Arc::clone(&bot.engine);
    let fake = bot.stop().await;
    let relief = engine.topic("relief-now").unwrap();
    assert_eq!(fake.sent(PARENT)[0].text(), render(&relief, Size::Full)[0]);
    assert_eq!(
        fake.sent(OTHER_PARENT)[0].text(),
        render(&engine.welcome(), Size::Full)[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sticker_in_private_gets_text_note_and_edits_are_ignored() {
    let bot = Bot::start().await;
    let sticker = json!({"sticker": {
        "file_id": "f1", "file_unique_id": "u1", "type": "regular",
        "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "😀"
    }});
    let id = bot.fake.message_id();
    bot.fake.push(vec![message(
        id,
        private_chat(PARENT),
        parent(PARENT),
        sticker.clone(),
    )]);
    let mut edited = message(
        id + 1,
        private_chat(PARENT),
        parent(PARENT),
        json!({"text": "calf cramp", "edit_date": now()}),
    );
    edited = json!({ "edited_message": edited["message"].clone() });
    bot.fake.push(vec![edited]);
    // In a group, a sticker is left alone.
    bot.group(parent(PARENT), sticker);
    bot.fake
        .wait("the note", |f| !f.sent(PARENT).is_empty())
        .await;
    let fake = bot.stop().await;
    let sent = fake.sent(PARENT);
    assert_eq!(sent.len(), 1, "the edit must not be answered: {sent:#?}");
    assert!(
        sent[0].text().starts_with(&english().not_text),
        "{}",
        sent[0].text()
    );
    assert!(!sent[0].buttons().is_empty(), "the menu is missing");
    assert!(fake.sent(GROUP).is_empty());
}

/// A copy of the knowledge base whose relief-now steps are each repeated until the topic is
/// several messages long.
fn long_knowledge() -> (tempfile::TempDir, Knowledge) {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/en");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let relief = dir.path().join("relief.toml");
    let mut doc: toml::Table = std::fs::read_to_string(&relief).unwrap().parse().unwrap();
    for topic in doc["topic"].as_array_mut().unwrap() {
        if topic["id"].as_str() == Some("relief-now") {
            for step in topic["steps"].as_array_mut().unwrap() {
                let long = format!("{} ", step.as_str().unwrap()).repeat(15);
                *step = toml::Value::String(long.trim_end().to_owned());
            }
        }
    }
    std::fs::write(&relief, toml::to_string(&doc).unwrap()).unwrap();
    let k = Knowledge::load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, k)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_answer_is_split_within_the_limit() {
    let (_dir, k) = long_knowledge();
    let bot = Bot::with(Engines::one(Engine::new(k, Practice::default()))).await;
    bot.private(PARENT, "/relief");
    let expected = render(&bot.engine.topic("relief-now").unwrap(), Size::Full);
    assert!(expected.len() >= 2, "the topic is not long enough");
    let n = expected.len();
    bot.fake
        .wait("every part", |f| f.sent(PARENT).len() == n)
        .await;
    let fake = bot.stop().await;
    let sent = fake.sent(PARENT);
    let texts: Vec<&str> = sent.iter().map(Call::text).collect();
    assert_eq!(texts, expected);
    for m in &sent {
        assert!(visible_len(m.text()) <= MAX_MESSAGE);
    }
    // The keyboard goes under the last part only.
    assert!(sent[..n - 1].iter().all(|m| m.buttons().is_empty()));
    assert!(!sent[n - 1].buttons().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_429_delivers_exactly_once() {
    let bot = Bot::start().await;
    bot.fake.script(
        "sendMessage",
        StatusCode::TOO_MANY_REQUESTS,
        json!({"ok": false, "error_code": 429,
               "description": "Too Many Requests: retry after 1",
               "parameters": {"retry_after": 1}}),
    );
    bot.private(PARENT, "calf cramp at night");
    bot.fake
        .wait("the retried answer", |f| !f.sent(PARENT).is_empty())
        .await;
    // Long enough for a wrong second retry to show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let fake = bot.stop().await;
    let tries = fake.calls("sendMessage");
    assert_eq!(tries.len(), 2, "{tries:#?}");
    assert!(!tries[0].ok && tries[1].ok);
    assert!(
        tries[1].at.duration_since(tries[0].at) >= Duration::from_millis(950),
        "retried before retry_after"
    );
    assert_eq!(fake.sent(PARENT).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_from_one_chat_gets_one_slow_down_note() {
    let bot = Bot::start().await;
    let limit = options().flood.messages as usize;
    let mut burst: Vec<Value> = (0..30)
        .map(|i| {
            message(
                bot.fake.message_id(),
                private_chat(PARENT),
                parent(PARENT),
                json!({ "text": format!("calf cramp again {i}") }),
            )
        })
        .collect();
    burst.insert(
        15,
        message(
            bot.fake.message_id(),
            private_chat(OTHER_PARENT),
            parent(OTHER_PARENT),
            json!({"text": "what foods help with cramps?"}),
        ),
    );
    bot.fake.push(burst);
    bot.fake
        .wait("the answers and the note", |f| {
            f.sent(PARENT).len() > limit && !f.sent(OTHER_PARENT).is_empty()
        })
        .await;
    let fake = bot.stop().await;
    let sent = fake.sent(PARENT);
    let notes = sent
        .iter()
        .filter(|m| m.text().contains("faster than I can answer"))
        .count();
    assert_eq!(notes, 1, "{sent:#?}");
    assert_eq!(sent.len(), limit + 1, "answers plus the note");
    let other = fake.sent(OTHER_PARENT);
    assert_eq!(other.len(), 1);
    assert!(!other[0].text().contains("faster than I can answer"));
}

/// The binary, run in a directory of its own: its default store (`./crampcare.db`) is never one that
/// another test, or another build of CrampCare, wrote.
fn crampcare() -> Process {
    let dir = tempfile::tempdir().expect("a temporary directory").keep();
    let mut p = Process::new(env!("CARGO_BIN_EXE_crampcare"));
    p.env_remove("TELOXIDE_TOKEN")
        .env_remove("TELOXIDE_API_URL")
        .current_dir(dir);
    p
}

#[test]
fn missing_token_exits_2_with_how_to() {
    let out = crampcare().arg("run").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "crampcare: error: TELOXIDE_TOKEN is not set; create a bot with @BotFather and run: \
         TELOXIDE_TOKEN=123456:ABC... crampcare run"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn malformed_token_exits_2_without_printing_it() {
    for bad in ["secretvalue", "123456:secret value", "abc:secretvalue"] {
        let out = crampcare()
            .arg("run")
            .env("TELOXIDE_TOKEN", bad)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("TELOXIDE_TOKEN=123456:ABC... crampcare run"));
        assert!(!stderr.contains(bad), "{stderr}");
        assert!(!stderr.contains("secretvalue") && !stderr.contains("secret value"));
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_token_exits_2_without_printing_it() {
    let (fake, url, server) = Fake::start().await;
    fake.script(
        "getMe",
        StatusCode::UNAUTHORIZED,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
    );
    let out = tokio::task::spawn_blocking(move || {
        crampcare()
            .arg("run")
            .env("TELOXIDE_TOKEN", "123456:AAsecretSECRETsecret")
            .env("TELOXIDE_API_URL", url)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.abort();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Telegram rejected TELOXIDE_TOKEN"),
        "{stderr}"
    );
    assert!(!stderr.contains("AAsecretSECRETsecret"), "{stderr}");
    assert_eq!(fake.calls("getMe").len(), 1);
}

/// Runs the binary against the fake server with one question queued, waits for the answer, sends
/// SIGTERM, and returns the exit code and stderr. Each run has a store of its own: the fake
/// server numbers updates from 1 again, and a shared store would take them for ones answered.
#[cfg(unix)]
async fn run_binary_once(extra: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (fake, url, server) = Fake::start().await;
    fake.push(vec![message(
        fake.message_id(),
        private_chat(PARENT),
        parent(PARENT),
        json!({"text": "my daughter gets calf cramps at night"}),
    )]);
    let mut child = crampcare()
        .current_dir(dir.path())
        .arg("run")
        .args(extra)
        .env("TELOXIDE_TOKEN", "123456:AAsecretSECRETsecret")
        .env("TELOXIDE_API_URL", url)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    fake.wait("the answer", |f| !f.sent(PARENT).is_empty())
        .await;
    let killed = Process::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("crampcare run did not stop on SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    server.abort();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut stderr).unwrap();
    }
    (status.code(), stderr)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_logs_one_line_per_update_and_stops_on_sigterm() {
    let (code, stderr) = run_binary_once(&[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let answered: Vec<&str> = stderr.lines().filter(|l| l.contains("answered")).collect();
    assert_eq!(answered.len(), 1, "{stderr}");
    for field in ["chat=\"private\"", "topics=", "urgency=", "ms="] {
        assert!(
            answered[0].contains(field),
            "{field} missing: {}",
            answered[0]
        );
    }
    assert!(
        !stderr.contains("calf cramps at night"),
        "text logged: {stderr}"
    );
    assert!(
        !stderr.contains("AAsecretSECRETsecret"),
        "token logged: {stderr}"
    );

    let (code, stderr) = run_binary_once(&["--log-text"]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("calf cramps at night"), "{stderr}");
    assert!(
        !stderr.contains("AAsecretSECRETsecret"),
        "token logged: {stderr}"
    );
}

/// The English `[messages]`: the texts an English-speaking parent sees.
fn english() -> crampcare::engine::knowledge::Messages {
    crampcare::engine::Knowledge::builtin()
        .expect("built-in knowledge")
        .messages
}

// Issue 12: a Spanish-speaking parent, end to end.

/// A parent whose Telegram app is in Spanish.
const ES_PARENT: i64 = 2001;

/// English headline words: none may show in a reply to a Spanish-speaking parent.
const ENGLISH_HEADLINES: &[&str] = &["Call", "EMERGENCY", "Here is what can help", "Relief now"];

/// Fails, naming the reply and the word, if a Spanish reply carries an English headline word.
fn assert_no_english(replies: &[Call]) {
    for r in replies {
        for word in ENGLISH_HEADLINES {
            assert!(
                !r.text().contains(word),
                "English {word:?} in a Spanish reply:\n{}",
                r.text()
            );
            for (label, _) in r.buttons() {
                assert!(
                    !label.contains(word),
                    "English {word:?} on a button: {label}"
                );
            }
        }
    }
}

/// The Spanish engine.
fn spanish(engines: &Engines) -> &Engine {
    engines.get("es").expect("Spanish is a built-in language")
}

/// The first message of a reply as the bot sends it.
fn first(reply: &crampcare::engine::Reply, size: Size) -> String {
    render(reply, size).swap_remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_speaking_parent_gets_spanish_replies_buttons_check_and_deep_link() {
    let bot = Bot::start().await;
    let engines = Arc::clone(&bot.engines);
    let es = spanish(&engines);
    let ana = || parent_in(ES_PARENT, "es");

    // A question in Spanish: the answer in Spanish, its buttons in Spanish and marked with it.
    let question = "mi hijo tiene calambres en la pantorrilla en la noche, que hago?";
    bot.private_from(ES_PARENT, ana(), question);
    let answer = bot.nth(ES_PARENT, 1, "the answer").await;
    let (engine, expected) = engines.answer(question, None, Some("es"));
    assert_eq!(engine.language().code, "es");
    assert_eq!(answer.text(), first(&expected, Size::Full));
    let buttons = answer.buttons();
    let labels: Vec<&str> = buttons.iter().map(|(l, _)| l.as_str()).collect();
    let wanted: Vec<&str> = expected
        .follow_ups
        .iter()
        .map(|f| f.label.as_str())
        .collect();
    assert_eq!(labels, wanted);
    assert!(labels.contains(&es.knowledge().messages.check_label.as_str()));
    assert!(
        buttons.iter().all(|(_, d)| d.starts_with("es/")),
        "{buttons:?}"
    );

    // A topic button answers in Spanish.
    let (_, topic) = buttons
        .iter()
        .find(|(_, d)| d.starts_with("es/t:"))
        .expect("a topic button")
        .clone();
    bot.press_from(ES_PARENT, ana(), "cb-es-1", &topic);
    let opened = bot.nth(ES_PARENT, 2, "the topic").await;
    let (engine, expected) = engines.follow(&topic).expect("the button's topic");
    assert_eq!(engine.language().code, "es");
    assert_eq!(opened.text(), first(&expected, Size::Full));

    // The guided check, in Spanish, on Spanish buttons.
    bot.private_from(ES_PARENT, ana(), "/serious");
    let q1 = bot.nth(ES_PARENT, 3, "question 1").await;
    let check = engines.tag(es, es.follow(&crampcare::engine::check::start()).unwrap());
    assert_eq!(q1.text(), first(&check, Size::Full));
    let m = &es.knowledge().messages;
    let labels: Vec<String> = q1.buttons().into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, [m.yes.clone(), m.no.clone()]);
    let no = q1.buttons()[1].1.clone();
    assert!(no.starts_with("es/c:"), "{no}");
    bot.press_from(ES_PARENT, ana(), "cb-es-2", &no);
    let q2 = bot.nth(ES_PARENT, 4, "question 2").await;
    assert_eq!(
        q2.text(),
        first(&engines.follow(&no).unwrap().1, Size::Full)
    );

    // A deep link opens the topic in Spanish.
    bot.private_from(ES_PARENT, ana(), "/start relief-now");
    let linked = bot.nth(ES_PARENT, 5, "the deep link").await;
    let relief = engines.tag(es, es.topic("relief-now").unwrap());
    assert_eq!(linked.text(), first(&relief, Size::Full));
    assert!(linked.buttons().iter().all(|(_, d)| d.starts_with("es/")));

    // The same parent writing in English is answered in English.
    let english_question = "my son gets calf cramps at night, what can I do?";
    bot.private_from(ES_PARENT, ana(), english_question);
    let in_english = bot.nth(ES_PARENT, 6, "the English answer").await;
    let engine = Arc::clone(&bot.engine);
    let fake = bot.stop().await;
    assert_eq!(
        in_english.text(),
        first(&engine.answer(english_question), Size::Full)
    );
    assert!(in_english.buttons().iter().all(|(_, d)| !d.contains('/')));
    assert_eq!(fake.calls("answerCallbackQuery").len(), 2);
    assert_no_english(&fake.sent(ES_PARENT)[..5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idioma_buttons_set_spanish_for_the_chat_even_for_an_ambiguous_message() {
    let bot = Bot::start().await;
    let engines = Arc::clone(&bot.engines);
    let es = spanish(&engines);
    // An app without a language: English until the chat chooses.
    // Said in either language; its words do not tell which.
    let ambiguous = "hi";
    assert_eq!(
        engines.detect(ambiguous),
        crampcare::engine::Detected::Unclear,
        "the message must not tell its language"
    );
    bot.private(PARENT, "/idioma");
    let prompt = bot.nth(PARENT, 1, "the prompt").await;
    let expected = crampcare::telegram::language::prompt(&engines, engines.default_engine());
    assert_eq!(prompt.text(), first(&expected, Size::Full));
    let buttons = prompt.buttons();
    assert_eq!(
        buttons,
        engines
            .all()
            .iter()
            .map(|e| (
                e.language().name.clone(),
                format!("l:{}", e.language().code)
            ))
            .collect::<Vec<_>>()
    );
    let (label, data) = buttons.iter().find(|(_, d)| d == "l:es").unwrap().clone();
    assert_eq!(label, "Español");
    bot.press_from(PARENT, parent(PARENT), "cb-idioma", &data);
    let set = bot.nth(PARENT, 2, "the choice confirmed").await;
    let expected = crampcare::telegram::language::set(&engines, es);
    assert_eq!(set.text(), first(&expected, Size::Full));
    assert!(set.buttons().iter().all(|(_, d)| d.starts_with("es/")));

    // From now on, in Spanish: a message whose words do not tell, a command.
    bot.private(PARENT, ambiguous);
    let reply = bot.nth(PARENT, 3, "the ambiguous message's answer").await;
    let (engine, expected) = engines.answer(ambiguous, Some("es"), None);
    assert_eq!(engine.language().code, "es");
    assert_eq!(reply.text(), first(&expected, Size::Full));
    assert_ne!(
        reply.text(),
        first(&engines.default_engine().answer(ambiguous), Size::Full),
        "the choice must show"
    );
    bot.private(PARENT, "/relief");
    let relief = bot.nth(PARENT, 4, "the topic").await;
    assert_eq!(
        relief.text(),
        first(&es.topic("relief-now").unwrap(), Size::Full)
    );

    // And back: /language, English.
    bot.private(PARENT, "/language");
    let prompt = bot.nth(PARENT, 5, "the prompt in Spanish").await;
    assert!(
        prompt
            .text()
            .starts_with(&es.knowledge().messages.language_prompt),
        "{}",
        prompt.text()
    );
    bot.press_from(PARENT, parent(PARENT), "cb-language", "l:en");
    bot.nth(PARENT, 6, "English again").await;
    bot.private(PARENT, ambiguous);
    let again = bot.nth(PARENT, 7, "the ambiguous message in English").await;
    let fake = bot.stop().await;
    assert_eq!(
        again.text(),
        first(&engines.default_engine().answer(ambiguous), Size::Full)
    );
    assert_eq!(fake.calls("answerCallbackQuery").len(), 2);
    assert_no_english(&fake.sent(PARENT)[1..5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_emergency_in_a_group_is_threaded_and_answered_in_spanish() {
    let bot = Bot::start().await;
    let engines = Arc::clone(&bot.engines);
    let text = "ayuda mi hijo se desmayo despues del partido y no respira";
    let asked = bot.group(parent_in(ES_PARENT, "es"), json!({ "text": text }));
    let (reply, _) = the_group_reply(bot, asked).await;
    let (engine, expected) = engines.answer(text, None, Some("es"));
    assert_eq!(engine.language().code, "es");
    assert_eq!(expected.level, crampcare::engine::Level::Emergency);
    assert_eq!(reply.text(), first(&expected, Size::Compact));
    assert!(reply.text().starts_with("🚨 <b>"), "{}", reply.text());
    assert!(reply.text().contains("911"), "{}", reply.text());
    assert_no_english(&[reply]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_are_registered_in_every_language() {
    let bot = Bot::start().await;
    let engines = Arc::clone(&bot.engines);
    let fake = bot.stop().await;
    let calls = fake.calls("setMyCommands");
    assert_eq!(calls.len(), engines.all().len(), "{calls:#?}");
    for (call, engine) in calls.iter().zip(engines.all()) {
        let code = call.body["language_code"].as_str();
        if std::ptr::eq(engine, engines.default_engine()) {
            assert_eq!(code, None, "the default list has no language_code");
        } else {
            assert_eq!(code, Some(engine.language().code.as_str()));
        }
        let sent: Vec<(String, String)> = call.body["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["command"].as_str().unwrap().to_owned(),
                    c["description"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let menu: Vec<(String, String)> =
            crampcare::telegram::commands::Command::menu_in(&engine.knowledge().messages)
                .into_iter()
                .map(|c| (c.command, c.description))
                .collect();
        assert_eq!(sent, menu);
        assert!(sent.iter().any(|(c, _)| c == "language"));
        assert!(!sent.iter().any(|(c, _)| c == "idioma"));
    }
    let es = calls
        .iter()
        .find(|c| c.body["language_code"] == "es")
        .expect("a Spanish list");
    let relief = es.body["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == "relief")
        .unwrap();
    assert_eq!(
        relief["description"],
        spanish(&engines).knowledge().messages.command_relief
    );
}
