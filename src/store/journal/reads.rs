//! Reading what happened: one prompt sent (by id, notification, or the latest), the
//! answers to one, every entry since a time, and the window and indexed look-ups that
//! planning reads.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row};

use super::rows::{
    ANSWER_COLUMNS, MOVE_COLUMNS, PLAN_SENT_COLUMNS, SENT_COLUMNS, answer_row, move_row, sent_row,
    time_text,
};
use super::{AnswerRow, Entry, Journal, JournalError, SentRow};
use crate::content::{Category, Ladder};

impl Journal {
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

    /// The first readable sent row of those `condition` selects (unreadable ones are
    /// warned about and passed over).
    pub(super) fn one_sent(
        &self,
        condition: &str,
        param: impl rusqlite::ToSql,
    ) -> Result<Option<SentRow>, JournalError> {
        self.one_sent_raw(SENT_COLUMNS, condition, param)
            .map_err(|e| self.error(e))
    }

    pub(super) fn one_sent_raw(
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

    /// The rows of `table` read by `read`, at or after `since`, unreadable ones skipped.
    pub(super) fn read_table<T>(
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
    pub(super) fn read_entries(&self, since: &str) -> rusqlite::Result<Vec<Entry>> {
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
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use crate::content::{Category, Ladder};
    use chrono::{DateTime, Utc};

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
}
