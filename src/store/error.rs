//! [`StoreError`]: what went wrong with the store file, naming its path and saying what to do.
//!
//! A locked, read-only, full or damaged file is an environment problem (exit code 2), never a
//! panic and never a silent loss: the operation that failed changed nothing.

use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of problem the store had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// Another process holds a lock for longer than the busy timeout.
    Locked,
    /// The file (or its folder) cannot be written.
    ReadOnly,
    /// The disk (or quota) is full.
    Full,
    /// Not a SQLite file, or damaged.
    Corrupt,
    /// Written by a newer CrampCare, with migrations this one does not know.
    TooNew,
    /// The file cannot be opened or created.
    CannotOpen,
    /// Anything else SQLite reported.
    Other,
}

/// A store failure, with the path of the store file.
#[derive(Debug, thiserror::Error)]
pub struct StoreError {
    /// The store file.
    pub path: PathBuf,
    /// What kind of problem.
    pub kind: StoreErrorKind,
    /// SQLite's own words (never a message text: the store keeps none).
    pub detail: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let what = match self.kind {
            StoreErrorKind::Locked => {
                "is locked by another process; is another `crampcare` using it? Try again, or stop it"
            }
            StoreErrorKind::ReadOnly => {
                "is read-only; make the file and its folder writable, or pass another --db PATH"
            }
            StoreErrorKind::Full => "cannot grow: the disk is full; free some space",
            StoreErrorKind::Corrupt => {
                "is not a CrampCare database or is damaged; restore a backup or pass another --db PATH"
            }
            StoreErrorKind::TooNew => {
                "was written by a newer CrampCare; run that version, or pass another --db PATH"
            }
            StoreErrorKind::CannotOpen => "cannot be opened or created",
            StoreErrorKind::Other => "failed",
        };
        write!(f, "the store {path} {what} ({})", self.detail)
    }
}

impl StoreError {
    /// An error of `kind` for the store at `path`.
    #[must_use]
    pub fn new(path: &Path, kind: StoreErrorKind, detail: impl Into<String>) -> StoreError {
        StoreError {
            path: path.to_owned(),
            kind,
            detail: detail.into(),
        }
    }

    /// Sorts a SQLite error by its code.
    #[must_use]
    pub fn sqlite(path: &Path, e: &rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode as C;
        let kind = match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => StoreErrorKind::Locked,
            Some(C::ReadOnly | C::PermissionDenied) => StoreErrorKind::ReadOnly,
            Some(C::DiskFull) => StoreErrorKind::Full,
            Some(C::DatabaseCorrupt | C::NotADatabase) => StoreErrorKind::Corrupt,
            Some(C::CannotOpen) => StoreErrorKind::CannotOpen,
            _ => StoreErrorKind::Other,
        };
        StoreError::new(path, kind, e.to_string())
    }
}
