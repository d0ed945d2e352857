//! The journal: everything the person told closer — each prompt sent, each answer, each
//! ladder move, and the settings changed from the terminal — in one SQLite file
//! (`journal.sqlite3` in the data dir).
//!
//! Invariants: the file and its `-wal`/`-shm` are 0600 in a 0700 directory; it is in WAL
//! mode with `synchronous=FULL`, so a write that returned `Ok` survives SIGKILL and power
//! loss; the daemon and the CLI may hold it open at once (every write is one statement
//! or one `BEGIN IMMEDIATE` transaction — `Journal::write` — under a 5 s busy timeout, so
//! two processes' writes are serialised, and what belongs together is stored together or
//! not at all); an answer is stored at most once, and so is a prompt recorded again
//! (`record_shown`). A symlink in the journal's place is refused, never followed. A row
//! with a value closer does not know is skipped with one warning naming its table and id,
//! and `unreadable` gives it as stored, for `export`. A damaged file is never repaired or
//! deleted: `open` moves it aside and starts a fresh one. This module stores and reads; it
//! never decides anything.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior};

use crate::content::{Category, Ladder};

// The rows are the core's plain data; the store converts them at its boundary (words and
// codes, below), so the on-disk format is this module's alone.
pub use closer_core::model::{
    AnswerKind, AnswerRow, Cause, Distress, Entry, Happened, MoveRow, NewAnswer, NewMove, NewSent,
    SentRow, Shown, sort_entries,
};

/// The journal's file name in the data dir.
pub const FILE_NAME: &str = "journal.sqlite3";

/// How long a write waits for another process's write to finish.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one step per version: `MIGRATIONS[i]` takes `user_version` from `i` to
/// `i + 1`. Only ever append. Times are RFC 3339 UTC text with milliseconds
/// (`2025-01-31T20:15:00.000Z`), so they sort as text.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE sent (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    due          TEXT NOT NULL,
    rule         TEXT NOT NULL,
    category     TEXT NOT NULL,
    prompt       TEXT,
    ladder       TEXT,
    rung         INTEGER CHECK (rung BETWEEN 0 AND 255),
    notification INTEGER CHECK (notification BETWEEN 0 AND 4294967295)
) STRICT;
CREATE INDEX sent_at ON sent (at);
CREATE INDEX sent_category_at ON sent (category, at);
CREATE INDEX sent_notification ON sent (notification, at);

CREATE TABLE answer (
    id       INTEGER PRIMARY KEY,
    sent_id  INTEGER NOT NULL REFERENCES sent (id),
    at       TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('done', 'hard', 'skip', 'snooze')),
    distress INTEGER CHECK (distress BETWEEN 0 AND 10),
    happened INTEGER CHECK (happened IN (0, 1)),
    source   TEXT NOT NULL,
    UNIQUE (sent_id, kind, at)
) STRICT;
CREATE INDEX answer_at ON answer (at);

CREATE TABLE move (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    ladder    TEXT NOT NULL,
    from_rung INTEGER NOT NULL CHECK (from_rung BETWEEN 0 AND 255),
    to_rung   INTEGER NOT NULL CHECK (to_rung BETWEEN 0 AND 255),
    reason    TEXT NOT NULL
) STRICT;
CREATE INDEX move_at ON move (at);

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
",
    "
CREATE INDEX sent_ladder_rung ON sent (ladder, rung, at);
",
    // The words a prompt was sent with (`Shown`): NULL in rows from before.
    "
ALTER TABLE sent ADD COLUMN title TEXT;
ALTER TABLE sent ADD COLUMN body TEXT;
ALTER TABLE sent ADD COLUMN ladder_name TEXT;
",
    // The care rules read an answer against its step (issue 18): "no chance yet" is an
    // answer of its own; what was feared may have partly happened (2); `too_much` marks
    // an answer that was more than the step should cost (the person's "Too much", or a
    // distress far above the step's). A move says why it was made (`cause`), so a
    // message after a step back or a restart is only sent after a real one. Older rows:
    // the old "Too much" (a hard answer of 9 or more, nothing said not to have happened),
    // and the cause as the old reasons tell it.
    "
CREATE TABLE answer_v4 (
    id       INTEGER PRIMARY KEY,
    sent_id  INTEGER NOT NULL REFERENCES sent (id),
    at       TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('done', 'hard', 'skip', 'snooze', 'no-chance')),
    distress INTEGER CHECK (distress BETWEEN 0 AND 10),
    happened INTEGER CHECK (happened IN (0, 1, 2)),
    source   TEXT NOT NULL,
    too_much INTEGER NOT NULL DEFAULT 0 CHECK (too_much IN (0, 1)),
    UNIQUE (sent_id, kind, at)
) STRICT;
INSERT INTO answer_v4 (id, sent_id, at, kind, distress, happened, source, too_much)
    SELECT id, sent_id, at, kind, distress, happened, source,
           kind = 'hard' AND distress >= 9 AND coalesce(happened, 1) = 1
    FROM answer;
DROP TABLE answer;
ALTER TABLE answer_v4 RENAME TO answer;
CREATE INDEX answer_at ON answer (at);

ALTER TABLE move ADD COLUMN cause TEXT CHECK (cause IN ('up', 'back', 'restart', 'set'));
UPDATE move SET cause = CASE
    WHEN reason LIKE 'set to rung%' THEN 'set'
    WHEN reason LIKE '%days away%' THEN 'restart'
    WHEN to_rung > from_rung THEN 'up'
    ELSE 'back' END;
",
];

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal `{path}`: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("journal `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// The file is not a database, is truncated, or fails its check.
    #[error("journal `{path}` is damaged: {why}")]
    Corrupt { path: PathBuf, why: String },
    #[error(
        "journal `{path}` has schema version {found}, newer than this closer knows ({known}); update closer"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "journal `{path}` is a symlink; closer keeps its journal as a plain file: move the file it points to into its place"
    )]
    Symlink { path: PathBuf },
    #[error("journal `{path}`: no sent prompt has id {sent_id}")]
    UnknownSent { path: PathBuf, sent_id: i64 },
}

/// How the journal was found when opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    Created,
    Existing,
    /// The file was damaged: it was moved to `moved_to` and a fresh journal started.
    Recovered {
        moved_to: PathBuf,
        why: String,
    },
}

/// An open journal. Each process opens its own.
#[derive(Debug)]
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    /// The rows this process already warned it cannot read (table, id): once each.
    warned: std::cell::RefCell<std::collections::BTreeSet<(&'static str, i64)>>,
}

/// A row closer cannot read (a value it does not know), as it is stored: for `export`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub table: &'static str,
    pub id: i64,
    /// Every column, by name, as stored.
    pub columns: serde_json::Map<String, serde_json::Value>,
}

impl Journal {
    /// Opens (creating parent dirs 0700 and the file 0600, also its -wal and -shm files
    /// 0600) the journal at `path`, in WAL mode, with a busy timeout of 5 s and
    /// `synchronous=FULL` (an acknowledged answer survives SIGKILL and power loss), and
    /// migrates the schema. A file that is not a database, is truncated, or fails
    /// `PRAGMA quick_check` is moved aside to `journal.sqlite3.corrupt-<UTC timestamp>`
    /// (with its -wal/-shm) and a fresh journal is created: `Opened::Recovered`.
    pub fn open(path: &Path) -> Result<(Journal, Opened), JournalError> {
        Journal::open_with(path, Check::EveryPage)
    }

