//! Pacing: Telegram's rate limits, kept before each message is sent.
//!
//! Owns the schedule and nothing else: [`Pace::turn`] waits until a message to a chat keeps every
//! limit in [`Limits`] (overall per second; per chat per second; per chat per minute, lower for
//! supergroups and channels) and books that moment. It knows nothing of what is sent or retried:
//! [`super::send`] asks for a turn before every sendMessage attempt.
//!
//! It replaces teloxide's `Throttle` adaptor, whose worker looks at its queue every 250 ms. In the
//! load run (`tests/load.rs`, 1,000 updates a second) every message waited for the next look
//! (p50 about 170 ms), and meanwhile its chat's dispatcher worker (a queue block of 32 updates of
//! 1,944 bytes: 62 KB) and an HTTP connection stayed open, some 300 of each: the bot peaked at
//! 51-73 MB. Booked moments send each message as soon as the limits allow: p50 about 7 ms, most of
//! it the one-a-second limit per chat, and a peak of about 20 MB (README, "Load run and memory").
//!
//! Booking takes two steps so that the overall bookings stay in time order: the chat's own limits
//! must allow a message now (otherwise the caller waits until they do), then the overall limit
//! gives the earliest moment from now, and that moment is booked for both.
//!
//! Broadcasts ([`Pace::book_spare`]) come after parents' questions: they take only a moment that
//! is free *now*, never one ahead, and leave [`SPARE_RESERVE`] of each second's overall quota to
//! questions. A question that arrives during a broadcast therefore finds a free moment at once
//! (unless other questions took them), and a broadcast runs at about 90 % of the overall limit
//! (27 a second at Telegram's 30).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use teloxide::adaptors::throttle::Limits;
use teloxide::types::ChatId;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
/// Above this many chats, chats with nothing booked in the last minute are swept out.
const SWEEP_ABOVE: usize = 1024;
/// The share of each second's overall quota that broadcasts leave to questions: a tenth, at
/// least one message.
pub const SPARE_RESERVE: u32 = 10;

/// The answer to a request for a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Booked: send at this moment.
    At(Instant),
    /// The chat's own limits do not allow a message yet: ask again at this moment.
    NotBefore(Instant),
}

#[derive(Debug, Default)]
struct Book {
    /// The last `messages_per_sec_overall` moments booked, oldest first.
    overall: VecDeque<Instant>,
    /// Per chat, the moments booked within the last minute, oldest first.
    chats: HashMap<ChatId, VecDeque<Instant>>,
}

/// Telegram's rate limits for every chat, shared by every handler.
#[derive(Debug)]
pub struct Pace {
    limits: Limits,
    book: Mutex<Book>,
}

impl Pace {
    /// A schedule that keeps `limits` (a zero limit counts as one).
    #[must_use]
    pub fn new(limits: Limits) -> Pace {
        Pace {
            limits,
            book: Mutex::new(Book::default()),
        }
    }

    /// The limits kept.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Books the earliest moment from `now` at which a message to `chat` keeps every limit, or
    /// says when to ask again if the chat's own limits do not allow one now.
    pub fn book(&self, chat: ChatId, now: Instant) -> Turn {
        self.book_as(chat, now, false)
    }

    /// Books a moment for a broadcast message to `chat`, only if one is free now with the
    /// reserve for questions kept; otherwise says when to ask again.
    pub fn book_spare(&self, chat: ChatId, now: Instant) -> Turn {
        self.book_as(chat, now, true)
    }

