//! Broadcasts from the real `crampcare run` binary against the fake Bot API: a crash in the
//! middle (kill -9) and the figures (throughput, peak RSS). Both ignored by default; run them on
//! a release build:
//!
//! ```sh
//! cargo test --release --test integration broadcast_run -- --ignored --nocapture --test-threads 1
//! ```
//!
//! - `broadcast_run_crash_resumes_without_loss`: 2,000 subscribers, one broadcast, the bot killed
//!   with SIGKILL once about half were sent, restarted on the same store. Fails unless every chat
//!   got the tip and no more than the outbox's in-flight bound got it twice. The bot runs with
//!   `--max-messages-per-second 1000` (a minute less waiting; the crash path is the same).
//!   `CRAMPCARE_CRASH_RUNS` repeats it.
//! - `broadcast_run_figures`: `CRAMPCARE_SUBSCRIBERS` (10,000 by default) subscribers, one
//!   broadcast at `CRAMPCARE_RATE` messages a second (30, Telegram's default limit): throughput
//!   and the bot's peak RSS (VmHWM).
//!
//! Bounded: loopback only, a fixed number of chats, a deadline after which the bot is killed.

use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use crampcare::outreach::outbox::Policy;
use crampcare::store::{ChatKind, Sqlite, Store};

use crate::fake_api::Fake;
use crate::util::{status_kb, Cmd, Running};

const TIP: &str = "Summer sports start next week: a water bottle at every practice.";

/// Starts `crampcare run` on the store `db`, logging to `log` (appended: a restart adds to it).
pub fn start(db: &std::path::Path, url: &str, rate: u32, log: &std::path::Path) -> Running {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("the log file");
    let child = Process::new(env!("CARGO_BIN_EXE_crampcare"))
        .args(["--db", &db.display().to_string(), "run"])
        .args(["--max-messages-per-second", &rate.to_string()])
        .env("TELOXIDE_TOKEN", "123456:BROADCASTtest")
        .env("TELOXIDE_API_URL", url)
        .env("RUST_LOG", "info")
        .current_dir(db.parent().expect("a folder"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("crampcare run starts");
    Running(child)
}

/// Subscribes chats 1..=n and queues one broadcast with the binary.
fn prepare(db: &std::path::Path, n: i64) {
    let store = Sqlite::open(db).expect("the store");
    for chat in 1..=n {
        store
            .subscribe(chat, ChatKind::Private, None, crate::fake_api::now())
            .expect("subscribe");
    }
    let out = Cmd::new([
        "--db",
        &db.display().to_string(),
        "broadcast",
        "--text",
        TIP,
        "--yes",
    ])
    .ok();
    assert!(
        out.stdout.contains(&format!("for {n} chats")),
        "{}",
        out.stdout
    );
}

/// Successful sendMessage calls per chat 1..=n.
pub fn per_chat(fake: &Fake, n: i64) -> Vec<usize> {
    let mut counts = vec![0; n as usize + 1];
    for c in fake.lock().calls.iter() {
        if c.method == "sendmessage" && c.ok {
            if let Some(chat) = c.chat().filter(|c| (1..=n).contains(c)) {
                counts[chat as usize] += 1;
            }
        }
    }
    counts
}

pub fn sent(fake: &Fake) -> usize {
    fake.lock()
        .calls
        .iter()
        .filter(|c| c.method == "sendmessage" && c.ok)
        .count()
}

/// Waits until `done` holds; fails the test at `deadline`.
pub async fn wait_for(what: &str, deadline: Instant, done: impl Fn() -> bool) {
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a crash run of about 10 s; run with --release -- --ignored --nocapture"]
async fn broadcast_run_crash_resumes_without_loss() {
    const N: i64 = 2000;
    let runs: usize = std::env::var("CRAMPCARE_CRASH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let bound = Policy::default().in_flight;
    for run in 1..=runs {
        let (fake, url, server) = Fake::start().await;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("crampcare.db");
        let log = dir.path().join("crampcare.log");
        prepare(&db, N);
        let deadline = Instant::now() + Duration::from_secs(120);

        let mut bot = start(&db, &url, 1000, &log);
        wait_for("half the broadcast", deadline, || {
            sent(&fake) >= N as usize / 2
        })
        .await;
        bot.0.kill().expect("SIGKILL");
        bot.0.wait().expect("the bot died");
        let at_kill = sent(&fake);
        // Whatever was on the wire at the kill lands meanwhile.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before_restart = per_chat(&fake, N);

        let bot = start(&db, &url, 1000, &log);
        wait_for("every chat", deadline, || {
            per_chat(&fake, N)[1..].iter().all(|n| *n >= 1)
        })
        .await;
        // Long enough for a stray duplicate to show.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let status = bot.stop();
        server.abort();
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(status.success(), "crampcare run failed: {status}\n{logged}");

        let counts = per_chat(&fake, N);
        let missed = counts[1..].iter().filter(|n| **n == 0).count();
        let twice: Vec<usize> = (1..=N as usize).filter(|c| counts[*c] > 1).collect();
        let twice_before = twice.iter().filter(|c| before_restart[**c] > 0).count();
        let store = Sqlite::open(&db).expect("the store");
        let p = &store.progress().expect("progress")[0];
        println!(
            "crash run {run}: {N} subscribers, killed after {at_kill} sends; \
             missed {missed}, sent twice {} (in-flight bound {bound}); store: sent {}, queued {}",
            twice.len(),
            p.sent,
            p.queued
        );
        assert_eq!(missed, 0, "chats never reached");
        assert_eq!(
            twice_before,
            twice.len(),
            "a duplicate not sent before the kill"
        );
        assert!(
            twice.len() <= bound,
            "{} duplicates: {twice:?}",
            twice.len()
        );
        assert_eq!((p.sent as i64, p.queued), (N, 0));
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "about 6 minutes at 30 messages a second; run with --release -- --ignored --nocapture"]
async fn broadcast_run_figures() {
    let n: i64 = std::env::var("CRAMPCARE_SUBSCRIBERS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10_000);
    let rate: u32 = std::env::var("CRAMPCARE_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(crampcare::telegram::DEFAULT_MESSAGES_PER_SECOND);
    if cfg!(debug_assertions) {
        println!("warning: a debug build; the figures only mean something with --release");
    }
    let (fake, url, server) = Fake::start().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("crampcare.db");
    let log = dir.path().join("crampcare.log");
    let started = Instant::now();
    prepare(&db, n);
    println!(
        "{n} subscribers and one broadcast queued in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let bot = start(&db, &url, rate, &log);
    let pid = bot.0.id();
    let deadline = Instant::now() + Duration::from_secs(60 + (n as u64) * 2 / u64::from(rate));
    wait_for("the first send", deadline, || sent(&fake) > 0).await;
    let first = Instant::now();
    wait_for("every chat", deadline, || sent(&fake) >= n as usize).await;
    let span = first.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let peak_kb = status_kb(pid, "VmHWM");
    let status = bot.stop();
    server.abort();
    assert!(status.success(), "crampcare run failed: {status}");
    let counts = per_chat(&fake, n);
    assert!(counts[1..].iter().all(|c| *c == 1), "not exactly once");
    println!(
        "broadcast: {n} chats at --max-messages-per-second {rate}: {:.1} messages/s \
         ({:.1} s from the first send to the last); peak RSS {:.1} MB (VmHWM)",
        (n - 1) as f64 / span.as_secs_f64(),
        span.as_secs_f64(),
        peak_kb as f64 / 1024.0
    );
}
