//! The command line: clap arguments in, engine calls, text out.
//!
//! Exit codes are a contract: 0 ok, 1 invalid input or data (a broken knowledge base, a bad eval
//! file, eval thresholds missed with `--strict`), 2 usage or environment errors (clap's own, a
//! missing token, an unreadable config). Errors go to stderr with their context.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::{Parser, Subcommand};
use serde_json::json;

mod outreach;

use crate::config::{self, Config};
use crate::engine::{sources, Engine, Engines, FollowUp, Kind, Knowledge, Level, Practice, Reply};
use crate::eval;
use crate::render::plain;

/// CrampCare: answers parents' questions about their children's muscle cramps.
#[derive(Debug, Parser)]
#[command(name = "crampcare", version, about, long_about = None)]
pub struct Cli {
    /// Use the knowledge base in DIR instead of the built-in one.
    #[arg(long, global = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// Read the practice's settings from FILE (default: ./crampcare.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The store (subscribers, broadcasts, counters); default `[store] path`, else ./crampcare.db.
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Read and answer in this language (en, es) instead of the message's own; for `kb`, the
    /// language to export.
    #[arg(long, global = true, value_name = "CODE")]
    pub lang: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer one message (or, with --json and no TEXT, one message per line of stdin).
    Ask {
        /// Print one JSON object per message instead of the reply text.
        #[arg(long)]
        json: bool,
        /// Show how the message was read: words, corrections, topic scores, red flags.
        #[arg(long, conflicts_with = "json")]
        explain: bool,
        /// The message; `serious` starts the guided "is this serious?" check.
        text: Option<String>,
    },
    /// Talk to the bot in the terminal.
    Chat,
    /// Validate the knowledge base and the config, and summarise them.
    Check,
    /// Export the loaded knowledge base.
    Kb {
        /// As JSON (the only format).
        #[arg(long, required = true)]
        json: bool,
    },
    /// Score the engine on a labelled set of messages.
    Eval {
        /// A TOML file of [[case]] entries.
        file: PathBuf,
        /// Exit 1 when top-1 accuracy is below 0.95 or any case is under-triaged.
        #[arg(long)]
        strict: bool,
        /// Print the figures only, no message: how a blind holdout is looked at while the engine
        /// changes.
        #[arg(long)]
        summary: bool,
    },
    /// Run the Telegram bot (long polling); the token comes from TELOXIDE_TOKEN.
    Run {
        /// Log the text of each message (off by default: parents' messages are private).
        #[arg(long)]
        log_text: bool,
        /// Send at most N messages a second overall. Telegram's documented limit is 30; a bot with
        /// paid broadcasts may send up to 1000. Each chat still gets at most one a second.
        #[arg(
            long,
            value_name = "N",
            default_value_t = crate::telegram::DEFAULT_MESSAGES_PER_SECOND,
            value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::telegram::MAX_MESSAGES_PER_SECOND))
        )]
        max_messages_per_second: u32,
        /// Hold at most N updates in memory at once; the rest wait in the store's inbox. Also the
        /// most replies a crash (kill -9, power cut) can send twice.
        #[arg(
            long,
            value_name = "N",
            default_value_t = crate::telegram::inbox::DEFAULT_IN_MEMORY,
            value_parser = clap::value_parser!(u16).range(1..=10_000)
        )]
        updates_in_memory: u16,
    },
    /// Queue a tip for every subscribed chat (the running bot sends it), or show the progress.
    Broadcast {
        /// The tip's text.
        #[arg(long, value_name = "TEXT", conflicts_with_all = ["topic", "status"])]
        text: Option<String>,
        /// A topic: its summary and a button that opens it.
        #[arg(long, value_name = "ID", conflicts_with = "status")]
        topic: Option<String>,
        /// Queue without asking for confirmation.
        #[arg(long)]
        yes: bool,
        /// Show each broadcast's progress: queued, sent, failed, unsubscribed.
        #[arg(long)]
        status: bool,
    },
    /// Weekly figures: questions, top topics, replies by level, not understood, subscribers.
    Report {
        /// From the week holding this day (YYYY-MM-DD); default: the last four weeks.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// As JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// As CSV.
        #[arg(long)]
        csv: bool,
    },
    /// List every topic's deep link.
    Links {
        /// The bot's username (without it the links say YOUR_BOT).
        #[arg(long, value_name = "USERNAME")]
        bot: Option<String>,
    },
    /// Write a topic's deep link as a QR code (.svg or .png).
    Qr {
        /// The topic id.
        topic: String,
        /// The bot's username.
        #[arg(long, value_name = "USERNAME")]
        bot: String,
        /// The file to write: its extension picks SVG or PNG.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// A failure and the exit code it maps to.
#[derive(Debug)]
pub enum Failure {
    /// Invalid input or data: exit 1.
    Data(anyhow::Error),
    /// Usage or environment: exit 2.
    Usage(anyhow::Error),
}

impl Failure {
    /// The process exit code.
    #[must_use]
    pub fn code(&self) -> i32 {
        match self {
            Failure::Data(_) => 1,
            Failure::Usage(_) => 2,
        }
    }

    /// The error with its context chain.
    #[must_use]
    pub fn error(&self) -> &anyhow::Error {
        match self {
            Failure::Data(e) | Failure::Usage(e) => e,
        }
    }
}

/// Runs a parsed command line.
///
/// # Errors
/// See [`Failure`].
pub fn run(cli: Cli) -> Result<(), Failure> {
    let config = config_file(cli.config.as_deref())?;
    let languages = knowledge(cli.knowledge.as_deref())?;
    let practice = config.practice.clone();
    if let Some(code) = &cli.lang {
        if !languages.iter().any(|k| k.language.code == *code) {
            let codes: Vec<&str> = languages.iter().map(|k| k.language.code.as_str()).collect();
            return Err(Failure::Usage(anyhow!(
                "--lang {code}: the knowledge base has no such language (it has {})",
                codes.join(", ")
            )));
        }
    }
    for k in &languages {
        config
            .check_topics(k)
            .map_err(|e| Failure::Usage(e.into()))?;
    }
    // The language the command works in: --lang, else the default (English).
    let pick = |languages: &[Knowledge]| -> usize {
        cli.lang
            .as_deref()
            .and_then(|c| languages.iter().position(|k| k.language.code == c))
            .unwrap_or(0)
    };
    let at = pick(&languages);
    let db = outreach::store_path(cli.db.as_deref(), &config);
    match cli.command {
        Command::Check => {
            let tips: std::collections::BTreeSet<&str> =
                config.tips.iter().map(|t| t.id.as_str()).collect();
            let mut out = String::new();
            for k in &languages {
                out.push_str(&format!("== {} ({})\n", k.language.name, k.language.code));
                out.push_str(&summary(k, &practice));
            }
            let gaps = crate::engine::knowledge::parity(&languages);
            if languages.len() > 1 {
                out.push_str(&format!("parity: {} gap(s)\n", gaps.len()));
            }
            out.push_str(&format!(
                "outreach: {} admin(s), {} scheduled tip(s), store {}\n",
                config.admins.len(),
                tips.len(),
                db.display()
            ));
            emit(&out)?;
            if gaps.is_empty() {
                Ok(())
            } else {
                Err(Failure::Data(anyhow!(
                    "the languages differ:\n{}",
                    gaps.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                )))
            }
        }
        Command::Broadcast {
            text,
            topic,
            yes,
            status,
        } => {
            let store = outreach::open(&db)?;
            if status {
                return outreach::status(&store);
            }
            outreach::broadcast(&store, &languages[at], text, topic, yes)
        }
        Command::Report { since, json, csv } => {
            outreach::report(&outreach::open(&db)?, since.as_deref(), json, csv)
        }
        Command::Links { bot } => outreach::links(&languages[at], bot.as_deref()),
        Command::Qr { topic, bot, out } => outreach::qr(&languages[at], &topic, &bot, &out),
        Command::Kb { .. } => {
            let out = serde_json::to_string_pretty(&languages[at])
                .map_err(|e| Failure::Data(e.into()))?;
            emit(&format!("{out}\n"))
        }
        Command::Ask {
            json,
            explain,
            text,
        } => {
            let engines = Engines::from_knowledge(languages, &practice);
            let lang = cli.lang.as_deref();
            if let (true, Some(t)) = (explain, &text) {
                let (engine, _) = read(&engines, lang, t);
                let s = engines.scores(t);
                let bits: Vec<String> = engines
                    .all()
                    .iter()
                    .zip(&s.bits)
                    .map(|(e, b)| format!("{} {b:.1}", e.language().code))
                    .collect();
                emit(&format!(
                    "language: {} (bits: {}; {} of {} words unread)\n{}\n",
                    engine.language().code,
                    bits.join(", "),
                    s.unread,
                    s.words,
                    engine.explain(t)
                ))?;
            }
            match (text, json) {
                (Some(t), false) => emit(&format!(
                    "{}\n",
                    plain::render(&ask(&engines, lang, None, &t).1)
                )),
                (Some(t), true) => emit(&format!("{}\n", json_line(&engines, lang, &t))),
                (None, true) => batch(&engines, lang).or_else(quiet_pipe),
                (None, false) => Err(Failure::Usage(anyhow!(
                    "`crampcare ask` needs a TEXT, or --json to read messages from stdin"
                ))),
            }
        }
        Command::Chat => {
            let engines = Engines::from_knowledge(languages, &practice);
            let lang = cli.lang.as_deref();
            chat(&engines, lang, io::stdin().lock(), &mut io::stdout().lock()).or_else(quiet_pipe)
        }
        Command::Eval {
            file,
            strict,
            summary,
        } => {
            let engines = Engines::from_knowledge(languages, &practice);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))
                .map_err(Failure::Usage)?;
            let cases = eval::parse(&file.display().to_string(), &text, engines.default_engine())
                .map_err(|e| Failure::Data(e.into()))?;
            let report = eval::run_languages(&engines, cli.lang.as_deref(), &cases);
            if summary {
                emit(&format!("{}\n", report.summary()))?;
            } else {
                emit(&format!("{report}\n"))?;
            }
            if strict && (report.top1() < 0.95 || !report.under_triage().is_empty()) {
                return Err(Failure::Data(anyhow!(
                    "eval below the bar: top-1 {:.3} (needs 0.95), {} under-triaged",
                    report.top1(),
                    report.under_triage().len()
                )));
            }
            Ok(())
        }
        Command::Run {
            log_text,
            max_messages_per_second,
            updates_in_memory,
        } => {
            let options = crate::telegram::Options {
                log_text,
                in_memory: usize::from(updates_in_memory),
                ..Default::default()
            }
            .max_messages_per_second(max_messages_per_second);
            let outreach = || {
                let store = crate::store::Sqlite::open(&db)?;
                Ok(crate::telegram::Outreach {
                    admins: config.admins.clone(),
                    tips: config.tips.clone(),
                    ..crate::telegram::Outreach::new(std::sync::Arc::new(store))
                })
            };
            // Every language of the knowledge base: each message is read in its own.
            let engines = Engines::from_knowledge(languages, &practice);
            crate::telegram::run(engines, options, outreach).map_err(Failure::Usage)
        }
    }
}

