//! The load run: the real `crampcare run` binary against the fake Bot API on 127.0.0.1.
//!
//! Ignored by default; run it on a release build:
//!
//! ```sh
//! cargo test --release --test integration load -- --ignored --nocapture
//! ```
//!
//! 10,000 updates from 1,000 chats (600 private, 200 basic groups, 200 supergroups), ten per
//! chat, with parent messages from `tests/data/eval.toml`. Group updates all address the bot: a
//! mention, a reply to one of its messages, or a command such as `/relief@CrampCareBot`. The bot
//! runs with `--max-messages-per-second 1000` (Telegram's ceiling with paid broadcasts); the
//! per-chat limit stays at Telegram's one message a second, and ten updates a chat stay under the
//! flood limit of twelve a minute.
//!
//! The fake server releases the updates round-robin over the chats at an offered rate (1,000 a
//! second by default, so each chat sends one a second, as fast as Telegram lets the bot answer
//! it), or all at once with `CRAMPCARE_LOAD_RATE=0` (a backlog, as after downtime; latency is
//! then mostly per-chat pacing). It reports updates per second, the latency from the moment an
//! update is handed out in getUpdates to the moment the fake server receives its reply's
//! sendMessage (the last one, for replies in several parts), and the bot's idle and peak RSS
//! from `/proc/<pid>/status`. It fails unless every update was answered exactly once, with the
//! text the engine gives for it. The bot logs at `info` to a file (one line per update, counted
//! as a cross-check); `CRAMPCARE_LOAD_LOG=warn` measures without that line;
//! `CRAMPCARE_LOAD_BIN=path/to/crampcare` runs another build (an older commit) for a before/after.
//!
//! Bounded: a fixed number of updates, loopback only, a deadline after which the bot is killed
//! and the run fails.

use std::collections::HashMap;
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use teloxide::types::{Me, Message};

use crampcare::engine::{Engine, Practice};
use crampcare::render::telegram::{render, Size};
use crampcare::telegram::answer::reply;
use crampcare::telegram::schema::{command, group_emergency, text_for_bot, Ask};

use crate::fake_api::{bot_user, me, message, now, parent, private_chat, Call, Fake, BOT_NAME};
use crate::util::{status_kb, Running};

const CHATS: usize = 1000;
const PRIVATE_CHATS: usize = 600;
const PER_CHAT: usize = 10;
const UPDATES: usize = CHATS * PER_CHAT;
/// The overall send rate the bot is allowed (`--max-messages-per-second`).
const MAX_MESSAGES_PER_SECOND: u32 = 1000;
/// Updates released per second unless `CRAMPCARE_LOAD_RATE` says otherwise (0: all at once).
const DEFAULT_RATE: u64 = 1000;
/// How long the bot may take to answer everything once the last update is released.
const GRACE: Duration = Duration::from_secs(60);
/// How long to wait after the last expected reply for a duplicate to show up.
const SETTLE: Duration = Duration::from_millis(500);
const COMMANDS: [&str; 5] = ["relief", "foods", "causes", "doctor", "serious"];

/// One update of the run and what the bot must answer to it.
struct Planned {
    update: Value,
    chat: i64,
    message_id: i64,
    group: bool,
    /// The HTML messages of the reply, in order.
    expected: Vec<String>,
}

/// The chat of chat number `n`: private first, then basic groups, then supergroups.
fn chat(n: usize) -> Value {
    let n64 = n as i64;
    if n < PRIVATE_CHATS {
        private_chat(50_000_000 + n64)
    } else if n < PRIVATE_CHATS + (CHATS - PRIVATE_CHATS) / 2 {
        json!({"id": -(4_000_000 + n64), "type": "group", "title": format!("Class {n} parents")})
    } else {
        json!({"id": -1_001_000_000_000 - n64, "type": "supergroup", "title": format!("Team {n} parents")})
    }
}

