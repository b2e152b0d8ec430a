//! [`Sqlite`]: the [`Store`] in one embedded SQLite file (bundled with the binary: nothing to
//! install), in WAL mode so that `crampcare broadcast` can write while `crampcare run` reads.
//!
//! Durability: `synchronous = NORMAL` in WAL mode keeps every committed transaction through a
//! crash of the process (kill -9, an out-of-memory kill); a power cut may lose the last
//! transactions, never the file. Each method is one short transaction behind a mutex: the bot
//! calls them from async code, where they take tens of microseconds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};

use super::error::{StoreError, StoreErrorKind};
use super::migrations::{LATEST, MIGRATIONS};
use super::{
    ChatKind, ChatRecord, Count, NewBroadcast, Pending, Progress, Queued, Settle, Store, Timestamp,
    Variant,
};
use crate::day::Day;
use crate::outreach::language::pick;

/// How long a write waits for another process's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite store.
#[derive(Debug)]
pub struct Sqlite {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl Sqlite {
    /// Opens (or creates) the store at `path` and brings its schema up to date.
    ///
    /// # Errors
    /// The file is read-only, locked, damaged, written by a newer CrampCare, or cannot be created.
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        Sqlite::open_with(path, BUSY_TIMEOUT)
    }

    /// [`Sqlite::open`] with another busy timeout (tests use a short one).
    ///
    /// # Errors
    /// As [`Sqlite::open`].
    pub fn open_with(path: &Path, busy: Duration) -> Result<Sqlite, StoreError> {
        // Root can write a file marked read-only; an operator who marked it so still means it.
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().readonly() {
                return Err(StoreError::new(
                    path,
                    StoreErrorKind::ReadOnly,
                    "the file is marked read-only",
                ));
            }
            if meta.is_dir() {
                return Err(StoreError::new(
                    path,
                    StoreErrorKind::CannotOpen,
                    "it is a folder",
                ));
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| StoreError::sqlite(path, &e))?;
        let store = Sqlite {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        };
        store.prepare(busy, true)?;
        store.migrate(LATEST)?;
        Ok(store)
    }

    /// A store in memory, gone when dropped: for a bot run without a file, and for tests.
    ///
    /// # Panics
    /// Never in practice: SQLite always opens an in-memory database.
    #[must_use]
    pub fn memory() -> Sqlite {
        let conn = Connection::open_in_memory().expect("an in-memory SQLite database");
        let store = Sqlite {
            path: PathBuf::from(":memory:"),
            conn: Mutex::new(conn),
        };
        store
            .prepare(BUSY_TIMEOUT, false)
            .and_then(|()| store.migrate(LATEST))
            .expect("the migrations apply to an empty database");
        store
    }

    /// The store's file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file.
    ///
    /// # Errors
    /// The store failed.
    pub fn version(&self) -> Result<i64, StoreError> {
        self.lock()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(&e))
    }

    fn prepare(&self, busy: Duration, wal: bool) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.busy_timeout(busy).map_err(|e| self.err(&e))?;
        // The first read: a file that is not SQLite says so here.
        let check: String = conn
            .pragma_query_value(None, "quick_check", |r| r.get(0))
            .map_err(|e| self.err(&e))?;
        if check != "ok" {
            return Err(StoreError::new(&self.path, StoreErrorKind::Corrupt, check));
        }
        if wal {
            let mode: String = conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .map_err(|e| self.err(&e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(mode, "the store could not switch to WAL mode");
            }
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| self.err(&e))
    }

    /// Applies the migrations up to version `upto`.
    fn migrate(&self, upto: i64) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(&e))?;
        if version > LATEST {
            return Err(StoreError::new(
                &self.path,
                StoreErrorKind::TooNew,
                format!("schema version {version}, this CrampCare knows up to {LATEST}"),
            ));
        }
        for v in version..upto {
            let tx = conn.transaction().map_err(|e| self.err(&e))?;
            tx.execute_batch(MIGRATIONS[v as usize])
                .and_then(|()| tx.pragma_update(None, "user_version", v + 1))
                .and_then(|()| tx.commit())
                .map_err(|e| self.err(&e))?;
            tracing::info!(version = v + 1, "store migrated");
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A poisoned lock only means a panic elsewhere mid-call; SQLite rolled back what it had.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn err(&self, e: &rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, e)
    }

    /// Runs `f` in one transaction (IMMEDIATE: it takes the write lock up front, so a busy file
    /// waits here rather than failing halfway).
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(&e))?;
        let v = f(&tx).map_err(|e| self.err(&e))?;
        tx.commit().map_err(|e| self.err(&e))?;
        Ok(v)
    }
}

