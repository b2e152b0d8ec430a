//! A fake Telegram Bot API server on 127.0.0.1 (axum), shared by the Telegram tests and the load
//! run.
//!
//! [`Fake`] serves getMe, getWebhookInfo, deleteWebhook, getUpdates with long polling and offsets,
//! sendMessage, answerCallbackQuery, setMyCommands and getChatMember; method names are matched
//! case-insensitively, every call is recorded (with the moment it arrived), failures can be
//! scripted per method, and the first moment each update is handed out in getUpdates is kept. It
//! owns no bot: `telegram.rs` runs `crampcare::telegram::run_with` in-process against it, and
//! `load.rs` runs the `crampcare` binary.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub const BOT_ID: i64 = 4242;
pub const BOT_NAME: &str = "CrampCareBot";
/// How long any wait in these tests may take before it fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// One recorded Bot API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method, lowercase.
    pub method: String,
    /// The JSON body.
    pub body: Value,
    /// Whether it was answered with 200 OK.
    pub ok: bool,
    /// When it was answered.
    pub at: Instant,
    /// When its handler started (axum has read the body by then).
    pub received: Instant,
}

impl Call {
    pub fn chat(&self) -> Option<i64> {
        self.body["chat_id"].as_i64()
    }

    pub fn text(&self) -> &str {
        self.body["text"].as_str().unwrap_or_default()
    }

    pub fn reply_to(&self) -> Option<i64> {
        self.body["reply_parameters"]["message_id"].as_i64()
    }

    /// The callback data of every button, row by row.
    pub fn buttons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for row in self.body["reply_markup"]["inline_keyboard"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for b in row.as_array().into_iter().flatten() {
                out.push((
                    b["text"].as_str().unwrap_or_default().to_owned(),
                    b["callback_data"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
        out
    }
}

#[derive(Default)]
pub struct Inner {
    /// Updates not yet confirmed by an offset.
    updates: Vec<Value>,
    next_update: i64,
    next_message: i64,
    pub calls: Vec<Call>,
    /// Lowercase method names as requests arrive (calls are recorded when answered).
    pub arrived: Vec<String>,
    /// Scripted answers, per lowercase method, used before the normal ones.
    script: HashMap<String, VecDeque<(StatusCode, Value)>>,
    chats: HashMap<i64, Value>,
    /// The first moment each update (by update_id) was handed out in getUpdates.
    pub handed_out: HashMap<i64, Instant>,
    /// Chats whose user blocked the bot: sendMessage answers 403.
    blocked: std::collections::HashSet<i64>,
    /// Every n-th sendMessage answers 429 with retry_after 1 (0: never).
    throttle_every: u64,
    sends: u64,
    /// (chat, user) pairs for which getChatMember says "creator".
    admins: std::collections::HashSet<(i64, i64)>,
}

/// The fake Bot API server.
#[derive(Clone)]
pub struct Fake {
    inner: Arc<Mutex<Inner>>,
    news: Arc<Notify>,
}

impl Fake {
    pub async fn start() -> (Fake, String, JoinHandle<()>) {
        let fake = Fake {
            inner: Arc::new(Mutex::new(Inner {
                next_update: 1,
                next_message: 100,
                ..Inner::default()
            })),
            news: Arc::new(Notify::new()),
        };
        let app = Router::new()
            .route("/{*path}", post(api).get(api))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (fake, url, server)
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues updates (each `{"message": ..}`, `{"callback_query": ..}`...) in one go, so one
    /// getUpdates returns them all.
    pub fn push(&self, updates: Vec<Value>) {
        let mut inner = self.lock();
        for mut u in updates {
            for key in ["message", "edited_message"] {
                if let Some(chat) = u.get(key).map(|m| m["chat"].clone()) {
                    inner.chats.insert(chat["id"].as_i64().unwrap(), chat);
                }
            }
            u["update_id"] = json!(inner.next_update);
            inner.next_update += 1;
            inner.updates.push(u);
        }
        drop(inner);
        self.news.notify_waiters();
    }

    pub fn message_id(&self) -> i64 {
        let mut inner = self.lock();
        inner.next_message += 1;
        inner.next_message
    }

    /// From now on, sendMessage to `chat` answers 403 "bot was blocked by the user".
    pub fn block(&self, chat: i64) {
        self.lock().blocked.insert(chat);
    }

    /// From now on, every `n`-th sendMessage answers 429 with `retry_after` 1.
    pub fn throttle_every(&self, n: u64) {
        self.lock().throttle_every = n;
    }

    /// Makes `user` the creator of group `chat` (getChatMember).
    pub fn make_admin(&self, chat: i64, user: i64) {
        self.lock().admins.insert((chat, user));
    }

    /// The answer to a sendMessage, when a blocked chat or the throttle decides it.
    fn refuse(&self, body: &Value) -> Option<(StatusCode, Value)> {
        let mut inner = self.lock();
        let chat = body["chat_id"].as_i64().unwrap_or(0);
        if inner.blocked.contains(&chat) {
            return Some((
                StatusCode::FORBIDDEN,
                json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
            ));
        }
        inner.sends += 1;
        if inner.throttle_every > 0 && inner.sends % inner.throttle_every == 0 {
            return Some((
                StatusCode::TOO_MANY_REQUESTS,
                json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
                       "parameters": {"retry_after": 1}}),
            ));
        }
        None
    }

    fn chat_member(&self, body: &Value) -> Value {
        let chat = body["chat_id"].as_i64().unwrap_or(0);
        let user = body["user_id"].as_i64().unwrap_or(0);
        let status = if self.lock().admins.contains(&(chat, user)) {
            "creator"
        } else {
            "member"
        };
        json!({"status": status, "user": parent(user), "is_anonymous": false})
    }

    pub fn script(&self, method: &str, status: StatusCode, body: Value) {
        self.lock()
            .script
            .entry(method.to_lowercase())
            .or_default()
            .push_back((status, body));
    }

    pub fn calls(&self, method: &str) -> Vec<Call> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.method == method.to_lowercase())
            .cloned()
            .collect()
    }

    /// Successful sendMessage calls to `chat`.
    pub fn sent(&self, chat: i64) -> Vec<Call> {
        self.calls("sendMessage")
            .into_iter()
            .filter(|c| c.ok && c.chat() == Some(chat))
            .collect()
    }

    /// Waits until `done` holds for the recorded calls; fails the test after [`PATIENCE`].
    pub async fn wait(&self, what: &str, done: impl Fn(&Fake) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; calls: {:#?}",
                self.lock()
                    .calls
                    .iter()
                    .filter(|c| c.method != "getupdates")
                    .map(|c| (&c.method, &c.body))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn updates(&self, body: &Value) -> Value {
        let offset = body["offset"].as_i64().unwrap_or(0);
        let limit = body["limit"].as_u64().unwrap_or(100) as usize;
        let timeout = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0));
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let news = self.news.notified();
            {
                let mut inner = self.lock();
                inner
                    .updates
                    .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                if !inner.updates.is_empty() || tokio::time::Instant::now() >= deadline {
                    let batch: Vec<Value> = inner.updates.iter().take(limit).cloned().collect();
                    let now = Instant::now();
                    for u in &batch {
                        let id = u["update_id"].as_i64().unwrap_or(0);
                        inner.handed_out.entry(id).or_insert(now);
                    }
                    return json!(batch);
                }
            }
            let _ = tokio::time::timeout_at(deadline, news).await;
        }
    }

