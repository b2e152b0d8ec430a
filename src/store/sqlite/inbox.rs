//! The [`Inbox`] methods on [`Sqlite`]: the inbox's rows, each method one transaction.

use rusqlite::{params, params_from_iter};

use super::Sqlite;
use crate::store::inbox::{Arrival, Inbox, Rank, Taken};
use crate::store::{StoreError, Timestamp};

fn taken(r: &rusqlite::Row<'_>) -> rusqlite::Result<Taken> {
    Ok(Taken {
        seq: r.get(0)?,
        update: r.get(1)?,
        chat: r.get(2)?,
        body: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
    })
}

/// `?, ?, ?` for `n` parameters after the first `from - 1`.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Inbox for Sqlite {
    fn receive(
        &self,
        batch: &[Arrival],
        answered: &[i64],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        self.write(|tx| {
            let mut insert = tx.prepare_cached(
                "INSERT INTO inbox (update_id, chat, rank, body, done, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (update_id) DO NOTHING",
            )?;
            let mut new = 0;
            for a in batch {
                let done = answered.contains(&a.update);
                let body = (!done).then_some(a.body.as_str());
                new += insert.execute(params![
                    a.update,
                    a.chat,
                    Rank::Fresh as i64,
                    body,
                    done,
                    now
                ])?;
            }
            Ok(new)
        })
    }

    fn take(&self, limit: usize, skip: &[i64], busy: &[i64]) -> Result<Vec<Taken>, StoreError> {
        let sql = format!(
            "SELECT seq, update_id, chat, body FROM inbox
             WHERE done = 0 AND seq NOT IN ({}) AND (chat IS NULL OR chat NOT IN ({}))
             ORDER BY rank, seq LIMIT ?1",
            placeholders(2, skip.len()),
            placeholders(2 + skip.len(), busy.len()),
        );
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(&e))?;
        let args = std::iter::once(limit as i64)
            .chain(skip.iter().copied())
            .chain(busy.iter().copied());
        stmt.query_map(params_from_iter(args), taken)
            .and_then(Iterator::collect)
            .map_err(|e| self.err(&e))
    }

    fn finish(&self, rows: &[i64]) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut done =
                tx.prepare_cached("UPDATE inbox SET done = 1, body = NULL WHERE seq = ?1")?;
            for row in rows {
                done.execute([row])?;
            }
            Ok(())
        })
    }

    fn waiting_after(&self, after: i64, limit: usize) -> Result<Vec<Taken>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, update_id, chat, body FROM inbox
                 WHERE done = 0 AND seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(|e| self.err(&e))?;
        stmt.query_map(params![after, limit as i64], taken)
            .and_then(Iterator::collect)
            .map_err(|e| self.err(&e))
    }

    fn rank(&self, ranks: &[(i64, Rank)]) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut set = tx.prepare_cached("UPDATE inbox SET rank = ?2 WHERE seq = ?1")?;
            for (row, rank) in ranks {
                set.execute(params![row, *rank as i64])?;
            }
            Ok(())
        })
    }

    fn expire(&self, before: Timestamp) -> Result<usize, StoreError> {
        self.write(|tx| {
            let waiting = tx.execute(
                "DELETE FROM inbox WHERE received_at < ?1 AND done = 0",
                [before],
            )?;
            tx.execute("DELETE FROM inbox WHERE received_at < ?1", [before])?;
            Ok(waiting)
        })
    }

    fn scrub(&self) -> Result<(), StoreError> {
        let conn = self.lock();
        // (busy, frames in the WAL, frames checkpointed); busy = 1 when a reader held it back.
        let (busy, _, _): (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.err(&e))?;
        if busy != 0 {
            return Err(StoreError::new(
                &self.path,
                crate::store::StoreErrorKind::Locked,
                "another process is reading; the WAL could not be truncated",
            ));
        }
        Ok(())
    }

    fn waiting(&self) -> Result<usize, StoreError> {
        self.lock()
            .query_row("SELECT COUNT(*) FROM inbox WHERE done = 0", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .map_err(|e| self.err(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = 1_780_000_000;

    fn arrival(update: i64, chat: i64) -> Arrival {
        Arrival {
            update,
            chat: Some(chat),
            body: format!("{{\"update_id\":{update},\"text\":\"calf cramp\"}}"),
        }
    }

    fn seqs(rows: &[Taken]) -> Vec<i64> {
        rows.iter().map(|t| t.update).collect()
    }

    #[test]
    fn an_update_delivered_twice_is_kept_once() {
        let s = Sqlite::memory();
        assert_eq!(
            s.receive(&[arrival(1, 10), arrival(2, 20)], &[], NOW)
                .unwrap(),
            2
        );
        assert_eq!(
            s.receive(&[arrival(2, 20), arrival(3, 30)], &[], NOW)
                .unwrap(),
            1
        );
        assert_eq!(s.waiting().unwrap(), 3);
        assert_eq!(seqs(&s.take(10, &[], &[]).unwrap()), [1, 2, 3]);
    }

    #[test]
    fn a_done_row_keeps_no_text_and_is_not_taken_again() {
        let s = Sqlite::memory();
        s.receive(&[arrival(1, 10), arrival(2, 20)], &[], NOW)
            .unwrap();
        let rows = s.take(10, &[], &[]).unwrap();
        assert!(rows[0].body.contains("calf cramp"));
        s.finish(&[rows[0].seq]).unwrap();
        assert_eq!(seqs(&s.take(10, &[], &[]).unwrap()), [2]);
        let text: Option<String> = s
            .lock()
            .query_row("SELECT body FROM inbox WHERE update_id = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(text, None);
        let all: String = s
            .lock()
            .query_row("SELECT group_concat(body, '') FROM inbox", [], |r| r.get(0))
            .unwrap();
        assert!(!all.contains("update_id\":1,"), "{all}");
        // Delivered again after it was done: still done, still no text.
        assert_eq!(s.receive(&[arrival(1, 10)], &[], NOW).unwrap(), 0);
        assert_eq!(s.waiting().unwrap(), 1);
    }

    #[test]
    fn rows_answered_without_the_store_are_kept_done_and_without_text() {
        let s = Sqlite::memory();
        s.receive(&[arrival(1, 10), arrival(2, 20)], &[1], NOW)
            .unwrap();
        assert_eq!(seqs(&s.take(10, &[], &[]).unwrap()), [2]);
    }

    #[test]
    fn taking_skips_rows_in_hand_and_busy_chats_and_follows_rank_then_arrival() {
        let s = Sqlite::memory();
        s.receive(
            &[
                arrival(1, 10),
                arrival(2, 20),
                arrival(3, 30),
                arrival(4, 10),
            ],
            &[],
            NOW,
        )
        .unwrap();
        assert_eq!(seqs(&s.take(10, &[1], &[20]).unwrap()), [3, 4]);
        assert_eq!(seqs(&s.take(2, &[], &[]).unwrap()), [1, 2]);
        s.rank(&[(3, Rank::Emergency), (2, Rank::Urgent), (1, Rank::Other)])
            .unwrap();
        assert_eq!(seqs(&s.take(10, &[], &[]).unwrap()), [3, 2, 1, 4]);
        assert_eq!(seqs(&s.waiting_after(2, 10).unwrap()), [3, 4]);
    }

    #[test]
    fn expiry_drops_old_rows_and_counts_those_not_done() {
        let s = Sqlite::memory();
        s.receive(&[arrival(1, 10), arrival(2, 20)], &[], NOW - RETENTION_PLUS)
            .unwrap();
        s.receive(&[arrival(3, 30)], &[], NOW).unwrap();
        let first = s.take(1, &[], &[]).unwrap();
        s.finish(&[first[0].seq]).unwrap();
        assert_eq!(s.expire(NOW - crate::store::inbox::RETENTION).unwrap(), 1);
        assert_eq!(seqs(&s.take(10, &[], &[]).unwrap()), [3]);
        let rows: i64 = s
            .lock()
            .query_row("SELECT COUNT(*) FROM inbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_finished_text_is_gone_from_the_file_once_scrubbed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crampcare.db");
        let s = Sqlite::open(&path).unwrap();
        let secret = "my daughter wakes up with calf cramps";
        let mut a = arrival(1, 10);
        a.body = format!("{{\"text\":\"{secret}\"}}");
        s.receive(&[a, arrival(2, 20)], &[], NOW).unwrap();
        let file = || {
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        };
        s.scrub().unwrap();
        assert!(file().contains(secret), "the test looks in the right place");
        s.finish(&[1]).unwrap();
        s.scrub().unwrap();
        assert!(!file().contains(secret));
        assert!(
            file().contains("calf cramp"),
            "the row not done keeps its text"
        );
    }

    const RETENTION_PLUS: Timestamp = crate::store::inbox::RETENTION + 60;
}