    /// How long a write waits for another process's write to finish; [`BUSY_TIMEOUT`]
    /// unless set here (the daemon is handed its own, so a test need not wait 5 s).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), JournalError> {
        self.conn
            .busy_timeout(timeout)
            .map_err(|e| sqlite_error(&self.path, e))
    }

    /// Hands back the memory SQLite holds for this connection beyond what it uses now
    /// (cached pages, chiefly): the daemon calls it before it sleeps, since the next wake
    /// reads a few pages and the file's pages stay in the system's cache anyway.
    pub fn release_memory(&self) {
        if let Err(e) = self.conn.execute_batch("PRAGMA shrink_memory") {
            tracing::debug!("cannot shrink the journal's memory: {e}");
        }
    }

    /// `open` for a short-lived terminal command: a file that is not a database is moved
    /// aside as `open` does, but its pages are not all read first (`quick_check` costs
    /// time in proportion to the journal's size, at every command); a damaged page is an
    /// error when it is read. The daemon's `open` checks every page once, at its start.
    pub fn open_for_command(path: &Path) -> Result<(Journal, Opened), JournalError> {
        Journal::open_with(path, Check::Header)
    }

    /// Opens the journal at `path` to read only, for a command that only looks (`status`,
    /// `log`, `export`, `next`, `report`): nothing is created, migrated or chmodded, so a
    /// read-only data dir or a `chmod 400` journal is read as it is. Shared with a running
    /// daemon's writes as usual; where SQLite cannot make its shared-memory file (a
    /// read-only dir), as a file nobody can be writing. `Ok(None)` when it cannot be read as
    /// it is (an older schema to migrate, damage to move aside): `open_for_command` then.
    pub fn open_to_read(path: &Path) -> Result<Option<Journal>, JournalError> {
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(JournalError::Symlink {
                path: path.to_path_buf(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let file = uri_path(path);
        let mut last = None;
        for uri in [
            format!("file:{file}?mode=ro"),
            format!("file:{file}?immutable=1"),
        ] {
            let opened = Connection::open_with_flags(&uri, flags).and_then(|conn| {
                conn.busy_timeout(BUSY_TIMEOUT)?;
                conn.pragma_update(None, "cache_size", -256)?;
                let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
                Ok((conn, version))
            });
            let (conn, version) = match opened {
                Ok(opened) => opened,
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::CannotOpen) => {
                    last = Some(e);
                    continue;
                }
                Err(e) => {
                    return match sqlite_error(path, e) {
                        JournalError::Corrupt { .. } => Ok(None),
                        e => Err(e),
                    };
                }
            };
            let latest = MIGRATIONS.len() as i64;
            if version > latest {
                return Err(JournalError::TooNew {
                    path: path.to_path_buf(),
                    found: version,
                    known: latest,
                });
            }
            return Ok((version == latest).then(|| Journal {
                conn,
                path: path.to_path_buf(),
                warned: Default::default(),
            }));
        }
        Err(sqlite_error(
            path,
            last.unwrap_or(rusqlite::Error::InvalidQuery),
        ))
    }

    fn open_with(path: &Path, check: Check) -> Result<(Journal, Opened), JournalError> {
        let before = prepare_file(path)?;
        match connect(path, check) {
            Err(JournalError::Corrupt { why, .. }) => {
                // Another process may have moved it aside already; then use its fresh one.
                let moved_to = if file_id(path) == before {
                    Some(move_aside(path)?)
                } else {
                    None
                };
                prepare_file(path)?;
                let (journal, opened) = connect(path, check)?;
                let opened = match moved_to {
                    Some(moved_to) => Opened::Recovered { moved_to, why },
                    None => opened,
                };
                Ok((journal, opened))
            }
            other => other,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses every write from now on (or again allows them), as a read-only disk would:
    /// for tests of what the daemon does when it cannot write.
    #[doc(hidden)]
    pub fn refuse_writes(&self, refuse: bool) -> Result<(), JournalError> {
        self.conn
            .pragma_update(None, "query_only", refuse)
            .map_err(|e| self.error(e))
    }

    /// Runs `write` as one transaction (`BEGIN IMMEDIATE`: it takes the write lock first,
    /// so what it reads stays true until it commits, and another process's writes wait
    /// for it): every statement in it is stored, or none is. `write` gets this journal;
    /// a `write` inside another joins the outer transaction.
    pub fn write<T, E: From<JournalError>>(
        &self,
        write: impl FnOnce(&Journal) -> Result<T, E>,
    ) -> Result<T, E> {
        if !self.conn.is_autocommit() {
            return write(self);
        }
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        // An error drops `tx`, which rolls it back.
        let value = write(self)?;
        tx.commit().map_err(|e| E::from(self.error(e)))?;
        Ok(value)
    }

    /// Records a prompt that went out and, when it was shown, its notification id, in one
    /// transaction: a failure leaves neither. The same prompt (same time, rule, category
    /// and prompt) recorded again is the row already there: trying again, or replaying
    /// a recovery file twice, stores it once.
    pub fn record_shown(&self, sent: &NewSent, shown: Option<u32>) -> Result<i64, JournalError> {
        self.write(|j| -> Result<i64, JournalError> {
            let existing = j
                .conn
                .query_row(
                    "SELECT id FROM sent
                     WHERE at = ?1 AND rule = ?2 AND category = ?3 AND prompt IS ?4
                     ORDER BY id LIMIT 1",
                    (
                        time_text(sent.at),
                        &sent.rule,
                        sent.category.as_str(),
                        &sent.prompt,
                    ),
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| j.error(e))?;
            let id = match existing {
                Some(id) => id,
                None => j.record_sent(sent)?,
            };
            if let Some(n) = shown {
                j.set_notification(id, n)?;
            }
            Ok(id)
        })
    }

    /// Every answer to the prompt `sent_id`, oldest first.
    pub fn answers_to(&self, sent_id: i64) -> Result<Vec<AnswerRow>, JournalError> {
        let read = || -> rusqlite::Result<Vec<AnswerRow>> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT {ANSWER_COLUMNS} FROM answer WHERE sent_id = ?1 ORDER BY at, id"
            ))?;
            let mut rows = stmt.query([sent_id])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.extend(self.readable("answer", row, answer_row)?);
            }
            Ok(out)
        };
        read().map_err(|e| self.error(e))
    }

    pub fn record_sent(&self, sent: &NewSent) -> Result<i64, JournalError> {
        self.conn
            .execute(
                "INSERT INTO sent (at, due, rule, category, prompt, ladder, rung, title, body,
                                   ladder_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                (
                    time_text(sent.at),
                    time_text(sent.due),
                    &sent.rule,
                    sent.category.as_str(),
                    &sent.prompt,
                    sent.ladder.as_ref().map(Ladder::as_str),
                    sent.rung,
                    &sent.shown.title,
                    &sent.shown.body,
                    &sent.shown.ladder_name,
                ),
            )
            .map_err(|e| self.error(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn set_notification(&self, sent_id: i64, notification: u32) -> Result<(), JournalError> {
        let changed = self
            .conn
            .execute(
                "UPDATE sent SET notification = ?1 WHERE id = ?2",
                (notification, sent_id),
            )
            .map_err(|e| self.error(e))?;
        if changed == 0 {
            return Err(self.unknown_sent(sent_id));
        }
        Ok(())
    }

    /// Stores an answer. The same answer (same sent_id, kind and at) given twice is
    /// stored once: returns false the second time. An answer to an unknown sent_id is an
    /// error.
    pub fn record_answer(&self, answer: &NewAnswer) -> Result<bool, JournalError> {
        Ok(self.record_answer_id(answer)?.is_some())
    }

    /// `record_answer`, saying the new answer's id (None when it was already stored).
    pub fn record_answer_id(&self, answer: &NewAnswer) -> Result<Option<i64>, JournalError> {
        let inserted = self
            .conn
            .execute(
                "INSERT INTO answer (sent_id, at, kind, distress, happened, source, too_much)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (sent_id, kind, at) DO NOTHING",
                (
                    answer.sent_id,
                    time_text(answer.at),
                    answer.kind.as_str(),
                    answer.distress.map(u8::from),
                    answer.happened.map(Happened::code),
                    answer.source,
                    answer.too_much,
                ),
            )
            .map_err(|e| {
                if is_foreign_key(&e) {
                    self.unknown_sent(answer.sent_id)
                } else {
                    self.error(e)
                }
            })?;
        Ok((inserted == 1).then(|| self.conn.last_insert_rowid()))
    }

    /// The latest "done" or "hard" answer to the prompt `sent_id`, if any: what a
    /// follow-up ("how did it go?") completes.
    pub fn last_answer(&self, sent_id: i64) -> Result<Option<AnswerRow>, JournalError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {ANSWER_COLUMNS} FROM answer
                     WHERE sent_id = ?1 AND kind IN ('done', 'hard')
                     ORDER BY at DESC, id DESC LIMIT 1"
                ),
                [sent_id],
                answer_row,
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// The recorded answer `id`, if there is one.
    pub fn answer(&self, id: i64) -> Result<Option<AnswerRow>, JournalError> {
        self.conn
            .query_row(
                &format!("SELECT {ANSWER_COLUMNS} FROM answer WHERE id = ?1"),
                [id],
                answer_row,
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Sets the distress, whether the feared outcome happened and whether it was too much
    /// on the recorded answer `answer_id`, in one statement: a follow-up completes its
    /// answer, it is not another. Only an answer that says nothing of how it went yet is
    /// completed (the first word on it stands): returns whether this one was.
    pub fn complete_answer(
        &self,
        answer_id: i64,
        distress: Option<Distress>,
        happened: Option<Happened>,
        too_much: bool,
    ) -> Result<bool, JournalError> {
        let changed = self
            .conn
            .execute(
                "UPDATE answer SET distress = ?1, happened = ?2, too_much = ?3
                 WHERE id = ?4 AND distress IS NULL AND happened IS NULL AND too_much = 0",
                (
                    distress.map(u8::from),
                    happened.map(Happened::code),
                    too_much,
                    answer_id,
                ),
            )
            .map_err(|e| self.error(e))?;
        Ok(changed == 1)
    }

    pub fn record_move(&self, m: &NewMove) -> Result<i64, JournalError> {
        self.conn
            .execute(
                "INSERT INTO move (at, ladder, from_rung, to_rung, reason, cause)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (
                    time_text(m.at),
                    m.ladder.as_str(),
                    m.from,
                    m.to,
                    &m.reason,
                    m.cause.as_str(),
                ),
            )
            .map_err(|e| self.error(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The latest sent step (category step), if any — what `closer done` answers by
    /// default.
    pub fn latest_step(&self) -> Result<Option<SentRow>, JournalError> {
        self.one_sent(
            "WHERE category = ?1 ORDER BY at DESC, id DESC",
            Category::Step.as_str(),
        )
    }

    /// The latest sending of the prompt `prompt` (its id in the content), if any.
    pub fn latest_sent_of(&self, prompt: &str) -> Result<Option<SentRow>, JournalError> {
        self.one_sent("WHERE prompt = ?1 ORDER BY at DESC, id DESC", prompt)
    }

    pub fn sent(&self, id: i64) -> Result<Option<SentRow>, JournalError> {
        self.one_sent("WHERE id = ?1", id)
    }

    /// The sent row shown as notification `n`, the latest one if the server reused the
    /// id.
    pub fn sent_by_notification(&self, n: u32) -> Result<Option<SentRow>, JournalError> {
        self.one_sent("WHERE notification = ?1 ORDER BY at DESC, id DESC", n)
    }

    /// Every entry at or after `since` (all when None), in time order (ties: sent, then
    /// answer, then move, then id).
    pub fn entries(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Entry>, JournalError> {
        // An empty string sorts before every time.
        let since = since.map(time_text).unwrap_or_default();
        let mut entries = self.read_entries(&since).map_err(|e| self.error(e))?;
        entries.sort_by_key(|e| (e.at(), e.tie()));
        Ok(entries)
    }

    /// What planning needs from before `since` and after: every entry at or after it,
    /// every move (they are few, and make each ladder's standing), and the prompts that
    /// those answers answer. Not in time order: see `sort_entries`.
    pub fn window(&self, since: DateTime<Utc>) -> Result<Vec<Entry>, JournalError> {
        let since = time_text(since);
        let read = || -> rusqlite::Result<Vec<Entry>> {
            let _tx = if self.conn.is_autocommit() {
                Some(self.conn.unchecked_transaction()?)
            } else {
                None
            };
            let mut entries = Vec::new();
            let sent = self.read_table("sent", PLAN_SENT_COLUMNS, &since, sent_row)?;
            let known: std::collections::HashSet<i64> = sent.iter().map(|s| s.id).collect();
            entries.extend(sent.into_iter().map(Entry::Sent));
            let answers = self.read_table("answer", ANSWER_COLUMNS, &since, answer_row)?;
            let older: std::collections::BTreeSet<i64> = answers
                .iter()
                .map(|a| a.sent_id)
                .filter(|id| !known.contains(id))
                .collect();
            entries.extend(answers.into_iter().map(Entry::Answer));
            let moves = self.read_table("move", MOVE_COLUMNS, "", move_row)?;
            entries.extend(moves.into_iter().map(Entry::Move));
            for id in older {
                if let Some(sent) = self.one_sent_raw(PLAN_SENT_COLUMNS, "WHERE id = ?1", id)? {
                    entries.push(Entry::Sent(sent));
                }
            }
            Ok(entries)
        };
        read().map_err(|e| self.error(e))
    }

    /// The latest `limit` answers (snoozes aside) to steps of `ladder` — at `rung`, at or
    /// after `since`, when given — with the prompts they answer. Indexed: its cost does
    /// not grow with the journal's age.
    pub fn step_answers_on(
        &self,
        ladder: Ladder,
        rung: Option<u8>,
        since: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<Entry>, JournalError> {
        let read = || -> rusqlite::Result<Vec<Entry>> {
            // With a rung, the (ladder, rung, at) index finds just that rung's prompts.
            let rung_test = if rung.is_some() {
                "s.rung = ?2"
            } else {
                "?2 IS NULL"
            };
            let mut stmt = self.conn.prepare(&format!(
                "SELECT a.id, a.sent_id, a.at, a.kind, a.distress, a.happened, a.source, a.too_much
                 FROM sent s JOIN answer a ON a.sent_id = s.id
                 WHERE s.ladder = ?1 AND {rung_test} AND s.category = 'step'
                   AND a.kind != 'snooze' AND a.at >= ?3
                 ORDER BY a.at DESC, a.id DESC LIMIT ?4"
            ))?;
            let since = since.map(time_text).unwrap_or_default();
            let mut rows = stmt.query((ladder.as_str(), rung, since, limit))?;
            let mut answers = Vec::new();
            while let Some(row) = rows.next()? {
                answers.extend(self.readable("answer", row, answer_row)?);
            }
            drop(rows);
            let mut entries = Vec::new();
            for a in answers {
                if let Some(sent) =
                    self.one_sent_raw(PLAN_SENT_COLUMNS, "WHERE id = ?1", a.sent_id)?
                {
                    entries.push(Entry::Sent(sent));
                }
                entries.push(Entry::Answer(a));
            }
            Ok(entries)
        };
        read().map_err(|e| self.error(e))
    }

    /// A small key-value store for settings that the person changes from the terminal
    /// (paused until, ladder on/off overrides).
    pub fn setting(&self, key: &str) -> Result<Option<String>, JournalError> {
        self.conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Every setting whose key starts with `prefix`, in key order.
    pub fn settings_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, JournalError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT key, value FROM setting WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Sets `key` to `value`; `None` deletes it.
    pub fn set_setting(&self, key: &str, value: Option<&str>) -> Result<(), JournalError> {
        match value {
            Some(value) => self.conn.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            ),
            None => self
                .conn
                .execute("DELETE FROM setting WHERE key = ?1", [key]),
        }
        .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// The first readable sent row of those `condition` selects (unreadable ones are
    /// warned about and passed over).
    fn one_sent(
        &self,
        condition: &str,
        param: impl rusqlite::ToSql,
    ) -> Result<Option<SentRow>, JournalError> {
        self.one_sent_raw(SENT_COLUMNS, condition, param)
            .map_err(|e| self.error(e))
    }

    fn one_sent_raw(
        &self,
        columns: &str,
        condition: &str,
        param: impl rusqlite::ToSql,
    ) -> rusqlite::Result<Option<SentRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {columns} FROM sent {condition}"))?;
        let mut rows = stmt.query([param])?;
        while let Some(row) = rows.next()? {
            if let Some(sent) = self.readable("sent", row, sent_row)? {
                return Ok(Some(sent));
            }
        }
        Ok(None)
    }

    /// `read`'s value for `row`; None, with one warning naming the table and the row's id,
    /// when a value in it is not one closer knows (another version wrote it, or a hand).
    fn readable<T>(
        &self,
        table: &'static str,
        row: &Row<'_>,
        read: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Option<T>> {
        match read(row) {
            Ok(value) => Ok(Some(value)),
            Err(
                e @ (rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)),
            ) => {
                let id: i64 = row.get(0)?;
                if self.warned.borrow_mut().insert((table, id)) {
                    tracing::warn!(
                        "journal `{}`: skipping `{table}` row {id}, which closer cannot read ({}); `closer export` still has it",
                        self.path.display(),
                        unreadable_why(&e)
                    );
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The rows of `table` read by `read`, at or after `since`, unreadable ones skipped.
    fn read_table<T>(
        &self,
        table: &'static str,
        columns: &str,
        since: &str,
        read: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Vec<T>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {columns} FROM {table} WHERE at >= ?1"))?;
        let mut rows = stmt.query([since])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.extend(self.readable(table, row, read)?);
        }
        Ok(out)
    }

    /// The rows of every table at or after `since`, read in one transaction: a snapshot,
    /// even while another process writes.
    fn read_entries(&self, since: &str) -> rusqlite::Result<Vec<Entry>> {
        // Inside `Journal::write` the snapshot is the write transaction's own.
        let _tx = if self.conn.is_autocommit() {
            Some(self.conn.unchecked_transaction()?)
        } else {
            None
        };
        let mut entries: Vec<Entry> = Vec::new();
        let sent = self.read_table("sent", SENT_COLUMNS, since, sent_row)?;
        entries.extend(sent.into_iter().map(Entry::Sent));
        let answers = self.read_table("answer", ANSWER_COLUMNS, since, answer_row)?;
        entries.extend(answers.into_iter().map(Entry::Answer));
        let moves = self.read_table("move", MOVE_COLUMNS, since, move_row)?;
        entries.extend(moves.into_iter().map(Entry::Move));
        Ok(entries)
    }

    /// Every row closer cannot read, whole and as stored, so that `export` gives the
    /// person everything they have.
    pub fn unreadable(&self) -> Result<Vec<RawRow>, JournalError> {
        let read = || -> rusqlite::Result<Vec<RawRow>> {
            let _tx = if self.conn.is_autocommit() {
                Some(self.conn.unchecked_transaction()?)
            } else {
                None
            };
            let tables: [(&'static str, &str, RowCheck); 3] = [
                ("sent", SENT_COLUMNS, |r| sent_row(r).map(drop)),
                ("answer", ANSWER_COLUMNS, |r| answer_row(r).map(drop)),
                ("move", MOVE_COLUMNS, |r| move_row(r).map(drop)),
            ];
            let mut out = Vec::new();
            for (table, columns, read) in tables {
                let mut stmt = self
                    .conn
                    .prepare(&format!("SELECT {columns} FROM {table} ORDER BY id"))?;
                let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    if read(row).is_ok() {
                        continue;
                    }
                    let mut columns = serde_json::Map::new();
                    for (i, name) in names.iter().enumerate() {
                        columns.insert(name.clone(), raw_value(row.get_ref(i)?));
                    }
                    out.push(RawRow {
                        table,
                        id: row.get(0)?,
                        columns,
                    });
                }
            }
            Ok(out)
        };
        read().map_err(|e| self.error(e))
    }

    fn error(&self, e: rusqlite::Error) -> JournalError {
        sqlite_error(&self.path, e)
    }

    fn unknown_sent(&self, sent_id: i64) -> JournalError {
        JournalError::UnknownSent {
            path: self.path.clone(),
            sent_id,
        }
    }
}

/// Deletes the journal at `path` and its -wal, -shm and every `.corrupt-*` copy beside
/// it; returns the files removed.
pub fn forget(path: &Path) -> Result<Vec<PathBuf>, JournalError> {
    let mut doomed = vec![
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
        with_suffix(path, "-journal"),
    ];
    let dir = parent_dir(path);
    let corrupt_prefix = format!("{}.corrupt-", file_name(path));
    match fs::read_dir(dir) {
        Ok(listing) => {
            for item in listing {
                let item = item.map_err(|e| io_error(dir, e))?;
                if item
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&corrupt_prefix)
                {
                    doomed.push(item.path());
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(dir, e)),
    }
    let mut removed = Vec::new();
    for file in doomed {
        match fs::remove_file(&file) {
            Ok(()) => removed.push(file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&file, e)),
        }
    }
    removed.sort();
    Ok(removed)
}

/// Whether a row reads as its table's record.
type RowCheck = fn(&Row<'_>) -> rusqlite::Result<()>;

/// Why a row could not be read, in a few words.
fn unreadable_why(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::FromSqlConversionFailure(_, _, why) => why.to_string(),
        other => other.to_string(),
    }
}

/// A stored value as JSON: text as text, numbers as numbers, blobs as hex text.
fn raw_value(v: rusqlite::types::ValueRef<'_>) -> serde_json::Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => f.into(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
            .into(),
    }
}

/// A sent row's columns as planning reads them: all but the words it was sent with.
const PLAN_SENT_COLUMNS: &str = "id, at, due, rule, category, prompt, ladder, rung, notification";
const SENT_COLUMNS: &str =
    "id, at, due, rule, category, prompt, ladder, rung, notification, title, body, ladder_name";
const ANSWER_COLUMNS: &str = "id, sent_id, at, kind, distress, happened, source, too_much";
const MOVE_COLUMNS: &str = "id, at, ladder, from_rung, to_rung, reason, cause";

fn sent_row(r: &Row<'_>) -> rusqlite::Result<SentRow> {
    Ok(SentRow {
        id: r.get(0)?,
        at: time_column(r, 1)?,
        due: time_column(r, 2)?,
        rule: r.get(3)?,
        category: word_column(r, 4)?,
        prompt: r.get(5)?,
        ladder: optional_word_column(r, 6)?,
        rung: r.get(7)?,
        notification: r.get(8)?,
        // Read only when selected (`SENT_COLUMNS`, not `PLAN_SENT_COLUMNS`).
        shown: if r.as_ref().column_count() > 9 {
            Shown {
                title: r.get(9)?,
                body: r.get(10)?,
                ladder_name: r.get(11)?,
            }
        } else {
            Shown::default()
        },
    })
}

fn answer_row(r: &Row<'_>) -> rusqlite::Result<AnswerRow> {
    Ok(AnswerRow {
        id: r.get(0)?,
        sent_id: r.get(1)?,
        at: time_column(r, 2)?,
        kind: word_column(r, 3)?,
        distress: distress_column(r, 4)?,
        happened: happened_column(r, 5)?,
        source: r.get(6)?,
        too_much: r.get(7)?,
    })
}

fn move_row(r: &Row<'_>) -> rusqlite::Result<MoveRow> {
    Ok(MoveRow {
        id: r.get(0)?,
        at: time_column(r, 1)?,
        ladder: word_column(r, 2)?,
        from: r.get(3)?,
        to: r.get(4)?,
        reason: r.get(5)?,
        cause: word_column(r, 6)?,
    })
}

/// A time as stored: UTC, milliseconds, `Z`, so that text order is time order.
fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn time_column(r: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = r.get(i)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

/// A word stored as text (`"step"`, `"done"`) read back into its enum.
fn word_column<T: FromStr<Err = String>>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    text.parse()
        .map_err(|e: String| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, e.into()))
}

/// A distress, stored as its number; one off the scale (written by hand, or by another
/// version) is out of range, as any integer column's would be.
fn distress_column(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Distress>> {
    match r.get::<_, Option<i64>>(i)? {
        None => Ok(None),
        Some(n) => u8::try_from(n)
            .ok()
            .and_then(Distress::new)
            .map(Some)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(i, n)),
    }
}

/// Whether the feared outcome happened, stored as a code (`Happened::code`); a code
/// closer does not know is out of range, as any integer column's would be.
fn happened_column(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Happened>> {
    match r.get::<_, Option<i64>>(i)? {
        None => Ok(None),
        Some(code) => Happened::from_code(code)
            .map(Some)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(i, code)),
    }
}

fn optional_word_column<T: FromStr<Err = String>>(
    r: &Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<T>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => word_column(r, i).map(Some),
    }
}

/// Makes sure the directory (0700 when created) and the file (0600) exist, that the file
/// is open to nobody else (its mode only ever tightened: a `chmod 400` journal stays
/// read-only), and that any -wal/-shm beside it are 0600 (SQLite gives new -wal/-shm files
/// the database file's mode). Returns the file's identity.
fn prepare_file(path: &Path) -> Result<Option<(u64, u64)>, JournalError> {
    let dir = parent_dir(path);
    crate::files::create_private_dir(dir).map_err(|e| io_error(dir, e))?;
    // A symlink is refused, not followed: its target is not closer's to chmod or fill.
    for file in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        if fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(JournalError::Symlink { path: file });
        }
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error(path, e)),
    }
    #[cfg(unix)]
    for file in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = |meta: &fs::Metadata| meta.permissions().mode() & 0o777;
        // The journal: the person's own setting, less what others may do.
        let wanted = |m: u32| if file == path { m & 0o600 } else { 0o600 };
        match fs::metadata(&file) {
            Ok(meta) if mode(&meta) != wanted(mode(&meta)) => {
                fs::set_permissions(&file, fs::Permissions::from_mode(wanted(mode(&meta))))
                    .map_err(|e| io_error(&file, e))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&file, e)),
        }
    }
    Ok(file_id(path))
}

/// How much of the file `open` reads to find damage.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// `PRAGMA quick_check`: every page.
    EveryPage,
    /// The header and the schema.
    Header,
}

/// Opens the connection, checks the file and migrates the schema.
fn connect(path: &Path, check: Check) -> Result<(Journal, Opened), JournalError> {
    let err = |e| sqlite_error(path, e);
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
    // Reads are indexed and small: a small page cache keeps the daemon's memory flat
    // however old the journal (SQLite's default is 2 MiB).
    conn.pragma_update(None, "cache_size", -256).map_err(err)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(err)?;
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                "journal `{}`: WAL mode is not available here, using `{mode}`",
                path.display()
            );
        }
    }
    let report: String = match check {
        Check::EveryPage => conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(err)?,
        // Reading the schema fails on a file that is not a database.
        Check::Header => conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|_| "ok".to_owned())
            .map_err(err)?,
    };
    if report != "ok" {
        return Err(JournalError::Corrupt {
            path: path.to_path_buf(),
            why: format!("quick check failed: {}", one_line(&report)),
        });
    }
    let created = migrate(&mut conn, path)?;
    let journal = Journal {
        conn,
        path: path.to_path_buf(),
        warned: Default::default(),
    };
    let opened = if created {
        Opened::Created
    } else {
        Opened::Existing
    };
    Ok((journal, opened))
}

