//! The outbox's decisions: what becomes of a row after one send, and how many rows may be in
//! flight. Pure: the time and the row's attempts are passed in; `telegram::outreach` sends and
//! the [`crate::store`] keeps the result.
//!
//! A row is marked sent only after Telegram accepted it, and a failed send is retried from the
//! store, not from memory, so retries survive a restart. Telegram gives no idempotency key: a row
//! whose send was in flight when the process died is sent again after the restart. At most
//! [`Policy::in_flight`] rows are sent at once, and that is the bound on duplicates after a crash.

use crate::store::{Settle, Timestamp};

/// What Telegram said to one send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted.
    Accepted,
    /// 429: wait this many seconds; nothing was sent.
    RetryAfter(u32),
    /// 403: the user blocked the bot, or the bot was removed from the group.
    Blocked,
    /// A network error or a 5xx: may succeed later.
    Transient,
    /// Any other refusal (chat not found, a bad request): would fail again.
    Permanent,
}

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failed attempts (429s not counted) before a row is marked failed.
    pub attempts: u32,
    /// Seconds to wait after the first transient failure; doubled after each.
    pub backoff: u32,
    /// The longest wait between two tries, in seconds.
    pub max_backoff: u32,
    /// Rows sent at once: the bound on duplicates after a crash.
    pub in_flight: usize,
}

impl Default for Policy {
    fn default() -> Self {
        // Eight sends at once keep Telegram's 30 a second busy at up to ~250 ms per request.
        Policy {
            attempts: 5,
            backoff: 2,
            max_backoff: 300,
            in_flight: 8,
        }
    }
}

/// What to record for a row that had `attempts` failed attempts before this `outcome`.
#[must_use]
pub fn decide(outcome: Outcome, attempts: u32, now: Timestamp, policy: &Policy) -> Settle {
    match outcome {
        Outcome::Accepted => Settle::Sent,
        // Telegram's own wait, and it does not count as a failure: nothing was sent.
        Outcome::RetryAfter(secs) => Settle::Retry {
            at: now + i64::from(secs.max(1)),
            attempts,
        },
        Outcome::Blocked => Settle::Unsubscribed,
        Outcome::Permanent => Settle::Failed,
        Outcome::Transient => {
            let attempts = attempts + 1;
            if attempts >= policy.attempts.max(1) {
                return Settle::Failed;
            }
            let wait = policy
                .backoff
                .max(1)
                .saturating_mul(1 << (attempts - 1).min(20))
                .min(policy.max_backoff.max(1));
            Settle::Retry {
                at: now + i64::from(wait),
                attempts,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = 1_000_000;

    #[test]
    fn accepted_blocked_and_refused_are_final() {
        let p = Policy::default();
        assert_eq!(decide(Outcome::Accepted, 3, NOW, &p), Settle::Sent);
        assert_eq!(decide(Outcome::Blocked, 0, NOW, &p), Settle::Unsubscribed);
        assert_eq!(decide(Outcome::Permanent, 0, NOW, &p), Settle::Failed);
    }

    #[test]
    fn retry_after_is_honoured_and_not_counted() {
        let p = Policy::default();
        assert_eq!(
            decide(Outcome::RetryAfter(7), 2, NOW, &p),
            Settle::Retry {
                at: NOW + 7,
                attempts: 2
            }
        );
        // A zero is still a pause, never a busy loop.
        assert_eq!(
            decide(Outcome::RetryAfter(0), 0, NOW, &p),
            Settle::Retry {
                at: NOW + 1,
                attempts: 0
            }
        );
    }

    #[test]
    fn transient_failures_back_off_then_give_up() {
        let p = Policy {
            attempts: 4,
            backoff: 2,
            max_backoff: 5,
            in_flight: 1,
        };
        let waits: Vec<Settle> = (0..4)
            .map(|a| decide(Outcome::Transient, a, NOW, &p))
            .collect();
        assert_eq!(
            waits,
            [
                Settle::Retry {
                    at: NOW + 2,
                    attempts: 1
                },
                Settle::Retry {
                    at: NOW + 4,
                    attempts: 2
                },
                Settle::Retry {
                    at: NOW + 5,
                    attempts: 3
                },
                Settle::Failed,
            ]
        );
    }
}
