//! Sending: a [`Reply`] to Telegram messages with an inline keyboard, and retries that neither lose
//! nor double a message.
//!
//! Owns the keyboard (follow-ups to buttons, tokens over 64 bytes skipped), the chunks (the
//! renderer already split and escaped them), and the one retry loop: a 429 is retried after its
//! `retry_after`, a network error or a 5xx with backoff, both a bounded number of times; a 429 is
//! retried here and only here. Other errors (blocked by the user, a bad request) are final:
//! retrying would not help. Every sendMessage attempt first waits for its turn under Telegram's
//! rate limits ([`Pace`]).

use std::future::Future;
use std::time::Duration;

use teloxide::payloads::{AnswerCallbackQuerySetters, SendMessageSetters};
use teloxide::requests::{Request, Requester};
use teloxide::types::{
    CallbackQueryId, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions,
    MessageId, ParseMode, ReplyParameters,
};
use teloxide::{ApiError, RequestError};

use super::pace::Pace;
use crate::engine::{FollowUp, Reply};
use crate::render::telegram::{render, Size};

/// Telegram's limit on a button's callback data, in bytes.
pub const MAX_CALLBACK_DATA: usize = 64;
/// Labels this short share one row (the check's Yes and No); longer ones get a row each.
const SHORT_LABEL: usize = 12;

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The wait after the first transient failure; it doubles after each.
    pub backoff: Duration,
    /// The longest wait between two tries.
    pub max_backoff: Duration,
    /// The longest `retry_after` honoured; a longer one gives up rather than hold the chat.
    pub max_retry_after: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// Where a reply goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The chat.
    pub chat: ChatId,
    /// The message to thread under (groups), if any.
    pub reply_to: Option<MessageId>,
    /// Full replies for private chats, compact ones for groups.
    pub size: Size,
}

/// A request that failed for good. The text is redacted of the token by the caller's logger.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    /// Telegram refused it, or it kept failing.
    #[error("{what} failed after {attempts} attempt(s): {error}")]
    Failed {
        /// The request, e.g. "sendMessage".
        what: &'static str,
        /// How many tries were made.
        attempts: u32,
        /// The last error.
        error: RequestError,
    },
}

/// What a failure means for the next try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Telegram asked to wait this long: nothing was sent.
    RetryAfter(Duration),
    /// A network error or a server error: try again after a backoff.
    Transient,
    /// Final: retrying would not help.
    Permanent,
}

/// Sorts an error into a [`Fault`].
#[must_use]
pub fn classify(error: &RequestError) -> Fault {
    match error {
        RequestError::RetryAfter(s) => Fault::RetryAfter(s.duration()),
        // A connection refused or reset, a timeout: Telegram's own advice is to try again.
        RequestError::Network(_) => Fault::Transient,
        // teloxide keeps no status code; Telegram's 5xx answers carry these descriptions.
        RequestError::Api(ApiError::Unknown(d)) if server_error(d) => Fault::Transient,
        // A body that is not JSON is a proxy's error page (502 and friends); a success that
        // would not parse must not be sent again.
        RequestError::InvalidJson { raw, .. } if !raw.contains("\"ok\":true") => Fault::Transient,
        _ => Fault::Permanent,
    }
}

fn server_error(description: &str) -> bool {
    [
        "Internal Server Error",
        "Bad Gateway",
        "Service Unavailable",
        "Gateway Timeout",
    ]
    .iter()
    .any(|p| description.starts_with(p))
}