/// What a group member writes to the bot, by the update's place in its chat: mentions, replies to
/// the bot and commands, in the proportions 4:4:2.
fn group_extra(fake: &Fake, k: usize, n: usize, text: &str, chat: &Value) -> Value {
    let addressed = text.starts_with('/') || text.contains('@');
    match k % 5 {
        0 | 2 if addressed => json!({ "text": text }),
        0 => json!({ "text": format!("@{BOT_NAME} {text}") }),
        2 => json!({ "text": format!("{text} @{}", BOT_NAME.to_lowercase()) }),
        1 | 3 => json!({
            "text": text,
            "reply_to_message": {
                "message_id": fake.message_id(), "date": now(), "chat": chat,
                "from": bot_user(), "text": "an earlier answer",
            },
        }),
        _ => json!({ "text": format!("/{}@{BOT_NAME}", COMMANDS[(n + k) % COMMANDS.len()]) }),
    }
}

/// The ask the bot's handler tree makes of a message, in the tree's order.
fn ask_of(msg: &Message, me: &Me, engine: &Arc<Engine>) -> Option<Ask> {
    command(msg.clone(), me.clone())
        .or_else(|| text_for_bot(msg.clone(), me.clone()))
        .or_else(|| group_emergency(msg.clone(), Arc::clone(engine)))
}

/// Every update of the run, in release order (round-robin over the chats), with its reply.
fn plan(fake: &Fake, engine: &Arc<Engine>) -> Vec<Planned> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/eval.toml");
    let text = std::fs::read_to_string(path).expect("tests/data/eval.toml");
    let cases = crampcare::eval::parse(path, &text, engine).expect("the eval set parses");
    let me: Me = serde_json::from_value(me()).expect("getMe's answer is a Me");
    let mut replies: HashMap<(bool, String), Vec<String>> = HashMap::new();
    let mut planned = Vec::with_capacity(UPDATES);
    for k in 0..PER_CHAT {
        for n in 0..CHATS {
            let i = k * CHATS + n;
            let text = cases[(i * 7919) % cases.len()].text.as_str();
            let chat = chat(n);
            let group = n >= PRIVATE_CHATS;
            let extra = if group {
                group_extra(fake, k, n, text, &chat)
            } else {
                json!({ "text": text })
            };
            let message_id = fake.message_id();
            let from = parent(70_000_000 + i as i64);
            let update = message(message_id, chat.clone(), from, extra);
            let msg: Message =
                serde_json::from_value(update["message"].clone()).expect("a valid message");
            let sent = msg.text().unwrap_or_default().to_owned();
            let expected = replies
                .entry((group, sent))
                .or_insert_with(|| {
                    let ask = ask_of(&msg, &me, engine)
                        .unwrap_or_else(|| panic!("update {i} does not address the bot"));
                    let size = if group { Size::Compact } else { Size::Full };
                    render(&reply(engine, &ask), size)
                })
                .clone();
            planned.push(Planned {
                update,
                chat: chat["id"].as_i64().unwrap_or_default(),
                message_id,
                group,
                expected,
            });
        }
    }
    planned
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// The `q`-quantile (nearest rank) of sorted durations, in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

/// Successful sendMessage calls, in the order they arrived.
fn sent_messages(fake: &Fake) -> Vec<Call> {
    let mut sent: Vec<Call> = fake
        .lock()
        .calls
        .iter()
        .filter(|c| c.method == "sendmessage" && c.ok)
        .cloned()
        .collect();
    sent.sort_by_key(|c| c.received);
    sent
}

fn sent_count(fake: &Fake) -> usize {
    fake.lock()
        .calls
        .iter()
        .filter(|c| c.method == "sendmessage" && c.ok)
        .count()
}