fn bump(tx: &Transaction<'_>, day: &str, name: &str, n: i64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO counters (day, name, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (day, name) DO UPDATE SET value = value + excluded.value",
        params![day, name, n],
    )
    .map(|_| ())
}

fn unsubscribe_in(tx: &Transaction<'_>, chat: i64, now: Timestamp) -> rusqlite::Result<bool> {
    let changed = tx.execute(
        "UPDATE chats SET subscribed = 0, consent_at = NULL, changed_at = ?2
         WHERE id = ?1 AND subscribed = 1",
        params![chat, now],
    )?;
    // What was still to be sent to this chat is not sent.
    tx.execute(
        "UPDATE outbox SET status = 'unsubscribed', changed_at = ?2
         WHERE chat = ?1 AND status = 'queued'",
        params![chat, now],
    )?;
    if changed > 0 {
        bump(
            tx,
            &Day::of(now).to_string(),
            crate::outreach::counter::UNSUBSCRIBED,
            1,
        )?;
    }
    Ok(changed > 0)
}

/// One outbox row per subscribed chat, each with the variant in its language.
fn fan_out(
    tx: &Transaction<'_>,
    broadcast: i64,
    variants: &[Variant],
    now: Timestamp,
) -> rusqlite::Result<usize> {
    let mut chats =
        tx.prepare("SELECT id, language FROM chats WHERE subscribed = 1 ORDER BY id")?;
    let recipients: Vec<(i64, Option<String>)> = chats
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut insert = tx.prepare(
        "INSERT OR IGNORE INTO outbox (broadcast, chat, variant, status, next_at, changed_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?4)",
    )?;
    let mut n = 0;
    for (chat, language) in &recipients {
        let variant = pick(variants, language.as_deref());
        n += insert.execute(params![broadcast, chat, variant as i64, now])?;
    }
    Ok(n)
}

fn to_json(variants: &[Variant]) -> rusqlite::Result<String> {
    serde_json::to_string(variants).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
}

fn from_json(text: &str) -> rusqlite::Result<Vec<Variant>> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