/// Writes to stdout. A closed pipe (`crampcare kb --json | head`) is the reader's choice, not an
/// error: stop quietly.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .or_else(quiet_pipe)
}

fn quiet_pipe(e: io::Error) -> Result<(), Failure> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Failure::Usage(
            anyhow::Error::new(e).context("cannot write the output"),
        ))
    }
}

fn config_file(path: Option<&Path>) -> Result<Config, Failure> {
    match path {
        Some(p) => config::load(p).map_err(|e| Failure::Usage(e.into())),
        None if Path::new(config::DEFAULT_FILE).is_file() => {
            config::load(Path::new(config::DEFAULT_FILE)).map_err(|e| Failure::Usage(e.into()))
        }
        None => Ok(Config::default()),
    }
}

/// Every language of the knowledge base: the built-in ones, or a folder's (`en/`, `es/`, or one
/// language in the folder itself). The default (English) first.
fn knowledge(dir: Option<&Path>) -> Result<Vec<Knowledge>, Failure> {
    let k = match dir {
        Some(d) => Knowledge::load_languages(d),
        None => Knowledge::builtin_languages(),
    };
    k.map_err(|e| Failure::Data(e.into()))
}

/// The engine that reads `text` and its analysis: `--lang`'s when given, else the message's own
/// language, else `chat` (the conversation's), else the default. `None`: a language CrampCare
/// does not read, with no red flag in any.
fn read<'e>(
    engines: &'e Engines,
    lang: Option<&str>,
    text: &str,
) -> (&'e Engine, Option<crate::engine::Analysis>) {
    match lang.and_then(|l| engines.get(l)) {
        Some(e) => (e, Some(e.analyse(text))),
        None => engines.analyse(text, None, None),
    }
}