/// Matches the replies to the updates: in a group by the message they thread under, in a private
/// chat by order (a chat's updates are answered one after the other). Returns, per update, when
/// its last message arrived, and a description of every update not answered exactly once.
fn match_replies(planned: &[Planned], sent: &[Call]) -> (Vec<Option<Instant>>, Vec<String>) {
    let mut by_key: HashMap<(i64, Option<i64>), Vec<&Call>> = HashMap::new();
    for c in sent {
        let chat = c.chat().unwrap_or_default();
        // Private replies are not threaded; a threaded one there would be a bug, kept apart.
        by_key.entry((chat, c.reply_to())).or_default().push(c);
    }
    let mut done = vec![None; planned.len()];
    let mut problems = Vec::new();
    let mut cursor: HashMap<i64, usize> = HashMap::new();
    for (i, p) in planned.iter().enumerate() {
        let key = if p.group {
            (p.chat, Some(p.message_id))
        } else {
            (p.chat, None)
        };
        let all = by_key.get(&key).map_or(&[][..], Vec::as_slice);
        let got: &[&Call] = if p.group {
            all
        } else {
            let at = cursor.entry(p.chat).or_insert(0);
            let end = (*at + p.expected.len()).min(all.len());
            let got = &all[*at..end];
            *at = end;
            got
        };
        let texts: Vec<&str> = got.iter().map(|c| c.text()).collect();
        if texts == p.expected {
            done[i] = got.iter().map(|c| c.received).max();
        } else {
            problems.push(format!(
                "update {} (chat {}, message {}): expected {} message(s), got {}{}",
                i + 1,
                p.chat,
                p.message_id,
                p.expected.len(),
                texts.len(),
                if texts.len() == p.expected.len() {
                    " with other text"
                } else {
                    ""
                }
            ));
        }
    }
    // Whatever is left over in a private chat was sent once too often.
    for (chat, at) in cursor {
        let extra = by_key.get(&(chat, None)).map_or(0, Vec::len) - at;
        if extra > 0 {
            problems.push(format!(
                "chat {chat}: {extra} message(s) more than asked for"
            ));
        }
    }
    let planned_keys: std::collections::HashSet<(i64, Option<i64>)> = planned
        .iter()
        .map(|p| (p.chat, p.group.then_some(p.message_id)))
        .collect();
    for (key, calls) in &by_key {
        if !planned_keys.contains(key) {
            problems.push(format!(
                "{} message(s) answer nothing: {key:?}",
                calls.len()
            ));
        }
    }
    (done, problems)
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load run of about 15 s; run with --release -- --ignored --nocapture"]
async fn load_run_answers_every_update_once() {
    if cfg!(debug_assertions) {
        println!("warning: a debug build; the figures only mean something with --release");
    }
    let rate = std::env::var("CRAMPCARE_LOAD_RATE")
        .ok()
        .and_then(|r| r.parse::<u64>().ok())
        .unwrap_or(DEFAULT_RATE);
    let log = std::env::var("CRAMPCARE_LOAD_LOG").unwrap_or_else(|_| "info".to_owned());
    let (fake, url, server) = Fake::start().await;
    let engine = Arc::new(Engine::builtin(Practice::default()));
    let planned = plan(&fake, &engine);
    let expected_messages: usize = planned.iter().map(|p| p.expected.len()).sum();

    let dir = tempfile::tempdir().expect("a temporary directory");
    let log_path = dir.path().join("crampcare.log");
    let log_file = std::fs::File::create(&log_path).expect("the log file");
    // Another build of the binary (an older commit, for a before/after figure) when given.
    let binary = std::env::var("CRAMPCARE_LOAD_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_crampcare").to_owned());
    let child = Process::new(binary)
        .args([
            "run",
            "--max-messages-per-second",
            &MAX_MESSAGES_PER_SECOND.to_string(),
        ])
        .env("TELOXIDE_TOKEN", "123456:LOADtestLOADtest")
        .env("TELOXIDE_API_URL", &url)
        .env("RUST_LOG", &log)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .expect("crampcare run starts");
    let bot = Running(child);
    let pid = bot.0.id();

    fake.wait("the bot to start polling", |f| {
        f.lock().arrived.iter().any(|m| m == "getupdates")
    })
    .await;
    // Let the start-up settle (setMyCommands, the first long poll) before reading.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_kb = status_kb(pid, "VmRSS");

    // Release the updates: round-robin over the chats at `rate` a second, or all at once.
    let updates: Vec<Value> = planned.iter().map(|p| p.update.clone()).collect();
    let started = Instant::now();
    let feeder = {
        let fake = fake.clone();
        tokio::spawn(async move {
            if rate == 0 {
                fake.push(updates);
                return;
            }
            let mut pushed = 0;
            while pushed < updates.len() {
                let due = ((started.elapsed().as_secs_f64() * rate as f64) as usize + 1)
                    .min(updates.len());
                if due > pushed {
                    fake.push(updates[pushed..due].to_vec());
                    pushed = due;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let release = if rate == 0 {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(UPDATES as f64 / rate as f64)
    };
    let deadline = started + release + GRACE;
    while sent_count(&fake) < expected_messages {
        assert!(
            Instant::now() < deadline,
            "timed out: {} of {expected_messages} messages sent",
            sent_count(&fake)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Long enough for a duplicate to show up, then the peak, then SIGTERM.
    tokio::time::sleep(SETTLE).await;
    let peak_kb = status_kb(pid, "VmHWM");
    let rss_end_kb = status_kb(pid, "VmRSS");
    feeder.await.expect("the feeder finished");
    bot.terminate();
    let mut bot = bot;
    let stop_deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = bot.0.try_wait().expect("waiting on the bot") {
            break s;
        }
        assert!(
            Instant::now() < stop_deadline,
            "crampcare run did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    server.abort();
    let logged = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(status.success(), "crampcare run failed: {status}\n{logged}");

    // Every update answered exactly once, with the engine's text.
    let sent = sent_messages(&fake);
    let (done, problems) = match_replies(&planned, &sent);
    assert!(
        problems.is_empty(),
        "{} problem(s), the first ones:\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
    assert_eq!(sent.len(), expected_messages);
    let handed_out = fake.lock().handed_out.clone();
    assert_eq!(handed_out.len(), UPDATES, "not every update was handed out");
    let warnings = logged.lines().filter(|l| l.contains("WARN")).count();
    if log == "info" {
        let answered = logged.lines().filter(|l| l.contains("answered")).count();
        assert_eq!(answered, UPDATES, "one log line per update");
    }

    // Figures. Update ids are given in release order from 1.
    let mut latencies = Vec::with_capacity(UPDATES);
    let mut first_out = None::<Instant>;
    let mut last_reply = None::<Instant>;
    for (i, at) in done.iter().enumerate() {
        let out = handed_out[&(i as i64 + 1)];
        let at = at.expect("matched");
        latencies.push(at.saturating_duration_since(out));
        first_out = Some(first_out.map_or(out, |f| f.min(out)));
        last_reply = Some(last_reply.map_or(at, |l| l.max(at)));
    }
    latencies.sort();
    let span = last_reply
        .zip(first_out)
        .map_or(Duration::ZERO, |(l, f)| l.saturating_duration_since(f));
    let multi = planned.iter().filter(|p| p.expected.len() > 1).count();
    let groups = planned.iter().filter(|p| p.group).count();
    println!(
        "load run: {UPDATES} updates from {CHATS} chats ({PRIVATE_CHATS} private, {} groups), \
         {} group updates; offered {}; --max-messages-per-second {MAX_MESSAGES_PER_SECOND}; \
         RUST_LOG={log}",
        CHATS - PRIVATE_CHATS,
        groups,
        if rate == 0 {
            "all at once".to_owned()
        } else {
            format!("{rate} updates/s")
        },
    );
    println!(
        "answered: {UPDATES} updates exactly once ({} messages; {multi} replies in several parts); \
         {warnings} warning(s) logged",
        sent.len()
    );
    println!(
        "throughput: {:.0} updates/s ({:.2} s from the first update handed out to the last reply)",
        UPDATES as f64 / span.as_secs_f64(),
        span.as_secs_f64()
    );
    println!(
        "latency (handed out -> reply received): p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile_ms(&latencies, 0.50),
        quantile_ms(&latencies, 0.90),
        quantile_ms(&latencies, 0.99),
        quantile_ms(&latencies, 1.0),
    );
    println!(
        "bot RSS: idle {:.1} MB (VmRSS before the first update), peak {:.1} MB (VmHWM), \
         {:.1} MB at the end",
        mb(idle_kb),
        mb(peak_kb),
        mb(rss_end_kb)
    );
}

#[test]
fn run_rejects_an_out_of_range_message_rate() {
    for bad in ["0", "1001", "fast"] {
        let out = Process::new(env!("CARGO_BIN_EXE_crampcare"))
            .args(["run", "--max-messages-per-second", bad])
            .env("TELOXIDE_TOKEN", "123456:LOADtestLOADtest")
            .env("TELOXIDE_API_URL", "http://127.0.0.1:9/")
            .current_dir(tempfile::tempdir().expect("a temporary directory").keep())
            .output()
            .expect("crampcare runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--max-messages-per-second"), "{stderr}");
    }
}
