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
//!
//! Its files: `schema.rs` (the migrations), `rows.rs` (how rows and their columns are
//! read), `writes.rs` and `reads.rs` (the prompts sent, answers and moves), `settings.rs`
//! (the settings table), `unreadable.rs` (rows closer cannot read: skipped, or exported
//! whole), `file.rs` (the file on disk: private, never a symlink), `damage.rs` (damage
//! found and moved aside), `forget.rs` (deleting it all). This one opens it and holds the
//! write transaction.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

mod damage;
mod file;
#[cfg(test)]
mod fixtures;
mod forget;
mod reads;
mod rows;
mod schema;
mod settings;
mod unreadable;
mod writes;

use damage::Check;
use file::uri_path;
use schema::{MIGRATIONS, migrate};

// The rows are the core's plain data; the store converts them at its boundary (words and
// codes, in `rows`), so the on-disk format is this module's alone.
pub use closer_core::model::{
    AnswerKind, AnswerRow, Cause, Distress, Entry, Happened, MoveRow, NewAnswer, NewMove, NewSent,
    SentRow, Shown, sort_entries,
};
pub use forget::forget;
pub use unreadable::RawRow;

/// The journal's file name in the data dir.
pub const FILE_NAME: &str = "journal.sqlite3";

/// How long a write waits for another process's write to finish.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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
    damage::check(&conn, path, check)?;
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

fn io_error(path: &Path, source: io::Error) -> JournalError {
    JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::content::Ladder;
    use std::os::unix::fs::PermissionsExt;

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
    fn write_failures_are_errors() {
        let (_dir, j) = fresh();
        j.conn.pragma_update(None, "query_only", true).unwrap();
        let err = j.record_sent(&step(t(9, 0))).unwrap_err();
        assert!(matches!(err, JournalError::Sqlite { .. }), "{err:?}");
        assert!(err.to_string().contains(FILE_NAME), "{err}");
        assert!(j.set_setting("a", Some("b")).is_err());
    }
}