/// Brings the schema to the latest version, one migration per transaction. Returns
/// whether this call created it. A process that finds the work done by another (they
/// read the version inside the write transaction) does nothing.
fn migrate(conn: &mut Connection, path: &Path) -> Result<bool, JournalError> {
    let err = |e| sqlite_error(path, e);
    let latest = MIGRATIONS.len();
    let version = |c: &Connection| -> rusqlite::Result<i64> {
        c.pragma_query_value(None, "user_version", |r| r.get(0))
    };
    let too_new = |found| JournalError::TooNew {
        path: path.to_path_buf(),
        found,
        known: latest as i64,
    };
    let mut created = false;
    // Most opens find the schema current and need no write lock.
    if version(conn).map_err(err)? == latest as i64 {
        return Ok(false);
    }
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let found = version(&tx).map_err(err)?;
        let step = usize::try_from(found).map_err(|_| too_new(found))?;
        if step == latest {
            return Ok(created);
        }
        let sql = MIGRATIONS.get(step).ok_or_else(|| too_new(found))?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", found + 1)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        created |= step == 0;
    }
}

/// Moves a damaged journal and its -wal/-shm to `<name>.corrupt-<UTC time>[-n]`.
fn move_aside(path: &Path) -> Result<PathBuf, JournalError> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let base = format!("{}.corrupt-{stamp}", file_name(path));
    let mut target = path.with_file_name(&base);
    let mut n = 1;
    while target.exists() {
        n += 1;
        target = path.with_file_name(format!("{base}-{n}"));
    }
    fs::rename(path, &target).map_err(|e| io_error(path, e))?;
    for suffix in ["-wal", "-shm"] {
        let from = with_suffix(path, suffix);
        match fs::rename(&from, with_suffix(&target, suffix)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&from, e)),
        }
    }
    // Make the renames durable.
    if let Ok(dir) = fs::File::open(parent_dir(path)) {
        let _ = dir.sync_all();
    }
    Ok(target)
}

