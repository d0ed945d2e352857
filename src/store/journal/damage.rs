//! A damaged journal: found when it is opened (every page checked, or the header only)
//! and moved aside with its `-wal`/`-shm`, never repaired or deleted, for a fresh one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::Connection;

use super::file::{file_id, file_name, parent_dir, prepare_file, with_suffix};
use super::{Journal, JournalError, Opened, connect, io_error, sqlite_error};

impl Journal {
    pub(super) fn open_with(path: &Path, check: Check) -> Result<(Journal, Opened), JournalError> {
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
}

/// How much of the file `open` reads to find damage.
#[derive(Debug, Clone, Copy)]
pub(super) enum Check {
    /// `PRAGMA quick_check`: every page.
    EveryPage,
    /// The header and the schema.
    Header,
}

/// Checks the file as `check` says; a report other than "ok" is damage.
pub(super) fn check(conn: &Connection, path: &Path, how: Check) -> Result<(), JournalError> {
    let err = |e| sqlite_error(path, e);
    let report: String = match how {
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
    Ok(())
}

/// Moves a damaged journal and its -wal/-shm to `<name>.corrupt-<UTC time>[-n]`.
pub(super) fn move_aside(path: &Path) -> Result<PathBuf, JournalError> {
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

/// A quick-check report on one line, without its `*** in database main ***` heading.
fn one_line(report: &str) -> String {
    let lines: Vec<&str> = report
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("***"))
        .collect();
    lines.join("; ")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;

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
}