/// Runs `request` until it succeeds, fails for good, or runs out of attempts.
///
/// # Errors
/// The last error, once retrying stops.
pub async fn with_retry<T, F, Fut>(
    what: &'static str,
    retry: &Retry,
    mut request: F,
) -> Result<T, SendError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let attempts = retry.attempts.max(1);
    let mut backoff = retry.backoff;
    let mut attempt = 1;
    loop {
        let error = match request().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let wait = match classify(&error) {
            Fault::RetryAfter(d) if d <= retry.max_retry_after => d,
            Fault::Transient => {
                let d = backoff;
                backoff = (backoff * 2).min(retry.max_backoff);
                d
            }
            Fault::RetryAfter(_) | Fault::Permanent => {
                return Err(SendError::Failed {
                    what,
                    attempts: attempt,
                    error,
                })
            }
        };
        if attempt >= attempts {
            return Err(SendError::Failed {
                what,
                attempts: attempt,
                error,
            });
        }
        tracing::debug!(what, attempt, wait_ms = wait.as_millis() as u64, "retrying");
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// The follow-ups as an inline keyboard, or `None` when there are none. Buttons whose token would
/// not fit Telegram's 64 bytes of callback data are left out (and logged).
#[must_use]
pub fn keyboard(follow_ups: &[FollowUp]) -> Option<InlineKeyboardMarkup> {
    let buttons: Vec<InlineKeyboardButton> = follow_ups
        .iter()
        .filter(|f| {
            let fits = !f.token.is_empty() && f.token.len() <= MAX_CALLBACK_DATA;
            if !fits {
                tracing::warn!(
                    bytes = f.token.len(),
                    "follow-up token does not fit callback data; button skipped"
                );
            }
            fits && !f.label.trim().is_empty()
        })
        .map(|f| InlineKeyboardButton::callback(f.label.clone(), f.token.clone()))
        .collect();
    if buttons.is_empty() {
        return None;
    }
    let short = buttons
        .iter()
        .all(|b| b.text.chars().count() <= SHORT_LABEL);
    let rows: Vec<Vec<InlineKeyboardButton>> = if short {
        vec![buttons]
    } else {
        buttons.into_iter().map(|b| vec![b]).collect()
    };
    Some(InlineKeyboardMarkup::new(rows))
}

/// Sends a reply: its rendered chunks in order, threaded when the target says so, the keyboard
/// under the last one, each attempt in its turn under `pace`. Returns how many messages were sent.
///
/// # Errors
/// A chunk failed for good; the chunks after it are not sent (they would read out of order).
pub async fn send_reply<R>(
    bot: &R,
    target: Target,
    reply: &Reply,
    retry: &Retry,
    pace: &Pace,
) -> Result<usize, SendError>
where
    R: Requester<Err = RequestError>,
{
    let chunks = render(reply, target.size);
    let markup = keyboard(&reply.follow_ups);
    let last = chunks.len().saturating_sub(1);
    for (i, chunk) in chunks.iter().enumerate() {
        let markup = if i == last { markup.clone() } else { None };
        with_retry("sendMessage", retry, || {
            let mut req = bot
                .send_message(target.chat, chunk.clone())
                .parse_mode(ParseMode::Html)
                .link_preview_options(LinkPreviewOptions {
                    is_disabled: true,
                    url: None,
                    prefer_small_media: false,
                    prefer_large_media: false,
                    show_above_text: false,
                });
            if let Some(id) = target.reply_to {
                // Still send if the asker deleted their message meanwhile.
                req = req.reply_parameters(ReplyParameters {
                    allow_sending_without_reply: Some(true),
                    ..ReplyParameters::new(id)
                });
            }
            if let Some(m) = &markup {
                req = req.reply_markup(m.clone());
            }
            async move {
                pace.turn(target.chat).await;
                req.send().await
            }
        })
        .await?;
    }
    Ok(chunks.len())
}

/// Answers a callback query (stops the button's spinner), with an optional short notice.
///
/// # Errors
/// Telegram refused it, or it kept failing.
pub async fn answer_callback<R>(
    bot: &R,
    id: &CallbackQueryId,
    notice: Option<&str>,
    retry: &Retry,
) -> Result<(), SendError>
where
    R: Requester<Err = RequestError>,
{
    with_retry("answerCallbackQuery", retry, || {
        let mut req = bot.answer_callback_query(id.clone());
        if let Some(n) = notice {
            req = req.text(n.to_owned());
        }
        req.send()
    })
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use teloxide::types::Seconds;

    use super::*;

    fn fast() -> Retry {
        Retry {
            attempts: 3,
            backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            max_retry_after: Duration::from_secs(2),
        }
    }

    fn follow(label: &str, token: &str) -> FollowUp {
        FollowUp {
            label: label.to_owned(),
            token: token.to_owned(),
        }
    }

    #[test]
    fn classifies_errors() {
        assert_eq!(
            classify(&RequestError::RetryAfter(Seconds::from_seconds(3))),
            Fault::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown(
                "Bad Gateway".to_owned()
            ))),
            Fault::Transient
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            Fault::Permanent
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown(
                "Bad Request: chat not found".to_owned()
            ))),
            Fault::Permanent
        );
    }

    #[test]
    fn long_tokens_are_skipped_and_short_labels_share_a_row() {
        let long = format!("t:{}", "x".repeat(63));
        let k = keyboard(&[
            follow("Yes", "c:y"),
            follow("No", "c:n"),
            follow("Bad", &long),
        ])
        .unwrap();
        assert_eq!(k.inline_keyboard.len(), 1);
        assert_eq!(k.inline_keyboard[0].len(), 2);
        let k = keyboard(&[follow("Why it happens", "t:a"), follow("Foods", "t:b")]).unwrap();
        assert_eq!(k.inline_keyboard.len(), 2);
        assert!(keyboard(&[follow("Bad", &long)]).is_none());
        assert!(keyboard(&[]).is_none());
    }

    #[tokio::test]
    async fn retries_transient_errors_a_bounded_number_of_times() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let r: Result<(), _> = with_retry("x", &fast(), || {
            c.fetch_add(1, Ordering::SeqCst);
            async {
                Err(RequestError::Api(ApiError::Unknown(
                    "Bad Gateway".to_owned(),
                )))
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn does_not_retry_permanent_errors_and_stops_on_success() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let r: Result<(), _> = with_retry("x", &fast(), || {
            c.fetch_add(1, Ordering::SeqCst);
            async { Err(RequestError::Api(ApiError::BotBlocked)) }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let r = with_retry("x", &fast(), || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    Err(RequestError::RetryAfter(Seconds::from_seconds(0)))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(r.ok(), Some(1));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn gives_up_on_a_retry_after_longer_than_allowed() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let r: Result<(), _> = with_retry("x", &fast(), || {
            c.fetch_add(1, Ordering::SeqCst);
            async { Err(RequestError::RetryAfter(Seconds::from_seconds(3600))) }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