/// `serious` (and `/serious`) start the guided check; anything else is a question. `chat` is the
/// conversation's language, for messages whose words do not tell.
fn ask<'e>(
    engines: &'e Engines,
    lang: Option<&str>,
    chat: Option<&str>,
    text: &str,
) -> (&'e Engine, Reply) {
    let preferred = match lang.and_then(|l| engines.get(l)) {
        Some(e) => e,
        None => engines.preferred(chat, None),
    };
    if let Some(r) = preferred.follow(text.trim()) {
        return (preferred, engines.tag(preferred, r));
    }
    match lang.and_then(|l| engines.get(l)) {
        Some(e) => (e, engines.tag(e, e.answer(text))),
        None => engines.answer(text, chat, None),
    }
}

fn json_line(engines: &Engines, lang: Option<&str>, text: &str) -> String {
    let (engine, analysis) = read(engines, lang, text);
    let Some(a) = analysis else {
        let reply = engines.other_language();
        return json!({
            "text": text,
            "lang": "other",
            "ask": "other",
            "asks": [],
            "unknown": [],
            "urgency": reply.level,
            "topics": [],
            "red_flags": [],
            "reply": plain::render(&reply),
        })
        .to_string();
    };
    let reply = engine.reply(&a);
    let k = engine.knowledge();
    let topics: Vec<_> = reply
        .topic_ids()
        .iter()
        .map(|id| {
            let idx = k.topics.iter().position(|t| t.id == *id);
            let score = idx
                .and_then(|i| a.matches.ranked.iter().find(|m| m.topic == i))
                .map_or(0.0, |m| (f64::from(m.score) * 1000.0).round() / 1000.0);
            json!({
                "id": id,
                "kind": idx.map_or(Kind::Doctor, |i| k.topics[i].kind),
                "score": score,
            })
        })
        .collect();
    let flags: Vec<&str> = a
        .triage
        .fired
        .iter()
        .map(|f| k.red_flags[f.flag].id.as_str())
        .collect();
    let asks: Vec<&str> = a.asked.iter().map(|x| k.asks[x.ask].id.as_str()).collect();
    json!({
        "text": text,
        "lang": engine.language().code,
        "ask": engine.ask_label(&a),
        "asks": asks,
        "unknown": a.unknown,
        "urgency": reply.level,
        "topics": topics,
        "red_flags": flags,
        "reply": plain::render(&reply),
    })
    .to_string()
}

