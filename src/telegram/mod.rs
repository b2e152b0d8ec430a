//! The Telegram adapter: updates in, engine calls, HTML messages out. The only module that uses
//! teloxide and tokio; the engine stays pure and synchronous.
//!
//! [`run`] is `crampcare run`: it checks `TELOXIDE_TOKEN` (and `TELOXIDE_API_URL`), sets up
//! logging to stderr with the token redacted, and long-polls until SIGINT or SIGTERM.
//! [`run_with`] is the same bot for any [`Bot`] and any shutdown signal, which is how the tests
//! drive it against a fake Bot API.
//!
//! - [`listen`]: long polling that confirms an update only once the inbox keeps it;
//! - [`inbox`]: the workers, a bounded number of updates taken from the inbox at a time;
//! - [`schema`]: the dptree tree, what is answered and what is not;
//! - [`answer`]: the endpoints, what is said, flood checks and the log line per update;
//! - [`send`]: keyboards, chunks, retries;
//! - [`pace`]: Telegram's rate limits, kept before each message is sent;
//! - [`flood`]: per-chat flood control;
//! - [`commands`]: the command list;
//! - [`language`]: the chat's choice of language and the `/language` buttons;
//! - [`outreach`]: subscribe, unsubscribe, forget, an admin's broadcast and report, counters;
//! - [`outbox`]: the loop that sends queued broadcasts in the pacer's spare turns;
//! - [`token`]: the token check and its redaction.

pub mod answer;
pub mod commands;
pub mod flood;
pub mod inbox;
pub mod language;
pub mod listen;
pub mod outbox;
pub mod outreach;
pub mod pace;
pub mod schema;
pub mod send;
pub mod token;

use std::future::Future;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use teloxide::adaptors::throttle::Limits;
use teloxide::payloads::SetMyCommandsSetters;
use teloxide::requests::{Request, Requester};
use teloxide::types::UpdateKind;
use teloxide::{ApiError, Bot, RequestError};

use crate::day;
use crate::engine::Engines;
use crate::outreach::outbox::Policy;
use crate::outreach::tip::Tip;
use crate::store::{Sqlite, Store};
use commands::Command;
use flood::{Flood, FloodLimit};
use pace::Pace;
use send::{with_retry, Retry};

/// How the bot runs. The defaults suit production; tests shorten the waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Log the text of each message (`--log-text`). Off by default: parents' messages are private.
    pub log_text: bool,
    /// How long one getUpdates call waits for news (long polling).
    pub poll_timeout: Duration,
    /// Telegram's rate limits, kept by [`pace::Pace`].
    pub limits: Limits,
    /// How many messages one chat may send per window.
    pub flood: FloodLimit,
    /// Retries of failed requests.
    pub retry: Retry,
    /// How many updates are held in memory at once (`--updates-in-memory`); the rest wait in the
    /// inbox. Also the most replies a crash can send twice.
    pub in_memory: usize,
}

/// Telegram's documented overall limit: about 30 messages a second.
pub const DEFAULT_MESSAGES_PER_SECOND: u32 = 30;
/// The most Telegram allows a bot, with paid broadcasts: 1000 messages a second.
pub const MAX_MESSAGES_PER_SECOND: u32 = 1000;

impl Options {
    /// These options with at most `n` messages a second overall (`--max-messages-per-second`,
    /// clamped to 1..=[`MAX_MESSAGES_PER_SECOND`]), for a bot whose limits Telegram raised. The
    /// per-chat limits are left as they are (by default Telegram's one message a second per chat):
    /// a higher overall rate serves more chats at once, not one chat faster.
    #[must_use]
    pub fn max_messages_per_second(self, n: u32) -> Options {
        Options {
            limits: Limits {
                messages_per_sec_overall: n.clamp(1, MAX_MESSAGES_PER_SECOND),
                ..self.limits
            },
            ..self
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            log_text: false,
            poll_timeout: Duration::from_secs(10),
            limits: Limits {
                messages_per_sec_overall: DEFAULT_MESSAGES_PER_SECOND,
                ..Limits::default()
            },
            flood: FloodLimit::default(),
            retry: Retry::default(),
            in_memory: usize::from(inbox::DEFAULT_IN_MEMORY),
        }
    }
}

/// Practice outreach: the store, who the admins are, the scheduled tips, and how the outbox sends.
#[derive(Debug, Clone)]
pub struct Outreach {
    /// Consent, the outbox and the counters.
    pub store: Arc<dyn Store>,
    /// Telegram user ids allowed to `/broadcast` and `/report`.
    pub admins: Vec<u64>,
    /// The `[[tip]]` entries of the config.
    pub tips: Vec<Tip>,
    /// Retries and sends in flight.
    pub policy: Policy,
    /// How often the outbox looks for due rows when it has nothing to do.
    pub tick: Duration,
}