    fn book_as(&self, chat: ChatId, now: Instant, spare: bool) -> Turn {
        let limits = self.limits;
        let per_sec = limits.messages_per_sec_chat.max(1) as usize;
        let per_min = if chat.is_channel_or_supergroup() {
            limits.messages_per_min_channel_or_supergroup
        } else {
            limits.messages_per_min_chat
        }
        .max(1) as usize;
        let overall = limits.messages_per_sec_overall.max(1) as usize;

        // A poisoned lock only means a handler panicked while booking; the book is still usable.
        let mut book = self
            .book
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Book {
            overall: booked,
            chats,
        } = &mut *book;
        if chats.len() > SWEEP_ABOVE {
            chats.retain(|_, t| t.back().is_some_and(|last| *last + MINUTE > now));
        }
        let sent = chats.entry(chat).or_default();
        while sent.front().is_some_and(|t| *t + MINUTE <= now) {
            sent.pop_front();
        }

        // The chat's limits; never before its last booking, so its messages keep their order.
        let mut earliest = sent.back().map_or(now, |last| now.max(*last));
        if sent.len() >= per_sec {
            earliest = earliest.max(sent[sent.len() - per_sec] + SECOND);
        }
        if sent.len() >= per_min {
            earliest = earliest.max(sent[sent.len() - per_min] + MINUTE);
        }
        if earliest > now {
            return Turn::NotBefore(earliest);
        }

        if spare {
            // Only what is free now, less the reserve: the bookings in the second up to `now`
            // (and any made ahead of it) must leave `reserve` of the quota.
            let reserve = (overall / SPARE_RESERVE as usize).max(1);
            let cap = overall.saturating_sub(reserve).max(1);
            let recent = booked.iter().filter(|t| **t + SECOND > now).count();
            if recent >= cap {
                let wait = booked
                    .iter()
                    .rev()
                    .nth(cap - 1)
                    .map_or(now, |t| (*t + SECOND).max(now));
                return Turn::NotBefore(wait.max(now + Duration::from_millis(1)));
            }
        }

        // At most `overall` bookings in any second. Bookings are made in time order (each is the
        // later of now and a second after an earlier one), so the last `overall` are enough.
        let mut at = now;
        if booked.len() >= overall {
            at = at.max(booked[booked.len() - overall] + SECOND);
        }
        booked.push_back(at);
        while booked.len() > overall {
            booked.pop_front();
        }
        sent.push_back(at);
        while sent.len() > per_sec.max(per_min) {
            sent.pop_front();
        }
        Turn::At(at)
    }

    /// Waits for a turn to send a message to `chat`, and books it.
    pub async fn turn(&self, chat: ChatId) {
        self.wait(chat, false).await;
    }

    /// Waits for a spare turn (see [`Pace::book_spare`]) to send a broadcast message to `chat`.
    pub async fn spare_turn(&self, chat: ChatId) {
        self.wait(chat, true).await;
    }