fn batch(engines: &Engines, lang: Option<&str>) -> io::Result<()> {
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.split(b'\n') {
        let line = line?;
        let text = String::from_utf8_lossy(&line);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        writeln!(out, "{}", json_line(engines, lang, text))?;
    }
    out.flush()
}

/// The interactive loop: a reply, its follow-ups as numbered choices, a prompt. The conversation
/// speaks the language of the last message whose words tell (or `--lang`'s).
///
/// # Errors
/// Reading stdin or writing stdout failed.
pub fn chat(
    engines: &Engines,
    lang: Option<&str>,
    input: impl BufRead,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut speaking: Option<String> = lang.map(str::to_owned);
    let first = engines.preferred(lang, None);
    writeln!(out, "{}", first.knowledge().messages.chat_intro)?;
    let mut last: Option<Reply> = Some(engines.tag(first, first.welcome()));
    if let Some(r) = &last {
        show(out, r)?;
    }
    let quits = |text: &str| {
        engines.all().iter().any(|e| {
            e.knowledge()
                .messages
                .quit_words
                .split_whitespace()
                .any(|w| w.eq_ignore_ascii_case(text))
        })
    };
    for line in input.lines() {
        let line = line?;
        let text = line.trim();
        if quits(text) {
            break;
        }
        if text.is_empty() {
            write!(out, "> ")?;
            out.flush()?;
            continue;
        }
        let picked = text
            .parse::<usize>()
            .ok()
            .and_then(|n| last.as_ref()?.follow_ups.get(n.checked_sub(1)?))
            .or_else(|| sources_of(engines, last.as_ref()?, text))
            .and_then(|f| engines.follow(&f.token));
        let (engine, reply) = match picked {
            Some(r) => r,
            None => ask(engines, lang, speaking.as_deref(), text),
        };
        if lang.is_none() {
            if let crate::engine::Detected::Language(_) = engines.detect(text) {
                speaking = Some(engine.language().code.clone());
            }
        }
        show(out, &reply)?;
        last = Some(reply);
    }
    let goodbye = &engines
        .preferred(speaking.as_deref(), None)
        .knowledge()
        .messages
        .goodbye;
    writeln!(out, "\n{goodbye}")?;
    Ok(())
}

