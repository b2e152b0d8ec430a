//! The store's schema, as numbered migrations applied in order at start.
//!
//! The version lives in SQLite's `user_version`. Each migration runs in one transaction with the
//! version bump, so a crash leaves the file at the version before or after, never between. A
//! migration once released is never edited: a change is a new entry at the end. A file whose version is above [`LATEST`] was written by a newer
//! CrampCare and is refused rather than guessed at.

/// The migrations; entry `i` takes the file from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: chats and their consent, and daily counters (no chat ids).
    "CREATE TABLE chats (
        id          INTEGER PRIMARY KEY,
        kind        TEXT    NOT NULL,
        language    TEXT,
        subscribed  INTEGER NOT NULL,
        consent_at  INTEGER,
        changed_at  INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX chats_subscribed ON chats (subscribed);
    CREATE TABLE counters (
        day    TEXT    NOT NULL,
        name   TEXT    NOT NULL,
        value  INTEGER NOT NULL,
        PRIMARY KEY (day, name)
    ) STRICT, WITHOUT ROWID;",
    // 2: broadcasts (a tip id at most once) and the outbox, one row per recipient.
    "CREATE TABLE broadcasts (
        id          INTEGER PRIMARY KEY,
        origin      TEXT    NOT NULL,
        tip         TEXT    UNIQUE,
        variants    TEXT    NOT NULL,
        draft       INTEGER NOT NULL,
        created_at  INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        broadcast   INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
        chat        INTEGER NOT NULL,
        variant     INTEGER NOT NULL,
        status      TEXT    NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        next_at     INTEGER NOT NULL,
        changed_at  INTEGER NOT NULL,
        UNIQUE (broadcast, chat)
    ) STRICT;
    CREATE INDEX outbox_due ON outbox (status, next_at, id);
    CREATE INDEX outbox_chat ON outbox (chat);",
    // 3: the inbox (issue 14): every update as received, until it is done. `seq` is the order of
    // arrival (Telegram's update ids may jump); `rank` orders the rows left over from an earlier
    // run by urgency; `body` (the update, message text included) is erased once the row is done.
    "CREATE TABLE inbox (
        seq          INTEGER PRIMARY KEY,
        update_id    INTEGER NOT NULL UNIQUE,
        chat         INTEGER,
        rank         INTEGER NOT NULL,
        body         TEXT,
        done         INTEGER NOT NULL DEFAULT 0,
        received_at  INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX inbox_waiting ON inbox (rank, seq) WHERE done = 0;
    CREATE INDEX inbox_received ON inbox (received_at);",
    // 4: the language a chat chose with /language (issue 12): a language code per chat id, no
    // text. Apart from `chats`, whose rows are the subscribers': any chat may choose a language.
    "CREATE TABLE chat_languages (
        chat      INTEGER PRIMARY KEY,
        language  TEXT    NOT NULL
    ) STRICT, WITHOUT ROWID;",
];

/// The version this CrampCare writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;
