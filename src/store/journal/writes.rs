//! Writing what happened: a prompt sent (and the notification it was shown as), an
//! answer stored once or completed by its follow-up, a ladder's move.

use rusqlite::OptionalExtension;

use super::rows::time_text;
use super::{Distress, Happened, Journal, JournalError, NewAnswer, NewMove, NewSent};
use crate::content::Ladder;

impl Journal {
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
}

pub(super) fn is_foreign_key(e: &rusqlite::Error) -> bool {
    e.sqlite_error()
        .is_some_and(|e| e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use crate::content::{Category, Ladder};

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
}