    async fn wait(&self, chat: ChatId, spare: bool) {
        loop {
            match self.book_as(chat, Instant::now(), spare) {
                Turn::At(at) => {
                    tokio::time::sleep_until(at.into()).await;
                    return;
                }
                Turn::NotBefore(at) => tokio::time::sleep_until(at.into()).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVATE: ChatId = ChatId(1001);
    const OTHER: ChatId = ChatId(1002);
    const SUPERGROUP: ChatId = ChatId(-1_001_234_567_890);

    fn limits(overall: u32) -> Limits {
        Limits {
            messages_per_sec_overall: overall,
            ..Limits::default()
        }
    }

    #[test]
    fn one_message_a_second_per_chat_and_others_do_not_wait() {
        let pace = Pace::new(limits(30));
        let t = Instant::now();
        assert_eq!(pace.book(PRIVATE, t), Turn::At(t));
        assert_eq!(pace.book(PRIVATE, t), Turn::NotBefore(t + SECOND));
        assert_eq!(pace.book(OTHER, t), Turn::At(t));
        let later = t + SECOND;
        assert_eq!(pace.book(PRIVATE, later), Turn::At(later));
    }

    #[test]
    fn the_overall_limit_books_the_next_free_second_in_order() {
        let pace = Pace::new(limits(3));
        let t = Instant::now();
        let turns: Vec<Turn> = (0..5).map(|c| pace.book(ChatId(c), t)).collect();
        let s = t + SECOND;
        assert_eq!(
            turns,
            [
                Turn::At(t),
                Turn::At(t),
                Turn::At(t),
                Turn::At(s),
                Turn::At(s)
            ]
        );
        // One more chat an instant later still waits for the second to pass.
        let soon = t + Duration::from_millis(10);
        assert_eq!(pace.book(ChatId(9), soon), Turn::At(s));
    }

    #[test]
    fn per_minute_limits_are_lower_for_supergroups() {
        let pace = Pace::new(limits(1000));
        let t = Instant::now();
        for chat in [PRIVATE, SUPERGROUP] {
            let mut now = t;
            let allowed = if chat == SUPERGROUP { 10 } else { 20 };
            for _ in 0..allowed {
                assert_eq!(pace.book(chat, now), Turn::At(now), "{chat}");
                now += SECOND;
            }
            assert_eq!(pace.book(chat, now), Turn::NotBefore(t + MINUTE), "{chat}");
        }
        assert_eq!(pace.book(SUPERGROUP, t + MINUTE), Turn::At(t + MINUTE));
    }

    #[test]
    fn a_chat_never_books_before_its_last_booking() {
        // Many messages a second per chat, but the overall limit pushed the last one ahead.
        let pace = Pace::new(Limits {
            messages_per_sec_chat: 100,
            messages_per_min_chat: 1000,
            messages_per_min_channel_or_supergroup: 1000,
            messages_per_sec_overall: 1,
        });
        let t = Instant::now();
        assert_eq!(pace.book(OTHER, t), Turn::At(t));
        assert_eq!(pace.book(PRIVATE, t), Turn::At(t + SECOND));
        assert_eq!(pace.book(PRIVATE, t), Turn::NotBefore(t + SECOND));
    }

    #[test]
    fn quiet_chats_are_swept() {
        // Enough overall that every chat is booked at once.
        let pace = Pace::new(limits(2 * SWEEP_ABOVE as u32));
        let t = Instant::now();
        for c in 0..=(SWEEP_ABOVE as i64) {
            pace.book(ChatId(c), t);
        }
        pace.book(PRIVATE, t + MINUTE);
        let n = pace.book.lock().map(|b| b.chats.len()).unwrap_or(0);
        assert_eq!(n, 1);
    }

    #[test]
    fn broadcasts_take_only_spare_moments_and_leave_a_reserve_to_questions() {
        let pace = Pace::new(limits(30));
        let t = Instant::now();
        // 27 broadcast messages fit in the second; the 28th must wait for it to pass.
        for c in 0..27 {
            assert_eq!(pace.book_spare(ChatId(c), t), Turn::At(t), "{c}");
        }
        let Turn::NotBefore(again) = pace.book_spare(ChatId(99), t) else {
            panic!("a broadcast took the reserve");
        };
        assert_eq!(again, t + SECOND);
        // A question arriving now still goes now, three times.
        for c in 100..103 {
            assert_eq!(pace.book(ChatId(c), t), Turn::At(t), "{c}");
        }
        // Once questions have booked ahead, a broadcast never books behind them in the future.
        let busy = Pace::new(limits(2));
        assert_eq!(busy.book(ChatId(1), t), Turn::At(t));
        assert_eq!(busy.book(ChatId(2), t), Turn::At(t));
        assert_eq!(busy.book(ChatId(3), t), Turn::At(t + SECOND));
        assert!(matches!(busy.book_spare(ChatId(4), t), Turn::NotBefore(_)));
        assert!(matches!(
            busy.book_spare(ChatId(4), t + SECOND),
            Turn::NotBefore(_)
        ));
        assert_eq!(
            busy.book_spare(ChatId(4), t + 2 * SECOND + Duration::from_millis(1)),
            Turn::At(t + 2 * SECOND + Duration::from_millis(1))
        );
    }

    #[tokio::test]
    async fn turn_waits_for_the_chat() {
        let pace = Pace::new(Limits {
            messages_per_sec_chat: 20,
            ..limits(1000)
        });
        let start = Instant::now();
        for _ in 0..3 {
            pace.turn(PRIVATE).await;
        }
        assert!(start.elapsed() < SECOND);
        let pace = Pace::new(limits(1000));
        pace.turn(PRIVATE).await;
        let start = Instant::now();
        pace.turn(PRIVATE).await;
        assert!(start.elapsed() >= Duration::from_millis(990));
    }
}