impl Outreach {
    /// Outreach on `store`, with no admins and no tips.
    #[must_use]
    pub fn new(store: Arc<dyn Store>) -> Outreach {
        Outreach {
            store,
            admins: Vec::new(),
            tips: Vec::new(),
            policy: Policy::default(),
            tick: Duration::from_millis(500),
        }
    }
}

impl Default for Outreach {
    /// A store in memory: subscriptions and counters last as long as the process.
    fn default() -> Self {
        Outreach::new(Arc::new(Sqlite::memory()))
    }
}

/// What every handler shares besides the engine: the options and the flood counts.
#[derive(Debug)]
pub struct State {
    /// The options the bot runs with.
    pub options: Options,
    /// Per-chat message counts.
    pub flood: Flood,
    /// When each chat may be sent its next message.
    pub pace: Pace,
    /// The store and the practice's outreach settings.
    pub outreach: Outreach,
    /// Counters waiting to be written to the store (by the outbox loop).
    pub tally: crate::outreach::counter::Tally,
    token: Arc<str>,
}

impl State {
    /// State for a bot with this token (kept only to redact it).
    #[must_use]
    pub fn new(options: Options, token: &str) -> State {
        State::with_outreach(options, token, Outreach::default())
    }

    /// State for a bot with this token and these outreach settings.
    #[must_use]
    pub fn with_outreach(options: Options, token: &str, outreach: Outreach) -> State {
        State {
            options,
            flood: Flood::new(options.flood),
            pace: Pace::new(options.limits),
            outreach,
            tally: crate::outreach::counter::Tally::default(),
            token: Arc::from(token),
        }
    }

    /// `text` with the token redacted, for logs.
    #[must_use]
    pub fn redact(&self, text: &str) -> String {
        token::redact(text, &self.token)
    }
}

/// `crampcare run`: checks the environment, then runs the bot until SIGINT or SIGTERM.
///
/// # Errors
/// `TELOXIDE_TOKEN` is missing or malformed, `TELOXIDE_API_URL` is not a URL, the store cannot be
/// opened (locked, read-only, damaged), Telegram rejected the
/// token or could not be reached at start. No message contains the token.
pub fn run(
    engines: Engines,
    options: Options,
    outreach: impl FnOnce() -> anyhow::Result<Outreach>,
) -> anyhow::Result<()> {
    let raw = std::env::var_os(token::TOKEN_VAR);
    let token = match raw.as_ref().map(|v| v.to_str()) {
        None => token::check(None)?,
        Some(None) => return Err(token::TokenError::Malformed.into()),
        Some(Some(v)) => token::check(Some(v))?,
    }
    .to_owned();
    let api_url = match std::env::var(token::API_URL_VAR) {
        Ok(u) if !u.trim().is_empty() => Some(
            url::Url::parse(u.trim())
                .map_err(|e| anyhow!("{} is not a valid URL: {e}", token::API_URL_VAR))?,
        ),
        _ => None,
    };
    // The store is opened once the token is known to be there: a missing token creates no file.
    let outreach = outreach()?;
    init_tracing(&token);
    limit_malloc_arenas();
    // Two workers whatever the machine: the bot mostly waits on Telegram, and each worker thread
    // costs a stack and, with glibc, a malloc arena of its own. Tokio's default is one per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let mut bot = Bot::new(token);
        if let Some(url) = api_url {
            bot = bot.set_api_url(url);
        }
        run_with_outreach(bot, Arc::new(engines), options, outreach, signals()).await
    })
}

/// Runs the bot with long polling until `shutdown` completes, then stops gracefully: no new
/// updates are taken, and the ones being answered are finished.
///
/// On start it checks the token with getMe and registers the commands with setMyCommands, once
/// per language (a failure there is logged, not fatal).
///
/// # Errors
/// getMe failed: Telegram rejected the token or could not be reached.
pub async fn run_with(
    bot: Bot,
    engines: Arc<Engines>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_with_outreach(bot, engines, options, Outreach::default(), shutdown).await
}