    fn sent_message(&self, body: &Value) -> Value {
        let id = self.message_id();
        let chat_id = body["chat_id"].as_i64().unwrap_or(0);
        let chat = self
            .lock()
            .chats
            .get(&chat_id)
            .cloned()
            .unwrap_or_else(|| json!({"id": chat_id, "type": "private", "first_name": "Ann"}));
        json!({
            "message_id": id, "date": now(), "chat": chat, "from": bot_user(),
            "text": body["text"].clone(),
        })
    }
}

async fn api(State(fake): State<Fake>, Path(path): Path<String>, body: Bytes) -> impl IntoResponse {
    let received = Instant::now();
    let method = path.rsplit('/').next().unwrap_or_default().to_lowercase();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.lock().arrived.push(method.clone());
    let scripted = fake
        .lock()
        .script
        .get_mut(&method)
        .and_then(VecDeque::pop_front);
    let refused = if scripted.is_none() && method == "sendmessage" {
        fake.refuse(&body)
    } else {
        None
    };
    let (status, result) = match scripted.or(refused) {
        Some((status, answer)) => (status, answer),
        None => {
            let result = match method.as_str() {
                "getme" => me(),
                "getwebhookinfo" => {
                    json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0})
                }
                "deletewebhook" | "setmycommands" | "answercallbackquery" => json!(true),
                "getupdates" => fake.updates(&body).await,
                "sendmessage" => fake.sent_message(&body),
                "getchatmember" => fake.chat_member(&body),
                _ => {
                    let e = json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"});
                    return (StatusCode::NOT_FOUND, Json(e));
                }
            };
            (StatusCode::OK, json!({"ok": true, "result": result}))
        }
    };
    fake.lock().calls.push(Call {
        method,
        body,
        ok: status == StatusCode::OK,
        at: Instant::now(),
        received,
    });
    (status, Json(result))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "CrampCare", "username": BOT_NAME})
}

pub fn me() -> Value {
    json!({
        "id": BOT_ID, "is_bot": true, "first_name": "CrampCare", "username": BOT_NAME,
        "can_join_groups": true, "can_read_all_group_messages": false,
        "supports_inline_queries": false, "has_main_web_app": false,
    })
}

pub fn parent(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Ann"})
}

/// A parent whose Telegram app is in `lang` (its `language_code`, e.g. "es").
pub fn parent_in(id: i64, lang: &str) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Ana", "language_code": lang})
}

pub fn private_chat(id: i64) -> Value {
    json!({"id": id, "type": "private", "first_name": "Ann"})
}

/// A message update; `extra` adds or overrides fields (`text`, `sticker`, `reply_to_message`).
pub fn message(id: i64, chat: Value, from: Value, extra: Value) -> Value {
    let mut m = json!({"message_id": id, "date": now(), "chat": chat, "from": from});
    for (k, v) in extra.as_object().unwrap() {
        m[k] = v.clone();
    }
    json!({ "message": m })
}