impl Store for Sqlite {
    fn subscribe(
        &self,
        chat: i64,
        kind: ChatKind,
        language: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let was: Option<bool> = tx
                .query_row("SELECT subscribed FROM chats WHERE id = ?1", [chat], |r| {
                    r.get(0)
                })
                .optional()?;
            let newly = was != Some(true);
            tx.execute(
                "INSERT INTO chats (id, kind, language, subscribed, consent_at, changed_at)
                 VALUES (?1, ?2, ?3, 1, ?4, ?4)
                 ON CONFLICT (id) DO UPDATE SET
                   kind = excluded.kind,
                   language = COALESCE(excluded.language, chats.language),
                   consent_at = CASE WHEN chats.subscribed = 1 THEN chats.consent_at
                                     ELSE excluded.consent_at END,
                   subscribed = 1,
                   changed_at = excluded.changed_at",
                params![chat, kind.name(), language, now],
            )?;
            if newly {
                bump(
                    tx,
                    &Day::of(now).to_string(),
                    crate::outreach::counter::SUBSCRIBED,
                    1,
                )?;
            }
            Ok(newly)
        })
    }

    fn unsubscribe(&self, chat: i64, now: Timestamp) -> Result<bool, StoreError> {
        self.write(|tx| unsubscribe_in(tx, chat, now))
    }

    fn forget(&self, chat: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            // Losing a subscriber this way counts as losing one.
            unsubscribe_in(tx, chat, crate::day::now())?;
            let rows = tx.execute("DELETE FROM outbox WHERE chat = ?1", [chat])?;
            Ok(rows + tx.execute("DELETE FROM chats WHERE id = ?1", [chat])?)
        })
    }

    fn chat(&self, chat: i64) -> Result<Option<ChatRecord>, StoreError> {
        self.lock()
            .query_row(
                "SELECT id, kind, language, subscribed, consent_at, changed_at
                 FROM chats WHERE id = ?1",
                [chat],
                |r| {
                    Ok(ChatRecord {
                        id: r.get(0)?,
                        kind: ChatKind::parse(&r.get::<_, String>(1)?),
                        language: r.get(2)?,
                        subscribed: r.get(3)?,
                        consent_at: r.get(4)?,
                        changed_at: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(&e))
    }

    fn subscribers(&self) -> Result<usize, StoreError> {
        self.lock()
            .query_row("SELECT COUNT(*) FROM chats WHERE subscribed = 1", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .map_err(|e| self.err(&e))
    }

    fn queue(
        &self,
        broadcast: &NewBroadcast,
        draft: bool,
        now: Timestamp,
    ) -> Result<Option<Queued>, StoreError> {
        self.write(|tx| {
            let variants = to_json(&broadcast.variants)?;
            let inserted = tx.execute(
                "INSERT INTO broadcasts (origin, tip, variants, draft, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tip) DO NOTHING",
                params![broadcast.origin.name(), broadcast.tip, variants, draft, now],
            )?;
            if inserted == 0 {
                return Ok(None);
            }
            let id = tx.last_insert_rowid();
            let recipients = if draft {
                0
            } else {
                fan_out(tx, id, &broadcast.variants, now)?
            };
            Ok(Some(Queued { id, recipients }))
        })
    }

    fn confirm(&self, draft: i64, now: Timestamp) -> Result<Option<Queued>, StoreError> {
        self.write(|tx| {
            let variants: Option<String> = tx
                .query_row(
                    "SELECT variants FROM broadcasts WHERE id = ?1 AND draft = 1",
                    [draft],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(variants) = variants else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE broadcasts SET draft = 0, created_at = ?2 WHERE id = ?1",
                params![draft, now],
            )?;
            let recipients = fan_out(tx, draft, &from_json(&variants)?, now)?;
            Ok(Some(Queued {
                id: draft,
                recipients,
            }))
        })
    }

    fn cancel(&self, draft: i64) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM broadcasts WHERE id = ?1 AND draft = 1",
                [draft],
            )? > 0)
        })
    }

    fn due(&self, now: Timestamp, limit: usize, skip: &[i64]) -> Result<Vec<Pending>, StoreError> {
        let conn = self.lock();
        let run = || -> rusqlite::Result<Vec<Pending>> {
            let mut stmt = conn.prepare_cached(
                "SELECT o.id, o.broadcast, o.chat, o.attempts, o.variant, b.variants
                 FROM outbox o JOIN broadcasts b ON b.id = o.broadcast
                 WHERE o.status = 'queued' AND o.next_at <= ?1
                 ORDER BY o.next_at, o.id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now, (limit + skip.len()) as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut parsed: HashMap<i64, Vec<Variant>> = HashMap::new();
            let mut out = Vec::new();
            for row in rows {
                let (id, broadcast, chat, attempts, variant, json) = row?;
                if skip.contains(&id) {
                    continue;
                }
                let variants = match parsed.entry(broadcast) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(from_json(&json)?),
                };
                let Some(v) = variants.get(variant as usize).or_else(|| variants.first()) else {
                    continue;
                };
                out.push(Pending {
                    id,
                    broadcast,
                    chat,
                    attempts,
                    body: v.body.clone(),
                });
                if out.len() == limit {
                    break;
                }
            }
            Ok(out)
        };
        run().map_err(|e| self.err(&e))
    }

    fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.lock()
            .query_row(
                "SELECT MIN(next_at) FROM outbox WHERE status = 'queued'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(&e))
    }

    fn settle(&self, row: i64, outcome: Settle, now: Timestamp) -> Result<(), StoreError> {
        self.write(|tx| {
            match outcome {
                Settle::Sent | Settle::Failed => {
                    let status = if outcome == Settle::Sent {
                        "sent"
                    } else {
                        "failed"
                    };
                    tx.execute(
                        "UPDATE outbox SET status = ?2, changed_at = ?3 WHERE id = ?1",
                        params![row, status, now],
                    )?;
                }
                Settle::Retry { at, attempts } => {
                    tx.execute(
                        "UPDATE outbox SET next_at = ?2, attempts = ?3, changed_at = ?4
                         WHERE id = ?1 AND status = 'queued'",
                        params![row, at, attempts, now],
                    )?;
                }
                Settle::Unsubscribed => {
                    let chat: Option<i64> = tx
                        .query_row("SELECT chat FROM outbox WHERE id = ?1", [row], |r| r.get(0))
                        .optional()?;
                    if let Some(chat) = chat {
                        unsubscribe_in(tx, chat, now)?;
                    }
                    tx.execute(
                        "UPDATE outbox SET status = 'unsubscribed', changed_at = ?2 WHERE id = ?1",
                        params![row, now],
                    )?;
                }
            }
            Ok(())
        })
    }

    fn progress(&self) -> Result<Vec<Progress>, StoreError> {
        let conn = self.lock();
        let run = || -> rusqlite::Result<Vec<Progress>> {
            let mut stmt = conn.prepare(
                "SELECT b.id, b.origin, b.tip, b.created_at,
                        COALESCE(SUM(o.status = 'queued'), 0),
                        COALESCE(SUM(o.status = 'sent'), 0),
                        COALESCE(SUM(o.status = 'failed'), 0),
                        COALESCE(SUM(o.status = 'unsubscribed'), 0)
                 FROM broadcasts b LEFT JOIN outbox o ON o.broadcast = b.id
                 WHERE b.draft = 0 GROUP BY b.id ORDER BY b.id DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Progress {
                    id: r.get(0)?,
                    origin: r.get(1)?,
                    tip: r.get(2)?,
                    created_at: r.get(3)?,
                    queued: r.get::<_, i64>(4)? as usize,
                    sent: r.get::<_, i64>(5)? as usize,
                    failed: r.get::<_, i64>(6)? as usize,
                    unsubscribed: r.get::<_, i64>(7)? as usize,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(&e))
    }

    fn count(&self, day: &str, counts: &[(&str, i64)]) -> Result<(), StoreError> {
        self.write(|tx| {
            for (name, n) in counts {
                bump(tx, day, name, *n)?;
            }
            Ok(())
        })
    }

    fn counts(&self, since: &str) -> Result<Vec<Count>, StoreError> {
        let conn = self.lock();
        let run = || -> rusqlite::Result<Vec<Count>> {
            let mut stmt = conn.prepare(
                "SELECT day, name, value FROM counters WHERE day >= ?1 ORDER BY day, name",
            )?;
            let rows = stmt.query_map([since], |r| {
                Ok(Count {
                    day: r.get(0)?,
                    name: r.get(1)?,
                    value: r.get(2)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Body, Origin};

    const NOW: Timestamp = 1_780_000_000;

    fn text(t: &str) -> NewBroadcast {
        NewBroadcast {
            origin: Origin::Cli,
            tip: None,
            variants: vec![Variant {
                language: None,
                body: Body::Text(t.to_owned()),
            }],
        }
    }

    fn file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crampcare.db");
        (dir, path)
    }

    #[test]
    fn migrates_an_empty_file_to_the_latest_version_in_wal_mode() {
        let (_dir, path) = file();
        let s = Sqlite::open(&path).unwrap();
        assert_eq!(s.version().unwrap(), LATEST);
        let mode: String = s
            .lock()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(s);
        // Opening again applies nothing and keeps the version.
        assert_eq!(Sqlite::open(&path).unwrap().version().unwrap(), LATEST);
    }

    #[test]
    fn migrates_from_the_previous_version_keeping_the_rows() {
        let (_dir, path) = file();
        {
            let conn = Connection::open(&path).unwrap();
            let old = Sqlite {
                path: path.clone(),
                conn: Mutex::new(conn),
            };
            old.migrate(LATEST - 1).unwrap();
            assert_eq!(old.version().unwrap(), LATEST - 1);
            old.lock()
                .execute(
                    "INSERT INTO chats (id, kind, language, subscribed, consent_at, changed_at)
                     VALUES (7, 'private', 'es', 1, 5, 5)",
                    [],
                )
                .unwrap();
        }
        let s = Sqlite::open(&path).unwrap();
        assert_eq!(s.version().unwrap(), LATEST);
        assert_eq!(s.subscribers().unwrap(), 1);
        assert_eq!(s.chat(7).unwrap().unwrap().language.as_deref(), Some("es"));
        let q = s.queue(&text("hello"), false, NOW).unwrap().unwrap();
        assert_eq!(q.recipients, 1);
    }

    #[test]
    fn refuses_a_file_from_a_newer_crampcare() {
        let (_dir, path) = file();
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        let e = Sqlite::open(&path).unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::TooNew);
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }

    #[test]
    fn a_locked_file_names_its_path_and_loses_nothing() {
        let (_dir, path) = file();
        let s = Sqlite::open_with(&path, Duration::from_millis(50)).unwrap();
        s.subscribe(1, ChatKind::Private, None, NOW).unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let e = s.subscribe(2, ChatKind::Private, None, NOW).unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Locked, "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        assert!(e.to_string().contains("locked"), "{e}");
        // In WAL mode readers are not blocked: opening an up-to-date file still works.
        let reader = Sqlite::open_with(&path, Duration::from_millis(50)).unwrap();
        assert_eq!(reader.subscribers().unwrap(), 1);
        other.execute_batch("ROLLBACK").unwrap();
        // The failed write changed nothing; the next one works.
        assert_eq!(s.subscribers().unwrap(), 1);
        s.subscribe(2, ChatKind::Private, None, NOW).unwrap();
        assert_eq!(s.subscribers().unwrap(), 2);
    }

    #[test]
    fn a_read_only_file_names_its_path() {
        let (_dir, path) = file();
        drop(Sqlite::open(&path).unwrap());
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&path, perms).unwrap();
        let e = Sqlite::open(&path).unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::ReadOnly);
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        assert!(e.to_string().contains("read-only"), "{e}");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_untouched() {
        let (_dir, path) = file();
        let junk = "these are not the rows you are looking for\n".repeat(200);
        std::fs::write(&path, &junk).unwrap();
        let e = Sqlite::open(&path).unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Corrupt, "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), junk);
    }

    #[test]
    fn subscribe_unsubscribe_and_forget() {
        let s = Sqlite::memory();
        assert!(s.subscribe(1, ChatKind::Private, Some("es"), NOW).unwrap());
        assert!(!s.subscribe(1, ChatKind::Private, None, NOW + 5).unwrap());
        let r = s.chat(1).unwrap().unwrap();
        assert_eq!(
            r,
            ChatRecord {
                id: 1,
                kind: ChatKind::Private,
                language: Some("es".to_owned()),
                subscribed: true,
                consent_at: Some(NOW),
                changed_at: NOW + 5,
            }
        );
        s.subscribe(-100, ChatKind::Group, None, NOW).unwrap();
        s.queue(&text("hi"), false, NOW).unwrap();
        assert!(s.unsubscribe(1, NOW + 9).unwrap());
        assert!(!s.unsubscribe(1, NOW + 9).unwrap());
        let r = s.chat(1).unwrap().unwrap();
        assert!(!r.subscribed && r.consent_at.is_none());
        // Nothing more is sent to a chat that unsubscribed.
        let due = s.due(NOW + 10, 10, &[]).unwrap();
        assert_eq!(due.iter().map(|p| p.chat).collect::<Vec<_>>(), [-100]);
        assert_eq!(s.forget(1).unwrap(), 2, "its chat row and its outbox row");
        assert_eq!(s.chat(1).unwrap(), None);
        assert_eq!(s.forget(1).unwrap(), 0);
        let day = Day::of(NOW).to_string();
        let counts = s.counts(&day).unwrap();
        let get = |n: &str| counts.iter().find(|c| c.name == n).map_or(0, |c| c.value);
        assert_eq!(get("subscribed"), 2);
        assert_eq!(get("unsubscribed"), 1);
    }

    #[test]
    fn the_outbox_sends_each_row_until_settled() {
        let s = Sqlite::memory();
        for chat in 1..=5 {
            s.subscribe(chat, ChatKind::Private, None, NOW).unwrap();
        }
        let q = s.queue(&text("tip"), false, NOW).unwrap().unwrap();
        assert_eq!(q.recipients, 5);
        let due = s.due(NOW, 3, &[]).unwrap();
        assert_eq!(due.len(), 3);
        assert_eq!(due[0].body, Body::Text("tip".to_owned()));
        let skip: Vec<i64> = due.iter().map(|p| p.id).collect();
        let rest = s.due(NOW, 10, &skip).unwrap();
        assert_eq!(rest.len(), 2);
        s.settle(due[0].id, Settle::Sent, NOW).unwrap();
        s.settle(
            due[1].id,
            Settle::Retry {
                at: NOW + 30,
                attempts: 1,
            },
            NOW,
        )
        .unwrap();
        s.settle(due[2].id, Settle::Unsubscribed, NOW).unwrap();
        s.settle(rest[0].id, Settle::Failed, NOW).unwrap();
        assert_eq!(s.due(NOW, 10, &[]).unwrap().len(), 1);
        assert_eq!(s.next_due().unwrap(), Some(NOW));
        let later = s.due(NOW + 30, 10, &[]).unwrap();
        assert_eq!(later.len(), 2);
        assert_eq!(
            later.iter().find(|p| p.id == due[1].id).unwrap().attempts,
            1
        );
        assert!(!s.chat(due[2].chat).unwrap().unwrap().subscribed);
        let p = &s.progress().unwrap()[0];
        assert_eq!(
            (p.queued, p.sent, p.failed, p.unsubscribed),
            (2, 1, 1, 1),
            "{p:?}"
        );
    }

    #[test]
    fn tips_queue_once_and_drafts_wait_for_confirmation() {
        let s = Sqlite::memory();
        s.subscribe(1, ChatKind::Private, Some("es-MX"), NOW)
            .unwrap();
        s.subscribe(2, ChatKind::Private, None, NOW).unwrap();
        let tip = NewBroadcast {
            origin: Origin::Tip,
            tip: Some("summer".to_owned()),
            variants: vec![
                Variant {
                    language: None,
                    body: Body::Topic("relief-now".to_owned()),
                },
                Variant {
                    language: Some("es".to_owned()),
                    body: Body::Text("hola".to_owned()),
                },
            ],
        };
        assert_eq!(s.queue(&tip, false, NOW).unwrap().unwrap().recipients, 2);
        assert_eq!(s.queue(&tip, false, NOW + 60).unwrap(), None);
        let due = s.due(NOW, 10, &[]).unwrap();
        let body = |chat| due.iter().find(|p| p.chat == chat).unwrap().body.clone();
        assert_eq!(body(1), Body::Text("hola".to_owned()));
        assert_eq!(body(2), Body::Topic("relief-now".to_owned()));

        let draft = s.queue(&text("preview"), true, NOW).unwrap().unwrap();
        assert_eq!(draft.recipients, 0);
        assert_eq!(s.progress().unwrap().len(), 1, "drafts are not listed");
        assert_eq!(s.confirm(draft.id, NOW).unwrap().unwrap().recipients, 2);
        assert_eq!(s.confirm(draft.id, NOW).unwrap(), None, "confirmed once");
        assert!(!s.cancel(draft.id).unwrap());
        let other = s.queue(&text("never"), true, NOW).unwrap().unwrap();
        assert!(s.cancel(other.id).unwrap());
        assert_eq!(s.confirm(other.id, NOW).unwrap(), None);
        assert_eq!(s.due(NOW, 100, &[]).unwrap().len(), 4);
    }

    #[test]
    fn counters_add_up_per_day() {
        let s = Sqlite::memory();
        s.count("2026-11-29", &[("questions", 1), ("topic:relief-now", 1)])
            .unwrap();
        s.count("2026-11-29", &[("questions", 2)]).unwrap();
        s.count("2026-11-30", &[("questions", 1)]).unwrap();
        let c = s.counts("2026-11-29").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].value, 3);
        assert_eq!(s.counts("2026-11-30").unwrap().len(), 1);
    }
}