/// [`run_with`] with the practice's store, admins and tips. The outbox is sent while the bot
/// runs; on shutdown it stops taking rows and finishes the sends in flight.
///
/// # Errors
/// getMe failed: Telegram rejected the token or could not be reached.
pub async fn run_with_outreach(
    bot: Bot,
    engines: Arc<Engines>,
    options: Options,
    outreach: Outreach,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = Arc::new(State::with_outreach(options, bot.token(), outreach));
    let retry = options.retry;

    let me = with_retry("getMe", &retry, || bot.get_me().send())
        .await
        .map_err(|send::SendError::Failed { error, .. }| start_error(&error, &state))?;
    tracing::info!(
        bot = me.user.username.as_deref().unwrap_or_default(),
        topics = engines.default_engine().knowledge().topics.len(),
        languages = engines.all().len(),
        "connected to Telegram"
    );
    register_commands(&bot, &engines, &state).await;

    let webhook = with_retry("getWebhookInfo", &retry, || bot.get_webhook_info().send()).await;
    if webhook.is_ok_and(|w| w.url.is_some()) {
        if let Err(e) = with_retry("deleteWebhook", &retry, || bot.delete_webhook().send()).await {
            return Err(anyhow!(
                "a webhook is set and could not be removed: {}",
                state.redact(&e.to_string())
            ));
        }
    }

    // Before anything is taken: old rows dropped, the rows left over ranked by urgency.
    let (store, eng) = (Arc::clone(&state.outreach.store), Arc::clone(&engines));
    match tokio::task::spawn_blocking(move || inbox::start(store.as_ref(), &eng, day::now())).await
    {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "could not prepare the inbox"),
        Err(_) => tracing::error!("preparing the inbox panicked"),
    }

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let news = Arc::new(tokio::sync::Notify::new());
    let (lane_tx, lane_rx) = tokio::sync::mpsc::channel(options.in_memory.max(1));
    let outbox = tokio::spawn(outbox::run(
        bot.clone(),
        Arc::clone(&state),
        Arc::clone(&engines),
        me.user.username.clone().unwrap_or_default(),
        stop_rx.clone(),
    ));
    let workers = tokio::spawn(inbox::run(
        inbox::Workers {
            bot: bot.clone(),
            me,
            engines,
            state: Arc::clone(&state),
        },
        Arc::clone(&news),
        lane_rx,
        stop_rx.clone(),
    ));
    let listener = tokio::spawn(listen::run(bot, Arc::clone(&state), news, lane_tx, stop_rx));
    shutdown.await;
    tracing::info!("shutting down: finishing the replies in progress");
    let _ = stop_tx.send(true);
    let _ = listener.await;
    let _ = workers.await;
    let _ = outbox.await;
    tracing::info!("stopped");
    Ok(())
}

/// setMyCommands: the default list, in the default language's words, then one list per other
/// language with its `language_code` ("es") and its descriptions, which Telegram shows to users
/// whose app is in that language. A failure is logged, not fatal: the commands still work.
async fn register_commands(bot: &Bot, engines: &Engines, state: &State) {
    let retry = state.options.retry;
    for (i, engine) in engines.all().iter().enumerate() {
        let menu = Command::menu_in(&engine.knowledge().messages);
        let code = &engine.language().code;
        let set = with_retry("setMyCommands", &retry, || {
            let req = bot.set_my_commands(menu.clone());
            let req = if i == 0 {
                req
            } else {
                req.language_code(code.clone())
            };
            req.send()
        })
        .await;
        if let Err(e) = set {
            tracing::warn!(
                error = %state.redact(&e.to_string()),
                lang = code.as_str(),
                "could not register the commands"
            );
        }
    }
}

fn start_error(e: &RequestError, state: &State) -> anyhow::Error {
    match e {
        RequestError::Api(ApiError::InvalidToken) => anyhow!(
            "Telegram rejected {} (Unauthorized); get a new token from @BotFather",
            token::TOKEN_VAR
        ),
        _ => anyhow!(
            "cannot reach the Telegram Bot API: {}",
            state.redact(&e.to_string())
        ),
    }
}

/// Caps glibc's malloc arenas at two. glibc gives each thread that allocates an arena of its own
/// (up to eight per core) and keeps what was freed in it; the bot's threads (two workers, the
/// inbox's writer, the blocking pool's store calls) all parse and render updates. Measured under a
/// 10,000-update backlog: peak RSS 32.4 MB against 33.9 MB with 64 updates in memory, 28.9 against
/// 30.3 with 16 (README, "Crash runs and the backlog").
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of the allocator; it is called before the runtime starts
    // any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (`docker stop`, systemd).
async fn signals() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    () = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// Logs to stderr, `RUST_LOG` or `info`, with the token redacted from every line.
fn init_tracing(token: &str) {
    // teloxide's dispatcher logs an update it cannot parse whole, message text included: off by
    // default, like the text itself (`--log-text`). RUST_LOG overrides.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,teloxide::dispatching::dispatcher=off")
    });
    // Already set (a host program did it): keep theirs.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(token::RedactingStderr::new(token))
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// The kind of an update, for the log line of an ignored one.
fn kind(kind: &UpdateKind) -> &'static str {
    match kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::EditedMessage(_) => "edited_message",
        UpdateKind::ChannelPost(_) => "channel_post",
        UpdateKind::EditedChannelPost(_) => "edited_channel_post",
        UpdateKind::CallbackQuery(_) => "callback_query",
        UpdateKind::InlineQuery(_) => "inline_query",
        UpdateKind::MyChatMember(_) => "my_chat_member",
        UpdateKind::ChatMember(_) => "chat_member",
        _ => "other",
    }
}