/// The file's device and inode, to tell whether it was replaced meanwhile.
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

fn sqlite_error(path: &Path, e: rusqlite::Error) -> JournalError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => JournalError::Corrupt {
            path: path.to_path_buf(),
            why: e.to_string(),
        },
        _ => JournalError::Sqlite {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

/// A quick-check report on one line, without its `*** in database main ***` heading.
fn one_line(report: &str) -> String {
    let lines: Vec<&str> = report
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("***"))
        .collect();
    lines.join("; ")
}

fn io_error(path: &Path, source: io::Error) -> JournalError {
    JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn is_foreign_key(e: &rusqlite::Error) -> bool {
    e.sqlite_error()
        .is_some_and(|e| e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}

fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| FILE_NAME.into(), |n| n.to_string_lossy().into_owned())
}

/// `path` as the path of an SQLite `file:` URI: bytes other than unreserved ones and `/`
/// percent-encoded (a `?`, `#` or `%` in a name would otherwise end or change it).
fn uri_path(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `path` with `suffix` appended to its file name, as SQLite names its -wal and -shm.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::os::unix::fs::PermissionsExt;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, h, m, 0).unwrap()
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn step(at: DateTime<Utc>) -> NewSent {
        NewSent {
            at,
            due: at,
            rule: "evening".into(),
            category: Category::Step,
            prompt: Some("emotional-3".into()),
            ladder: Some(Ladder::Emotional),
            rung: Some(3),
            shown: Shown {
                title: Some("Name a feeling".into()),
                body: Some("Name one feeling to someone today.".into()),
                ladder_name: Some("Emotional".into()),
            },
        }
    }

    fn done(sent_id: i64, at: DateTime<Utc>) -> NewAnswer {
        NewAnswer {
            sent_id,
            at,
            kind: AnswerKind::Done,
            distress: Distress::new(4),
            happened: Some(Happened::No),
            source: "terminal",
            too_much: false,
        }
    }

    fn fresh() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let (journal, opened) = Journal::open(&dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(opened, Opened::Created);
        (dir, journal)
    }

    /// A journal with a few rows, closed, at `dir/journal.sqlite3`.
    fn closed_journal(dir: &Path) -> PathBuf {
        let path = dir.join(FILE_NAME);
        let (journal, _) = Journal::open(&path).unwrap();
        for minute in 0..20 {
            let id = journal.record_sent(&step(t(9, minute))).unwrap();
            journal.record_answer(&done(id, t(10, minute))).unwrap();
        }
        drop(journal);
        assert!(!with_suffix(&path, "-wal").exists(), "closing checkpoints");
        path
    }

    #[test]
    fn every_record_round_trips() {
        let (_dir, j) = fresh();
        let sent = step(t(9, 0));
        let id = j.record_sent(&sent).unwrap();
        let plain = NewSent {
            at: t(9, 5),
            due: t(8, 0),
            rule: "kind words".into(),
            category: Category::Compassion,
            prompt: None,
            ladder: None,
            rung: None,
            shown: Shown::default(),
        };
        let plain_id = j.record_sent(&plain).unwrap();
        j.set_notification(id, u32::MAX).unwrap();

        let row = j.sent(id).unwrap().unwrap();
        assert_eq!(
            row,
            SentRow {
                id,
                at: sent.at,
                due: sent.due,
                rule: sent.rule.clone(),
                category: sent.category,
                prompt: sent.prompt.clone(),
                ladder: sent.ladder,
                rung: sent.rung,
                notification: Some(u32::MAX),
                shown: sent.shown.clone(),
            }
        );
        let plain_row = j.sent(plain_id).unwrap().unwrap();
        assert_eq!(
            (plain_row.prompt, plain_row.ladder, plain_row.rung),
            (None, None, None)
        );
        assert_eq!(plain_row.shown, Shown::default());
        assert_eq!(plain_row.due, t(8, 0));
        assert_eq!(j.sent(999).unwrap(), None);

        // Milliseconds are kept.
        let at = t(21, 0) + chrono::TimeDelta::milliseconds(123);
        let answer = NewAnswer {
            sent_id: id,
            at,
            kind: AnswerKind::Hard,
            distress: Distress::new(10),
            happened: Some(Happened::Yes),
            source: "notification",
            too_much: false,
        };
        assert!(j.record_answer(&answer).unwrap());
        let snooze = NewAnswer {
            kind: AnswerKind::Snooze,
            distress: None,
            happened: None,
            ..answer.clone()
        };
        assert!(j.record_answer(&snooze).unwrap());
        let m = NewMove {
            at: t(22, 0),
            ladder: Ladder::Emotional,
            from: 3,
            to: 4,
            cause: Cause::Set,
            reason: "three steps done with distress under 5".into(),
        };
        let move_id = j.record_move(&m).unwrap();

        let entries = j.entries(Some(t(21, 0))).unwrap();
        let [Entry::Answer(a), Entry::Answer(s), Entry::Move(mv)] = &entries[..] else {
            panic!("unexpected entries: {entries:#?}");
        };
        assert_eq!(
            (
                a.sent_id,
                a.at,
                a.kind,
                a.distress,
                a.happened,
                a.source.as_str()
            ),
            (
                id,
                at,
                AnswerKind::Hard,
                Distress::new(10),
                Some(Happened::Yes),
                "notification"
            )
        );
        assert_eq!(
            (s.kind, s.distress, s.happened),
            (AnswerKind::Snooze, None, None)
        );
        assert_eq!(
            mv,
            &MoveRow {
                id: move_id,
                at: m.at,
                ladder: m.ladder,
                from: 3,
                to: 4,
                cause: Cause::Set,
                reason: m.reason.clone(),
            }
        );
    }

    #[test]
    fn a_write_is_stored_whole_or_not_at_all() {
        let (_dir, j) = fresh();
        let failed: Result<(), JournalError> = j.write(|j| {
            j.record_sent(&step(t(9, 0)))?;
            j.set_notification(42, 7)
        });
        assert!(matches!(
            failed,
            Err(JournalError::UnknownSent { sent_id: 42, .. })
        ));
        assert!(
            j.entries(None).unwrap().is_empty(),
            "the first statement stays"
        );

        // A refused notification id rolls back its sent row too.
        j.refuse_writes(true).unwrap();
        assert!(j.record_shown(&step(t(9, 0)), Some(5)).is_err());
        j.refuse_writes(false).unwrap();
        let id = j.record_shown(&step(t(9, 0)), Some(5)).unwrap();
        assert_eq!(j.sent(id).unwrap().unwrap().notification, Some(5));
        assert_eq!(j.entries(None).unwrap().len(), 1);
        // A write inside a write joins it; reading inside one sees its own rows.
        let seen = j
            .write(|j| -> Result<usize, JournalError> {
                j.write(|j| {
                    j.record_move(&NewMove {
                        at: t(10, 0),
                        ladder: Ladder::Emotional,
                        from: 1,
                        to: 2,
                        cause: Cause::Set,
                        reason: "up".into(),
                    })
                })?;
                Ok(j.entries(None)?.len())
            })
            .unwrap();
        assert_eq!(seen, 2);
    }

    #[test]
    fn answer_kinds_read_back_from_their_words() {
        for kind in AnswerKind::ALL {
            assert_eq!(kind.as_str().parse::<AnswerKind>(), Ok(*kind));
        }
        assert!("Done".parse::<AnswerKind>().is_err());
    }

    #[test]
    fn the_same_answer_is_stored_once() {
        let (_dir, j) = fresh();
        let id = j.record_sent(&step(t(9, 0))).unwrap();
        assert!(j.record_answer(&done(id, t(9, 30))).unwrap());
        assert!(!j.record_answer(&done(id, t(9, 30))).unwrap());
        // The same answer with other details is still the same answer.
        let again = NewAnswer {
            distress: Distress::new(7),
            source: "notification",
            too_much: false,
            ..done(id, t(9, 30))
        };
        assert!(!j.record_answer(&again).unwrap());
        // A later answer, or another kind, is a new one.
        assert!(j.record_answer(&done(id, t(9, 31))).unwrap());
        let skip = NewAnswer {
            kind: AnswerKind::Skip,
            ..done(id, t(9, 30))
        };
        assert!(j.record_answer(&skip).unwrap());
        let answers = j
            .entries(None)
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e, Entry::Answer(_)))
            .count();
        assert_eq!(answers, 3);
    }

    #[test]
    fn answers_and_notifications_need_a_known_sent_row() {
        let (_dir, j) = fresh();
        let err = j.record_answer(&done(42, t(9, 0))).unwrap_err();
        assert!(
            matches!(err, JournalError::UnknownSent { sent_id: 42, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("no sent prompt has id 42"),
            "{err}"
        );
        let err = j.set_notification(42, 7).unwrap_err();
        assert!(matches!(err, JournalError::UnknownSent { sent_id: 42, .. }));
    }

    #[test]
    fn entries_come_in_time_order_with_ties_broken_by_kind_then_id() {
        let (_dir, j) = fresh();
        let m = |at| NewMove {
            at,
            ladder: Ladder::Intellectual,
            from: 1,
            to: 2,
            cause: Cause::Set,
            reason: "up".into(),
        };
        // Written out of order on purpose.
        let move_at_10 = j.record_move(&m(t(10, 0))).unwrap();
        let late = j.record_sent(&step(t(11, 0))).unwrap();
        let early = j.record_sent(&step(t(9, 0))).unwrap();
        j.record_answer(&done(early, t(10, 0))).unwrap();
        let sent_at_10 = j.record_sent(&step(t(10, 0))).unwrap();
        let sent_at_10_b = j.record_sent(&step(t(10, 0))).unwrap();

        let order: Vec<(DateTime<Utc>, &str, i64)> = j
            .entries(None)
            .unwrap()
            .iter()
            .map(|e| match e {
                Entry::Sent(s) => (s.at, "sent", s.id),
                Entry::Answer(a) => (a.at, "answer", a.id),
                Entry::Move(m) => (m.at, "move", m.id),
            })
            .collect();
        assert_eq!(
            order,
            vec![
                (t(9, 0), "sent", early),
                (t(10, 0), "sent", sent_at_10),
                (t(10, 0), "sent", sent_at_10_b),
                (t(10, 0), "answer", 1),
                (t(10, 0), "move", move_at_10),
                (t(11, 0), "sent", late),
            ]
        );
        let since: Vec<_> = j
            .entries(Some(t(10, 0)))
            .unwrap()
            .iter()
            .map(Entry::at)
            .collect();
        assert_eq!(
            since,
            vec![t(10, 0), t(10, 0), t(10, 0), t(10, 0), t(11, 0)]
        );
        assert!(j.entries(Some(t(11, 1))).unwrap().is_empty());
    }

    #[test]
    fn latest_step_and_notification_lookups_take_the_latest() {
        let (_dir, j) = fresh();
        assert_eq!(j.latest_step().unwrap(), None);
        let first = j.record_sent(&step(t(9, 0))).unwrap();
        let second = j.record_sent(&step(t(12, 0))).unwrap();
        let kind_words = NewSent {
            category: Category::Compassion,
            ladder: None,
            rung: None,
            ..step(t(13, 0))
        };
        let compassion = j.record_sent(&kind_words).unwrap();
        assert_eq!(j.latest_step().unwrap().unwrap().id, second);
        assert_eq!(
            j.latest_sent_of("emotional-3").unwrap().unwrap().id,
            compassion
        );
        assert_eq!(j.latest_sent_of("emotional-4").unwrap(), None);

        // The notification server reused id 5.
        j.set_notification(first, 5).unwrap();
        j.set_notification(compassion, 5).unwrap();
        j.set_notification(second, 6).unwrap();
        assert_eq!(j.sent_by_notification(5).unwrap().unwrap().id, compassion);
        assert_eq!(j.sent_by_notification(6).unwrap().unwrap().id, second);
        assert_eq!(j.sent_by_notification(7).unwrap(), None);
    }

    #[test]
    fn settings_are_set_replaced_and_deleted() {
        let (_dir, j) = fresh();
        assert_eq!(j.setting("paused_until").unwrap(), None);
        j.set_setting("paused_until", Some("2025-03-15T09:00:00Z"))
            .unwrap();
        j.set_setting("paused_until", Some("2025-03-16T09:00:00Z"))
            .unwrap();
        j.set_setting("ladder.physical", Some("on")).unwrap();
        assert_eq!(
            j.setting("paused_until").unwrap().as_deref(),
            Some("2025-03-16T09:00:00Z")
        );
        j.set_setting("paused_until", None).unwrap();
        j.set_setting("never-set", None).unwrap();
        assert_eq!(j.setting("paused_until").unwrap(), None);
        assert_eq!(j.setting("ladder.physical").unwrap().as_deref(), Some("on"));
    }

    #[test]
    fn files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("share/closer").join(FILE_NAME);
        let (j, _) = Journal::open(&path).unwrap();
        j.record_sent(&step(t(9, 0))).unwrap();
        for file in [
            path.clone(),
            with_suffix(&path, "-wal"),
            with_suffix(&path, "-shm"),
        ] {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        assert_eq!(mode(&dir.path().join("share")), 0o700);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        drop(j);

        // A file made public by hand is made private again.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let (_j, opened) = Journal::open(&path).unwrap();
        assert_eq!(opened, Opened::Existing);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_journal_opened_to_read_sees_the_writers_rows_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // A `?` and a `%` in the path: the URI keeps them as they are.
        let path = dir.path().join("odd ?name%").join(FILE_NAME);
        let (writer, _) = Journal::open(&path).unwrap();
        writer.record_sent(&step(t(9, 0))).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        let reader = Journal::open_to_read(&path).unwrap().unwrap();
        assert_eq!(reader.entries(None).unwrap().len(), 1);
        writer.record_sent(&step(t(10, 0))).unwrap();
        assert_eq!(reader.entries(None).unwrap().len(), 2);
        assert!(reader.record_sent(&step(t(11, 0))).is_err());
        assert_eq!(mode(&path), 0o400);
        // An older schema is the writing open's to migrate.
        drop((reader, writer));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 1)
            .unwrap();
        assert!(Journal::open_to_read(&path).unwrap().is_none());
        // Nothing there: an error, and nothing made.
        let nowhere = dir.path().join("nowhere").join(FILE_NAME);
        assert!(Journal::open_to_read(&nowhere).is_err());
        assert!(!nowhere.parent().unwrap().exists());
    }

    #[test]
    fn a_symlinked_journal_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("notes.txt");
        fs::write(&target, "my notes").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
        let path = dir.path().join(FILE_NAME);
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert!(matches!(err, JournalError::Symlink { .. }), "{err:?}");
        assert!(err.to_string().contains("is a symlink"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "my notes");
        assert_eq!(mode(&target), 0o644);
        // A dangling one too: nothing is created at its target.
        fs::remove_file(&target).unwrap();
        assert!(Journal::open(&path).is_err());
        assert!(!target.exists());
    }

    #[test]
    fn the_schema_is_migrated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let (j, opened) = Journal::open(&path).unwrap();
        assert_eq!(opened, Opened::Created);
        let version: i64 = j
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = j
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let id = j.record_sent(&step(t(9, 0))).unwrap();
        drop(j);

        let (j, opened) = Journal::open(&path).unwrap();
        assert_eq!(opened, Opened::Existing);
        assert_eq!(j.sent(id).unwrap().unwrap().rule, "evening");
        // Only then: a second handle while the first is open.
        let (_k, opened) = Journal::open(&path).unwrap();
        assert_eq!(opened, Opened::Existing);
    }

    /// A journal from before the care rules read answers against their step (schema
    /// version 3) is migrated: its answers keep their figures, the old "Too much" (a hard
    /// answer of 9, nothing said of the fear) is marked too much, and each move gets the
    /// cause its reason tells; the new kinds of answer can then be stored.
    #[test]
    fn a_journal_from_before_answers_were_read_against_their_step_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        {
            let old = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..3] {
                old.execute_batch(sql).unwrap();
            }
            old.pragma_update(None, "user_version", 3).unwrap();
            old.execute_batch(
                "INSERT INTO sent (at, due, rule, category, prompt, ladder, rung)
                 VALUES ('2025-03-14T09:00:00.000Z', '2025-03-14T09:00:00.000Z', 'r',
                         'step', 'emotional-1', 'emotional', 3);
                 INSERT INTO answer (sent_id, at, kind, distress, happened, source) VALUES
                     (1, '2025-03-14T10:00:00.000Z', 'hard', 9, NULL, 'notification'),
                     (1, '2025-03-15T10:00:00.000Z', 'done', 8, 0, 'terminal'),
                     (1, '2025-03-16T10:00:00.000Z', 'done', 3, 1, 'terminal');
                 INSERT INTO move (at, ladder, from_rung, to_rung, reason) VALUES
                     ('2025-03-01T10:00:00.000Z', 'emotional', 1, 3, 'set to rung 3 by you'),
                     ('2025-03-14T10:00:00.000Z', 'emotional', 3, 2, 'back to rung 2: x'),
                     ('2025-03-20T10:00:00.000Z', 'emotional', 2, 3, 'up to rung 3: y'),
                     ('2025-04-20T10:00:00.000Z', 'emotional', 3, 2,
                      'back to rung 2 after 31 days away; a gentler start');",
            )
            .unwrap();
        }
        let (j, _) = Journal::open(&path).unwrap();
        let answers = j.answers_to(1).unwrap();
        let read: Vec<_> = answers
            .iter()
            .map(|a| (a.kind, a.distress, a.happened, a.too_much))
            .collect();
        assert_eq!(
            read,
            [
                (AnswerKind::Hard, Distress::new(9), None, true),
                (
                    AnswerKind::Done,
                    Distress::new(8),
                    Some(Happened::No),
                    false
                ),
                (
                    AnswerKind::Done,
                    Distress::new(3),
                    Some(Happened::Yes),
                    false
                ),
            ]
        );
        let causes: Vec<Cause> = j
            .entries(None)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e {
                Entry::Move(m) => Some(m.cause),
                _ => None,
            })
            .collect();
        assert_eq!(causes, [Cause::Set, Cause::Back, Cause::Up, Cause::Restart]);
        // What the new rules store, the new schema takes.
        let answer = NewAnswer {
            sent_id: 1,
            at: "2025-03-17T10:00:00Z".parse().unwrap(),
            kind: AnswerKind::NoChance,
            distress: None,
            happened: Some(Happened::Partly),
            too_much: false,
            source: "terminal",
        };
        assert!(j.record_answer(&answer).unwrap());
        let last = j.answers_to(1).unwrap().pop().unwrap();
        assert_eq!(
            (last.kind, last.happened),
            (AnswerKind::NoChance, Some(Happened::Partly))
        );
    }

    /// A journal written before prompts kept their words (schema version 2) opens,
    /// is migrated, and its rows read as before, with no words; new rows keep theirs.
    #[test]
    fn a_journal_from_before_the_words_were_kept_is_migrated_and_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        {
            let old = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..2] {
                old.execute_batch(sql).unwrap();
            }
            old.pragma_update(None, "user_version", 2).unwrap();
            old.execute(
                "INSERT INTO sent (at, due, rule, category, prompt, ladder, rung, notification)
                 VALUES ('2025-03-14T09:00:00.000Z', '2025-03-14T09:00:00.000Z', 'evening',
                         'step', 'my-sister-1', 'my-sister', 1, 7)",
                [],
            )
            .unwrap();
            old.execute(
                "INSERT INTO answer (sent_id, at, kind, distress, happened, source)
                 VALUES (1, '2025-03-14T10:00:00.000Z', 'done', 3, 0, 'terminal')",
                [],
            )
            .unwrap();
        }
        let (j, opened) = Journal::open(&path).unwrap();
        assert_eq!(opened, Opened::Existing);
        let version: i64 = j
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let old = j.sent(1).unwrap().unwrap();
        assert_eq!(
            (
                old.prompt.as_deref(),
                old.ladder,
                old.rung,
                old.notification
            ),
            (
                Some("my-sister-1"),
                Some("my-sister".parse().unwrap()),
                Some(1),
                Some(7)
            )
        );
        assert_eq!(old.shown, Shown::default());
        assert_eq!(j.entries(None).unwrap().len(), 2);
        assert!(j.unreadable().unwrap().is_empty());
        let id = j.record_sent(&step(t(11, 0))).unwrap();
        assert_eq!(j.sent(id).unwrap().unwrap().shown, step(t(11, 0)).shown);
        // Planning's reads leave the words out: they stay as light as before.
        let planned = j.window(t(0, 0)).unwrap();
        assert!(
            planned
                .iter()
                .all(|e| !matches!(e, Entry::Sent(s) if s.shown != Shown::default())),
            "{planned:?}"
        );
        let whole = j.entries(None).unwrap();
        assert!(
            whole.iter().any(
                |e| matches!(e, Entry::Sent(s) if s.id == id && s.shown == step(t(11, 0)).shown)
            )
        );
    }

    #[test]
    fn a_journal_from_a_newer_closer_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let (j, _) = Journal::open(&path).unwrap();
        j.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(j);
        let err = Journal::open(&path).unwrap_err();
        assert!(
            matches!(
                err,
                JournalError::TooNew {
                    found: 99,
                    known: 4,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("update closer"), "{err}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Opens the damaged journal at `path` and checks that it was moved aside whole and a
    /// fresh, working journal took its place.
    fn assert_recovers(path: &Path, damaged: &[u8]) -> String {
        let (j, opened) = Journal::open(path).unwrap();
        let Opened::Recovered { moved_to, why } = opened else {
            panic!("expected Recovered, got {opened:?}");
        };
        assert!(!why.contains('\n'), "{why:?}");
        let name = moved_to.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("journal.sqlite3.corrupt-"), "{name}");
        assert!(name.ends_with('Z'), "{name}");
        assert_eq!(fs::read(&moved_to).unwrap(), damaged);
        assert!(j.entries(None).unwrap().is_empty());
        let id = j.record_sent(&step(t(9, 0))).unwrap();
        assert!(j.record_answer(&done(id, t(9, 1))).unwrap());
        drop(j);
        let (_j, opened) = Journal::open(path).unwrap();
        assert_eq!(opened, Opened::Existing);
        why
    }

    #[test]
    fn a_truncated_journal_is_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed_journal(dir.path());
        let head = fs::read(&path).unwrap()[..100].to_vec();
        fs::write(&path, &head).unwrap();
        let why = assert_recovers(&path, &head);
        assert!(why.contains("malformed"), "{why}");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let garbage = "not a journal at all\n".repeat(300).into_bytes();
        fs::write(&path, &garbage).unwrap();
        let why = assert_recovers(&path, &garbage);
        assert!(why.contains("not a database"), "{why}");
    }

    #[test]
    fn a_command_open_moves_aside_a_file_that_is_not_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, "not a journal at all\n".repeat(300)).unwrap();
        let (_j, opened) = Journal::open_for_command(&path).unwrap();
        assert!(matches!(opened, Opened::Recovered { .. }), "{opened:?}");
    }

    #[test]
    fn a_damaged_page_fails_the_quick_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed_journal(dir.path());
        let mut bytes = fs::read(&path).unwrap();
        let page = 4096;
        assert!(bytes.len() > 2 * page);
        // Scribble over the second page, leaving the header intact.
        bytes[page..page + 64].fill(0xA5);
        fs::write(&path, &bytes).unwrap();
        assert_recovers(&path, &bytes);
    }

    #[test]
    fn two_recoveries_in_the_same_second_keep_both_copies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        for _ in 0..2 {
            fs::write(&path, "garbage ".repeat(100)).unwrap();
            let (_, opened) = Journal::open(&path).unwrap();
            assert!(matches!(opened, Opened::Recovered { .. }));
        }
        let copies = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().contains(".corrupt-")
            })
            .count();
        assert_eq!(copies, 2);
    }

    #[test]
    fn write_failures_are_errors() {
        let (_dir, j) = fresh();
        j.conn.pragma_update(None, "query_only", true).unwrap();
        let err = j.record_sent(&step(t(9, 0))).unwrap_err();
        assert!(matches!(err, JournalError::Sqlite { .. }), "{err:?}");
        assert!(err.to_string().contains(FILE_NAME), "{err}");
        assert!(j.set_setting("a", Some("b")).is_err());
    }

    #[test]
    fn forget_removes_the_journal_and_every_copy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, "garbage ".repeat(100)).unwrap();
        let (j, _) = Journal::open(&path).unwrap();
        j.record_sent(&step(t(9, 0))).unwrap();
        let other = dir.path().join("config.toml");
        fs::write(&other, "").unwrap();

        let removed = forget(&path).unwrap();
        drop(j);
        let names: Vec<String> = removed
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert!(names.contains(&FILE_NAME.to_string()));
        assert!(names.contains(&format!("{FILE_NAME}-wal")));
        assert!(names.contains(&format!("{FILE_NAME}-shm")));
        assert!(names.iter().any(|n| n.contains(".corrupt-")));
        let left: Vec<PathBuf> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(left, vec![other]);
        // Nothing left to forget is fine.
        assert_eq!(forget(&path).unwrap(), Vec::<PathBuf>::new());
        assert_eq!(
            forget(&dir.path().join("missing/journal.sqlite3")).unwrap(),
            Vec::<PathBuf>::new()
        );
    }
}
