//! Per-chat flood control: how many messages one chat may send the bot in a window.
//!
//! Owns the counting and the verdict, nothing else: it sends no message and knows no teloxide
//! types, so the adapter decides what a verdict means (a slow-down note, a dropped message). Each
//! chat has a fixed window that starts with its first message; the message just over the limit is
//! told to slow down once, later ones are dropped until the window has passed. Other chats are
//! counted apart and never wait for a noisy one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many messages a chat may send in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimit {
    /// Messages allowed per window; the next one gets the slow-down note.
    pub messages: u32,
    /// The window's length.
    pub window: Duration,
}

impl Default for FloodLimit {
    /// Twelve messages a minute: far more than a parent types, well under Telegram's own limit of
    /// about 20 messages a minute in a group.
    fn default() -> Self {
        FloodLimit {
            messages: 12,
            window: Duration::from_secs(60),
        }
    }
}

/// What to do with one message from a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the limit: answer it.
    Answer,
    /// The first message over the limit: send the slow-down note instead of an answer.
    SlowDown,
    /// Over the limit and already told: drop it.
    Drop,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    count: u32,
}

/// Message counts per chat, shared by every handler.
#[derive(Debug)]
pub struct Flood {
    limit: FloodLimit,
    chats: Mutex<HashMap<i64, Window>>,
}

/// Above this many chats, windows that have passed are swept out on the next check.
const SWEEP_ABOVE: usize = 1024;

impl Flood {
    /// Flood control with a limit.
    #[must_use]
    pub fn new(limit: FloodLimit) -> Flood {
        Flood {
            limit,
            chats: Mutex::new(HashMap::new()),
        }
    }

    /// The limit in force.
    #[must_use]
    pub fn limit(&self) -> FloodLimit {
        self.limit
    }

    /// Counts one message from `chat` at `now` and says what to do with it.
    pub fn check(&self, chat: i64, now: Instant) -> Verdict {
        // A poisoned lock only means another handler panicked mid-count; the counts are still
        // usable, and flood control must not take the bot down with it.
        let mut chats = self
            .chats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = self.limit.window;
        if chats.len() > SWEEP_ABOVE {
            chats.retain(|_, w| now.saturating_duration_since(w.start) < window);
        }
        let w = chats.entry(chat).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.saturating_duration_since(w.start) >= window {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        w.count = w.count.saturating_add(1);
        let limit = self.limit.messages;
        if w.count <= limit {
            Verdict::Answer
        } else if w.count == limit.saturating_add(1) {
            Verdict::SlowDown
        } else {
            Verdict::Drop
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flood(messages: u32) -> Flood {
        Flood::new(FloodLimit {
            messages,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn one_note_then_drops_until_the_window_passes() {
        let f = flood(3);
        let t = Instant::now();
        let verdicts: Vec<Verdict> = (0..6).map(|_| f.check(1, t)).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Answer,
                Verdict::Answer,
                Verdict::Answer,
                Verdict::SlowDown,
                Verdict::Drop,
                Verdict::Drop,
            ]
        );
        assert_eq!(f.check(1, t + Duration::from_secs(59)), Verdict::Drop);
        assert_eq!(f.check(1, t + Duration::from_secs(60)), Verdict::Answer);
    }

    #[test]
    fn chats_are_counted_apart() {
        let f = flood(1);
        let t = Instant::now();
        assert_eq!(f.check(1, t), Verdict::Answer);
        assert_eq!(f.check(1, t), Verdict::SlowDown);
        assert_eq!(f.check(2, t), Verdict::Answer);
    }

    #[test]
    fn old_windows_are_swept() {
        let f = flood(1);
        let t = Instant::now();
        for chat in 0..=(SWEEP_ABOVE as i64) {
            f.check(chat, t);
        }
        f.check(-1, t + Duration::from_secs(61));
        let n = f.chats.lock().map(|c| c.len()).unwrap_or(0);
        assert_eq!(n, 1);
    }
}
