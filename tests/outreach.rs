//! Practice outreach end to end: the real teloxide dispatcher and outbox against the fake Bot
//! API, on a real store file, with `crampcare broadcast` run as the built binary while the bot
//! runs (as a practice would).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use teloxide::adaptors::throttle::Limits;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crampcare::day::Day;
use crampcare::engine::{Engines, Practice};
use crampcare::outreach::outbox::Policy;
use crampcare::outreach::tip::Tip;
use crampcare::store::Body;
use crampcare::store::{ChatKind, Inbox, Sqlite, Store};
use crampcare::telegram::flood::FloodLimit;
use crampcare::telegram::send::Retry;
use crampcare::telegram::{run_with_outreach, Options, Outreach};

use crate::fake_api::{bot_user, message, now, parent, private_chat, Call, Fake, PATIENCE};
use crate::util::Cmd;

const ADMIN: i64 = 777;
const PARENT: i64 = 1001;
const GROUP: i64 = -100_777;

fn options() -> Options {
    Options {
        log_text: false,
        poll_timeout: Duration::from_secs(2),
        limits: Limits {
            messages_per_sec_chat: 100,
            messages_per_min_chat: 1000,
            messages_per_min_channel_or_supergroup: 1000,
            messages_per_sec_overall: 200,
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

/// A running bot on a store file, and its fake server.
struct Bot {
    fake: Fake,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    server: JoinHandle<()>,
    /// The test's own connection to the bot's store file.
    store: Sqlite,
    db: PathBuf,
    _dir: tempfile::TempDir,
}

impl Bot {
    async fn start() -> Bot {
        Bot::start_in(tempfile::tempdir().unwrap(), Vec::new(), options()).await
    }

    /// A bot on the store in `dir`, with these tips and options.
    async fn start_in(dir: tempfile::TempDir, tips: Vec<Tip>, options: Options) -> Bot {
        let store = Sqlite::open(&dir.path().join("crampcare.db")).unwrap();
        Bot::start_on(dir, store, tips, options).await
    }

    /// A bot on `store`, the file `crampcare.db` in `dir`.
    async fn start_on(
        dir: tempfile::TempDir,
        store: Sqlite,
        tips: Vec<Tip>,
        options: Options,
    ) -> Bot {
        let db = dir.path().join("crampcare.db");
        let (fake, url, server) = Fake::start().await;
        let bot_store = Arc::new(store);
        let outreach = Outreach {
            admins: vec![ADMIN as u64],
            tips,
            policy: Policy {
                attempts: 3,
                backoff: 1,
                max_backoff: 1,
                in_flight: 8,
            },
            tick: Duration::from_millis(100),
            ..Outreach::new(bot_store)
        };
        let engines = Arc::new(Engines::builtin(&Practice {
            name: Some("Sunny Pediatrics".to_owned()),
            ..Practice::default()
        }));
        let bot = teloxide::Bot::new("123456:TEST").set_api_url(url.parse().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(run_with_outreach(
            bot,
            engines,
            options,
            outreach,
            async move {
                let _ = stopped.await;
            },
        ));
        fake.wait("the bot to start polling", |f| {
            f.lock().arrived.iter().any(|m| m == "getupdates")
        })
        .await;
        Bot {
            fake,
            stop: Some(stop),
            task,
            server,
            store: Sqlite::open(&db).unwrap(),
            db,
            _dir: dir,
        }
    }

    /// Stops the bot and its fake server; the bot must stop in time and without an error.
    async fn shut_down(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let result = tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the bot did not stop in time")
            .expect("the bot task panicked");
        assert!(result.is_ok(), "run_with_outreach failed: {result:?}");
        self.server.abort();
    }

    /// Stops the bot; returns its fake server and the store's folder, to start again on it.
    async fn stop_keeping(mut self) -> (Fake, tempfile::TempDir) {
        self.shut_down().await;
        (self.fake.clone(), self._dir)
    }

    async fn stop(mut self) -> Fake {
        self.shut_down().await;
        self.fake.clone()
    }

    fn say(&self, chat: Value, from: i64, text: &str) {
        let id = self.fake.message_id();
        self.fake.push(vec![message(
            id,
            chat,
            parent(from),
            json!({ "text": text }),
        )]);
    }

    fn press(&self, chat: Value, from: i64, data: &str) {
        let shown = json!({
            "message_id": self.fake.message_id(), "date": now(), "chat": chat,
            "from": bot_user(), "text": "an earlier message",
        });
        // An app in British English: a tag of a language the bot reads, kept as the app's.
        let mut user = parent(from);
        user["language_code"] = json!("en-GB");
        let q = json!({
            "id": format!("q{}", self.fake.message_id()), "from": user,
            "chat_instance": "ci", "message": shown, "data": data,
        });
        self.fake.push(vec![json!({ "callback_query": q })]);
    }

    /// `crampcare broadcast ARGS --db <the store>` run as the built binary.
    fn broadcast(&self, args: &[&str]) -> crate::util::Run {
        let db = self.db.display().to_string();
        let mut all = vec!["--db", db.as_str(), "broadcast"];
        all.extend_from_slice(args);
        Cmd::new(all).ok()
    }
}

fn group_chat() -> Value {
    json!({"id": GROUP, "type": "supergroup", "title": "Parents of Class 3"})
}

fn last_to(fake: &Fake, chat: i64) -> Call {
    fake.sent(chat)
        .last()
        .cloned()
        .expect("a message to the chat")
}

fn button(call: &Call, label: &str) -> String {
    call.buttons()
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no {label} button: {:#?}", call.body))
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_asks_for_consent_and_records_the_yes_then_stop_ends_it() {
    let bot = Bot::start().await;
    bot.say(private_chat(PARENT), PARENT, "/subscribe");
    bot.fake
        .wait("the consent question", |f| !f.sent(PARENT).is_empty())
        .await;
    let ask = last_to(&bot.fake, PARENT);
    assert!(
        ask.text().contains("At most one tip a week"),
        "{}",
        ask.text()
    );
    assert!(ask.text().contains("never your messages"), "{}", ask.text());
    assert_eq!(
        bot.store.chat(PARENT).unwrap(),
        None,
        "nothing kept before the yes"
    );
    bot.press(
        private_chat(PARENT),
        PARENT,
        &button(&ask, "Yes, send me tips"),
    );
    bot.fake
        .wait("the confirmation", |f| f.sent(PARENT).len() == 2)
        .await;
    assert!(last_to(&bot.fake, PARENT)
        .text()
        .starts_with("Done: this chat will get Sunny Pediatrics"));
    let kept = bot.store.chat(PARENT).unwrap().expect("the chat is kept");
    assert!(kept.subscribed && kept.consent_at.is_some());
    assert_eq!(kept.language.as_deref(), Some("en-GB"));

    bot.say(private_chat(PARENT), PARENT, "/stop");
    bot.fake
        .wait("the goodbye", |f| f.sent(PARENT).len() == 3)
        .await;
    assert!(last_to(&bot.fake, PARENT).text().contains("no more tips"));
    assert!(!bot.store.chat(PARENT).unwrap().unwrap().subscribed);
    let fake = bot.stop().await;
    assert_eq!(fake.calls("answerCallbackQuery").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_group_admin_subscribes_the_group() {
    let bot = Bot::start().await;
    bot.fake.make_admin(GROUP, ADMIN);
    bot.say(group_chat(), PARENT, "/subscribe@CrampCareBot");
    bot.fake
        .wait("the refusal", |f| !f.sent(GROUP).is_empty())
        .await;
    assert_eq!(last_to(&bot.fake, GROUP).text(), english().admins_only);
    bot.say(group_chat(), ADMIN, "/subscribe");
    bot.fake
        .wait("the consent question", |f| f.sent(GROUP).len() == 2)
        .await;
    let ask = last_to(&bot.fake, GROUP);
    // A member pressing the admin's button does not subscribe the group either.
    bot.press(group_chat(), PARENT, &button(&ask, "Yes, send me tips"));
    bot.fake
        .wait("the refusal", |f| f.sent(GROUP).len() == 3)
        .await;
    assert_eq!(last_to(&bot.fake, GROUP).text(), english().admins_only);
    assert_eq!(bot.store.chat(GROUP).unwrap(), None);
    bot.press(group_chat(), ADMIN, &button(&ask, "Yes, send me tips"));
    bot.fake
        .wait("the confirmation", |f| f.sent(GROUP).len() == 4)
        .await;
    let kept = bot.store.chat(GROUP).unwrap().expect("the group is kept");
    assert!(kept.subscribed);
    assert_eq!(kept.kind, ChatKind::Group);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_reaches_500_subscribers_exactly_once_through_429s() {
    const N: i64 = 500;
    let bot = Bot::start().await;
    for chat in 1..=N {
        bot.store
            .subscribe(chat, ChatKind::Private, None, now())
            .unwrap();
    }
    // One sendMessage in five answers 429 (retry_after 1).
    bot.fake.throttle_every(5);
    let tip = "Heat wave this week: water before, during and after practice.";
    let out = bot.broadcast(&["--text", tip, "--yes"]);
    assert!(
        out.stdout.contains("queued broadcast 1 for 500 chats"),
        "{}",
        out.stdout
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let p = &bot.store.progress().unwrap()[0];
        if p.sent as i64 == N {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "stuck at {p:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = bot.broadcast(&["--status"]);
    let fake = bot.stop().await;
    let sends = fake.calls("sendMessage");
    let refused = sends.iter().filter(|c| !c.ok).count();
    assert!(
        refused >= (N / 5) as usize,
        "only {refused} 429s were injected"
    );
    for chat in 1..=N {
        let got = fake.sent(chat);
        assert_eq!(got.len(), 1, "chat {chat} got {} messages", got.len());
        assert!(
            got[0].text().contains("Heat wave this week"),
            "{}",
            got[0].text()
        );
        assert!(got[0].text().contains("A tip from Sunny Pediatrics"));
        assert!(got[0].text().contains("/unsubscribe"));
    }
    assert!(
        status
            .stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("      0     500       0")),
        "{}",
        status.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_that_blocked_the_bot_is_unsubscribed_and_the_others_still_get_the_tip() {
    let bot = Bot::start().await;
    for chat in [1, 2, 3] {
        bot.store
            .subscribe(chat, ChatKind::Private, None, now())
            .unwrap();
    }
    bot.fake.block(2);
    bot.broadcast(&["--topic", "relief-now", "--yes"]);
    bot.fake
        .wait("the tip to the others", |f| {
            !f.sent(1).is_empty() && !f.sent(3).is_empty()
        })
        .await;
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let p = &bot.store.progress().unwrap()[0];
        if p.queued == 0 {
            assert_eq!((p.sent, p.unsubscribed, p.failed), (2, 1, 0), "{p:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{p:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!bot.store.chat(2).unwrap().unwrap().subscribed);
    // A topic tip: its summary and a button that opens it.
    let tip = last_to(&bot.fake, 1);
    let url = tip.body["reply_markup"]["inline_keyboard"][0][0]["url"].clone();
    assert_eq!(url, "https://t.me/CrampCareBot?start=relief-now");
    // A second broadcast skips the blocked chat: it is no longer a subscriber.
    bot.broadcast(&["--text", "second", "--yes"]);
    bot.fake
        .wait("the second tip", |f| {
            f.sent(1).len() == 2 && f.sent(3).len() == 2
        })
        .await;
    let fake = bot.stop().await;
    let to_blocked = fake
        .calls("sendMessage")
        .iter()
        .filter(|c| c.chat() == Some(2))
        .count();
    assert_eq!(to_blocked, 1, "tried once, then never again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_deletes_every_row_about_the_chat() {
    let bot = Bot::start().await;
    for chat in [PARENT, PARENT + 1] {
        bot.store
            .subscribe(chat, ChatKind::Private, Some("en"), now())
            .unwrap();
    }
    bot.broadcast(&["--text", "a tip", "--yes"]);
    bot.fake
        .wait("the tip", |f| {
            f.sent(PARENT).len() == 1 && f.sent(PARENT + 1).len() == 1
        })
        .await;
    bot.say(private_chat(PARENT), PARENT, "/forget");
    bot.fake
        .wait("the confirmation", |f| f.sent(PARENT).len() == 2)
        .await;
    let said = last_to(&bot.fake, PARENT);
    assert!(
        said.text().starts_with("Done: I deleted everything"),
        "{}",
        said.text()
    );
    assert!(
        said.text().contains("(2 records"),
        "its chat row and its outbox row: {}",
        said.text()
    );
    assert_eq!(bot.store.chat(PARENT).unwrap(), None);
    let p = &bot.store.progress().unwrap()[0];
    assert_eq!(p.sent, 1, "the other chat's row is kept: {p:?}");
    assert!(
        bot.store.chat(PARENT + 1).unwrap().is_some(),
        "only that chat"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_previews_and_sends_a_broadcast_others_get_the_menu() {
    let bot = Bot::start().await;
    for chat in [1, 2] {
        bot.store
            .subscribe(chat, ChatKind::Private, None, now())
            .unwrap();
    }
    bot.say(
        private_chat(PARENT),
        PARENT,
        "/broadcast Free flu shots on Saturday",
    );
    bot.fake
        .wait("the menu", |f| !f.sent(PARENT).is_empty())
        .await;
    let menu = last_to(&bot.fake, PARENT);
    assert!(!menu.text().contains("Preview"), "{}", menu.text());
    assert!(menu.buttons().iter().any(|(l, _)| l == "Is this serious?"));

    bot.say(
        private_chat(ADMIN),
        ADMIN,
        "/broadcast School season: pack a water bottle",
    );
    bot.fake
        .wait("the preview", |f| !f.sent(ADMIN).is_empty())
        .await;
    let preview = last_to(&bot.fake, ADMIN);
    assert!(
        preview
            .text()
            .contains(&english().preview.replace("{n}", "2")),
        "{}",
        preview.text()
    );
    assert!(preview.text().contains("pack a water bottle"));
    // Nothing is sent before Send.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(bot.fake.sent(1).is_empty());
    bot.press(private_chat(ADMIN), ADMIN, &button(&preview, "Send"));
    bot.fake
        .wait("the tip", |f| f.sent(1).len() == 1 && f.sent(2).len() == 1)
        .await;
    assert!(last_to(&bot.fake, 1).text().contains("pack a water bottle"));
    // Pressing Send again does not send it twice.
    bot.press(private_chat(ADMIN), ADMIN, &button(&preview, "Send"));
    bot.fake
        .wait("the answer", |f| f.sent(ADMIN).len() == 3)
        .await;
    assert!(last_to(&bot.fake, ADMIN).text().contains("already sent"));

    // A cancelled preview sends nothing.
    bot.say(private_chat(ADMIN), ADMIN, "/broadcast never mind");
    bot.fake
        .wait("the preview", |f| f.sent(ADMIN).len() == 4)
        .await;
    let preview = last_to(&bot.fake, ADMIN);
    bot.press(private_chat(ADMIN), ADMIN, &button(&preview, "Cancel"));
    bot.fake
        .wait("the answer", |f| f.sent(ADMIN).len() == 5)
        .await;
    assert!(last_to(&bot.fake, ADMIN).text().contains("Cancelled"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fake = bot.stop().await;
    assert_eq!(fake.sent(1).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_are_counted_without_text_and_reported_to_admins() {
    let bot = Bot::start().await;
    bot.say(
        private_chat(PARENT),
        PARENT,
        "my son gets calf cramps at night",
    );
    bot.say(
        private_chat(PARENT + 1),
        PARENT + 1,
        "he had a seizure and is not breathing",
    );
    bot.fake
        .wait("the answers", |f| {
            !f.sent(PARENT).is_empty() && !f.sent(PARENT + 1).is_empty()
        })
        .await;
    let deadline = std::time::Instant::now() + PATIENCE;
    let counts = loop {
        let c = bot.store.counts("2000-01-01").unwrap();
        if c.iter().any(|c| c.name == "questions" && c.value == 2) {
            break c;
        }
        assert!(std::time::Instant::now() < deadline, "{c:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        counts.iter().any(|c| c.name == "level:emergency"),
        "{counts:?}"
    );
    assert!(
        counts.iter().any(|c| c.name.starts_with("topic:")),
        "{counts:?}"
    );
    // Nothing a parent wrote is in the store file.
    let bytes = std::fs::read(&bot.db).unwrap();
    let wal = std::fs::read(bot.db.with_extension("db-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        let text = String::from_utf8_lossy(file);
        assert!(!text.contains("calf cramps at night") && !text.contains("seizure"));
    }
    bot.say(private_chat(ADMIN), ADMIN, "/report");
    bot.fake
        .wait("the report", |f| !f.sent(ADMIN).is_empty())
        .await;
    let report = last_to(&bot.fake, ADMIN);
    assert!(
        report.text().contains("questions 2 (emergency 1"),
        "{}",
        report.text()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_refused_with_403_unsubscribes_the_chat() {
    let bot = Bot::start().await;
    bot.store
        .subscribe(PARENT, ChatKind::Private, None, now())
        .unwrap();
    bot.fake.block(PARENT);
    bot.say(private_chat(PARENT), PARENT, "calf cramp");
    let deadline = std::time::Instant::now() + PATIENCE;
    while bot.store.chat(PARENT).unwrap().unwrap().subscribed {
        assert!(std::time::Instant::now() < deadline, "still subscribed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bot.stop().await;
}

fn run_in(dir: &Path, args: &[&str]) -> crate::util::Run {
    Cmd::new(args).current_dir(dir).run()
}

#[test]
fn broadcast_without_yes_asks_and_a_no_queues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let r = Cmd::new(["broadcast", "--text", "hi"])
        .current_dir(dir.path())
        .stdin("n\n")
        .ok();
    assert!(
        r.stderr.contains("Send this to 0 subscribed chats? [y/N]"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("nothing queued"), "{}", r.stdout);
    let r = run_in(dir.path(), &["broadcast", "--status"]);
    assert_eq!(r.stdout, "no broadcasts yet\n");
    let r = run_in(
        dir.path(),
        &["broadcast", "--topic", "relief-noww", "--yes"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `relief-now`?"),
        "{}",
        r.stderr
    );
    let r = run_in(dir.path(), &["broadcast", "--yes"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("needs --text TEXT or --topic ID"),
        "{}",
        r.stderr
    );
    assert!(
        dir.path().join("crampcare.db").is_file(),
        "the default store path"
    );
}

#[test]
fn a_damaged_or_read_only_store_names_its_path_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("practice.db");
    std::fs::write(&db, "not a database at all\n".repeat(100)).unwrap();
    let db_arg = db.display().to_string();
    for args in [
        vec!["--db", db_arg.as_str(), "broadcast", "--status"],
        vec!["--db", db_arg.as_str(), "report"],
    ] {
        let r = run_in(dir.path(), &args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(&db_arg), "{}", r.stderr);
        assert!(r.stderr.contains("damaged"), "{}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    // `crampcare run` too, once the token is there, before reaching Telegram.
    let r = Cmd::new(["--db", db_arg.as_str(), "run"])
        .current_dir(dir.path())
        .env("TELOXIDE_TOKEN", "123456:AAtesttesttest")
        .env("TELOXIDE_API_URL", "http://127.0.0.1:9/")
        .run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&db_arg), "{}", r.stderr);

    let ro = dir.path().join("ro.db");
    let ro_arg = ro.display().to_string();
    run_in(
        dir.path(),
        &["--db", ro_arg.as_str(), "broadcast", "--status"],
    );
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).unwrap();
    let r = run_in(
        dir.path(),
        &["--db", ro_arg.as_str(), "broadcast", "--status"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&ro_arg) && r.stderr.contains("read-only"),
        "{}",
        r.stderr
    );
}

#[test]
fn store_path_comes_from_the_config_and_a_bad_config_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("crampcare.toml"),
        "[practice]\nname = \"Sunny\"\nadmins = [42]\n\n[store]\npath = \"sunny.db\"\n",
    )
    .unwrap();
    run_in(dir.path(), &["broadcast", "--status"]);
    assert!(dir.path().join("sunny.db").is_file());
    let r = run_in(dir.path(), &["check"]);
    assert!(
        r.stdout
            .ends_with("outreach: 1 admin(s), 0 scheduled tip(s), store sunny.db\n"),
        "{}",
        r.stdout
    );
    std::fs::write(
        dir.path().join("crampcare.toml"),
        "[practice]\nname = \"Sunny\"\n\n[[tip]]\nid = \"summer\"\ndate = \"2027-06-01\"\ntopic = \"relief-noww\"\n",
    )
    .unwrap();
    let r = run_in(dir.path(), &["check"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim(),
        "crampcare: error: crampcare.toml:7: [[tip]] \"summer\": field `topic` names topic \"relief-noww\", which does not exist (did you mean `relief-now`?)"
    );
    assert!(!r.stderr.contains("knowledge base"), "{}", r.stderr);
}

#[test]
fn report_links_and_qr_codes() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_in(dir.path(), &["report", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let weeks: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(weeks.as_array().unwrap().len(), 4, "the last four weeks");
    let r = run_in(dir.path(), &["report", "--csv", "--since", "2026-01-05"]);
    assert!(
        r.stdout.starts_with("week,questions,emergency,urgent"),
        "{}",
        r.stdout
    );
    let r = run_in(dir.path(), &["report", "--since", "last week"]);
    assert_eq!(r.code, 2);

    let r = run_in(dir.path(), &["links", "--bot", "@SunnyPedsBot"]);
    assert!(
        r.stdout
            .contains("https://t.me/SunnyPedsBot?start=relief-now"),
        "{}",
        r.stdout
    );
    let topics = crampcare::engine::Knowledge::builtin()
        .unwrap()
        .topics
        .len();
    assert_eq!(r.stdout.lines().count(), topics);

    for file in ["relief.svg", "relief.png"] {
        let r = run_in(
            dir.path(),
            &["qr", "relief-now", "--bot", "SunnyPedsBot", "--out", file],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let bytes = std::fs::read(dir.path().join(file)).unwrap();
        if file.ends_with("svg") {
            assert!(String::from_utf8_lossy(&bytes).contains("<svg"));
        } else {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        }
    }
    let r = run_in(
        dir.path(),
        &[
            "qr",
            "relief-now",
            "--bot",
            "SunnyPedsBot",
            "--out",
            "x.jpg",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".svg or .png"), "{}", r.stderr);
    let r = run_in(
        dir.path(),
        &[
            "qr",
            "releif-now",
            "--bot",
            "SunnyPedsBot",
            "--out",
            "x.svg",
        ],
    );
    assert!(
        r.stderr.contains("did you mean `relief-now`?"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_tip_is_sent_once_in_each_chats_language_also_across_restarts() {
    let today = Day::today();
    let tips = vec![
        Tip {
            id: "heat-wave".to_owned(),
            date: today,
            body: Body::Topic("relief-now".to_owned()),
            language: None,
        },
        Tip {
            id: "heat-wave".to_owned(),
            date: today,
            body: Body::Text("Ola de calor: agua antes, durante y despues.".to_owned()),
            language: Some("es".to_owned()),
        },
        Tip {
            id: "school".to_owned(),
            date: today.plus(30),
            body: Body::Text("not yet".to_owned()),
            language: None,
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Sqlite::open(&dir.path().join("crampcare.db")).unwrap();
        store
            .subscribe(1, ChatKind::Private, Some("es-MX"), now())
            .unwrap();
        store
            .subscribe(2, ChatKind::Private, Some("en"), now())
            .unwrap();
    }
    let bot = Bot::start_in(dir, tips.clone(), options()).await;
    bot.fake
        .wait("the tip", |f| f.sent(1).len() == 1 && f.sent(2).len() == 1)
        .await;
    let spanish = last_to(&bot.fake, 1);
    assert!(spanish.text().contains("Ola de calor"));
    // The practice's own words around it in the version's language too.
    let es = crampcare::engine::Knowledge::builtin_languages()
        .unwrap()
        .into_iter()
        .find(|k| k.language.code == "es")
        .expect("Spanish is a built-in language")
        .messages;
    let from = es.tip_from.replace("{practice}", "Sunny Pediatrics");
    assert!(spanish.text().contains(&from), "{}", spanish.text());
    assert!(!spanish.text().contains("A tip from"), "{}", spanish.text());
    assert!(last_to(&bot.fake, 2)
        .text()
        .contains("A tip from Sunny Pediatrics"));
    let (first, dir) = bot.stop_keeping().await;
    assert_eq!(first.sent(1).len(), 1);

    // Started again on the same store: the tip was queued already, so nothing more is sent.
    let bot = Bot::start_in(dir, tips, options()).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(bot.store.progress().unwrap().len(), 1, "queued once");
    let fake = bot.stop().await;
    assert!(fake.sent(1).is_empty() && fake.sent(2).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_during_a_broadcast_is_answered_first() {
    // A low overall rate, so that the broadcast's eight sends in flight would hold the next 1.6 s
    // if they booked ahead as replies do: 5 a second overall, 4 of them for the broadcast.
    let slow = Options {
        limits: Limits {
            messages_per_sec_overall: 5,
            ..Limits::default()
        },
        ..options()
    };
    let bot = Bot::start_in(tempfile::tempdir().unwrap(), Vec::new(), slow).await;
    for chat in 1..=40 {
        bot.store
            .subscribe(chat, ChatKind::Private, None, now())
            .unwrap();
    }
    bot.broadcast(&["--text", "a tip", "--yes"]);
    bot.fake
        .wait("the broadcast under way", |f| {
            f.calls("sendMessage").iter().filter(|c| c.ok).count() >= 6
        })
        .await;
    let asked = std::time::Instant::now();
    bot.say(
        private_chat(PARENT),
        PARENT,
        "calf cramp right now what do i do",
    );
    bot.fake
        .wait("the answer", |f| !f.sent(PARENT).is_empty())
        .await;
    let waited = asked.elapsed();
    let left = bot.store.progress().unwrap()[0].queued;
    assert!(
        left > 10,
        "the broadcast was over before the question: {left} left"
    );
    assert!(
        waited < Duration::from_millis(600),
        "the question waited {waited:?}"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_the_bot_unsubscribes_at_once() {
    let bot = Bot::start().await;
    bot.store
        .subscribe(PARENT, ChatKind::Private, None, now())
        .unwrap();
    let me =
        json!({"id": 4242, "is_bot": true, "first_name": "CrampCare", "username": "CrampCareBot"});
    bot.fake.push(vec![json!({"my_chat_member": {
        "chat": private_chat(PARENT), "from": parent(PARENT), "date": now(),
        "old_chat_member": {"status": "member", "user": me.clone()},
        "new_chat_member": {"status": "kicked", "user": me, "until_date": 0},
    }})]);
    let deadline = std::time::Instant::now() + PATIENCE;
    while bot.store.chat(PARENT).unwrap().unwrap().subscribed {
        assert!(std::time::Instant::now() < deadline, "still subscribed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let fake = bot.stop().await;
    assert!(
        fake.sent(PARENT).is_empty(),
        "nothing is said to a chat that blocked the bot"
    );
}

/// The offsets the bot confirmed with getUpdates, in order.
fn offsets(fake: &Fake) -> Vec<i64> {
    fake.calls("getUpdates")
        .iter()
        .filter_map(|c| c.body["offset"].as_i64())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_answers_from_memory_and_confirms_nothing_it_could_not_keep() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crampcare.db");
    let store = Sqlite::open_with(&db, Duration::from_millis(100)).unwrap();
    let bot = Bot::start_on(dir, store, Vec::new(), options()).await;
    // Another process holds the write lock: the bot cannot keep anything.
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    bot.say(
        private_chat(PARENT),
        PARENT,
        "my son gets calf cramps at night",
    );
    bot.fake
        .wait("the answer, from memory", |f| !f.sent(PARENT).is_empty())
        .await;
    // Long enough for the listener to try again (it pauses a second after a failure).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        offsets(&bot.fake).iter().all(|o| *o <= 1),
        "update 1 confirmed while it could not be kept: {:?}",
        offsets(&bot.fake)
    );
    other.execute_batch("ROLLBACK").unwrap();
    bot.fake
        .wait("the update confirmed once kept", |f| {
            offsets(f).contains(&2)
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bot.store.waiting().unwrap(), 0, "kept as done");
    let fake = bot.stop().await;
    assert_eq!(fake.sent(PARENT).len(), 1, "answered once");
}

/// Issue 12: a chat whose parent's app is in English chooses Spanish with /idioma; from then on
/// the consent, its buttons, the confirmation, the practice's broadcasts (the Spanish version, the
/// header, the topic and its button) and /forget are in Spanish, and /forget deletes the choice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_that_chose_spanish_gets_its_outreach_and_broadcasts_in_spanish() {
    let bot = Bot::start().await;
    let engines = Engines::builtin(&Practice {
        name: Some("Sunny Pediatrics".to_owned()),
        ..Practice::default()
    });
    let es = engines.get("es").expect("Spanish is a built-in language");
    let m = &es.knowledge().messages;
    let ben = || {
        let mut u = parent(PARENT);
        u["language_code"] = json!("en");
        u
    };
    let say = |text: &str| {
        let id = bot.fake.message_id();
        bot.fake.push(vec![message(
            id,
            private_chat(PARENT),
            ben(),
            json!({ "text": text }),
        )]);
    };
    let press = |data: &str| {
        let shown = json!({
            "message_id": bot.fake.message_id(), "date": now(), "chat": private_chat(PARENT),
            "from": bot_user(), "text": "an earlier message",
        });
        let q = json!({
            "id": format!("q{}", bot.fake.message_id()), "from": ben(),
            "chat_instance": "ci", "message": shown, "data": data,
        });
        bot.fake.push(vec![json!({ "callback_query": q })]);
    };
    let nth = |n: usize| {
        let fake = bot.fake.clone();
        async move {
            fake.wait("a message", |f| f.sent(PARENT).len() >= n).await;
            fake.sent(PARENT)[n - 1].clone()
        }
    };

    say("/idioma");
    nth(1).await;
    press("l:es");
    nth(2).await;
    assert_eq!(bot.store.language(PARENT).unwrap().as_deref(), Some("es"));

    say("/subscribe");
    let consent = nth(3).await;
    let practice = |t: &str| t.replace("{practice}", "Sunny Pediatrics");
    assert_eq!(
        consent.text(),
        crampcare::render::telegram::escape(&practice(&m.consent))
    );
    let labels: Vec<String> = consent.buttons().into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, [m.consent_yes.clone(), m.consent_no.clone()]);
    press(&button(&consent, &m.consent_yes));
    let done = nth(4).await;
    assert_eq!(
        done.text(),
        crampcare::render::telegram::escape(&practice(&m.subscribed))
    );
    let kept = bot.store.chat(PARENT).unwrap().expect("subscribed");
    assert_eq!(kept.language.as_deref(), Some("en"), "the app's language");

    // A topic broadcast: the header, the topic and its button in the language chosen.
    bot.broadcast(&["--topic", "relief-now", "--yes"]);
    let tip = nth(5).await;
    let topic = es.knowledge().topic("relief-now").unwrap();
    let from = practice(&m.tip_from);
    assert!(tip.text().contains(&from), "{}", tip.text());
    assert!(tip.text().contains(&topic.title), "{}", tip.text());
    assert!(tip.text().contains(&m.tip_footer), "{}", tip.text());
    let read_more = tip.body["reply_markup"]["inline_keyboard"][0][0]["text"].clone();
    assert_eq!(read_more, json!(m.read_more));

    say("/forget");
    let forgot = nth(6).await;
    // Its subscription, its outbox row and its language.
    assert_eq!(
        forgot.text(),
        crampcare::render::telegram::escape(&m.forgotten.replace("{n}", "3"))
    );
    assert_eq!(bot.store.language(PARENT).unwrap(), None);
    assert_eq!(bot.store.chat(PARENT).unwrap(), None);
    bot.stop().await;
}

/// The English `[messages]`: what the bot says to a chat whose language is English.
fn english() -> crampcare::engine::knowledge::Messages {
    crampcare::engine::Knowledge::builtin()
        .expect("built-in knowledge")
        .messages
}