/// "sources" after a reply with a topic picks its Sources choice (issue 11); otherwise it is a
/// question like any other (the about topic answers it).
fn sources_of<'a>(engines: &Engines, last: &'a Reply, text: &str) -> Option<&'a FollowUp> {
    let label = |e: &Engine| text.eq_ignore_ascii_case(&e.knowledge().messages.sources_label);
    if !engines.all().iter().any(label) {
        return None;
    }
    // The token may carry its language first (`es/s:relief-now`).
    last.follow_ups.iter().find(|f| {
        let token = f.token.rsplit('/').next().unwrap_or(&f.token);
        token.starts_with(sources::PREFIX)
    })
}

fn show(out: &mut impl Write, reply: &Reply) -> io::Result<()> {
    writeln!(out, "\n{}", plain::render(reply))?;
    if !reply.follow_ups.is_empty() {
        writeln!(out, "\n{}", plain::choices(reply))?;
    }
    write!(out, "> ")?;
    out.flush()
}

/// What `crampcare check` prints: topics by kind, red flags by level, sources, the practice.
#[must_use]
pub fn summary(k: &Knowledge, p: &Practice) -> String {
    let mut s = String::from("knowledge base OK\n");
    s.push_str(&format!("topics: {}\n", k.topics.len()));
    for kind in Kind::ALL {
        let n = k.topics.iter().filter(|t| t.kind == kind).count();
        s.push_str(&format!("  {kind:<11}{n}\n"));
    }
    s.push_str(&format!("red flags: {}\n", k.red_flags.len()));
    for level in Level::ALL.iter().rev() {
        let n = k.red_flags.iter().filter(|f| f.level == *level).count();
        s.push_str(&format!("  {:<11}{n}\n", level.name()));
    }
    s.push_str(&format!("sources: {}\n", k.sources.len()));
    let synonyms: usize = k.lexicon.synonyms.values().map(Vec::len).sum();
    s.push_str(&format!("lexicon: {synonyms} synonyms\n"));
    s.push_str(&format!(
        "doctor line: {} (emergency number {})\n",
        p.doctor(&k.messages),
        p.emergency_number
    ));
    s
}
