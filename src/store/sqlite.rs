//! [`Sqlite`]: the [`Store`] in one embedded SQLite file (bundled with the binary: nothing to
//! install), in WAL mode so that `crampcare broadcast` can write while `crampcare run` reads.
//!
//! Durability: `synchronous = NORMAL` in WAL mode keeps every committed transaction through a
//! crash of the process (kill -9, an out-of-memory kill); a power cut may lose the last
//! transactions, never the file. Each method is one short transaction behind a mutex: the bot
//! calls them from async code, where they take tens of microseconds.
//!
//! This file owns the connection: opening, pragmas, migrations, errors and transactions;
//! `sqlite/queries.rs` holds the [`super::Store`] methods, what is kept and how;
//! `sqlite/inbox.rs` the [`super::Inbox`] methods.

mod inbox;
mod queries;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction};

use super::error::{StoreError, StoreErrorKind};
use super::migrations::{LATEST, MIGRATIONS};

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
        // secure_delete: the inbox erases message texts, and erased must mean gone from the file.
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Body, ChatKind, NewBroadcast, Origin, Store, Timestamp};

    const NOW: Timestamp = 1_780_000_000;

    fn text(t: &str) -> NewBroadcast {
        NewBroadcast::one(Origin::Cli, Body::Text(t.to_owned()))
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
}
