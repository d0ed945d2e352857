//! The journal's schema: its migrations, one per version, and bringing a file to the
//! latest.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::{JournalError, sqlite_error};

/// The schema, one step per version: `MIGRATIONS[i]` takes `user_version` from `i` to
/// `i + 1`. Only ever append. Times are RFC 3339 UTC text with milliseconds
/// (`2025-01-31T20:15:00.000Z`), so they sort as text.
pub(super) const MIGRATIONS: &[&str] = &[
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

/// Brings the schema to the latest version, one migration per transaction. Returns
/// whether this call created it. A process that finds the work done by another (they
/// read the version inside the write transaction) does nothing.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<bool, JournalError> {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;

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
}
