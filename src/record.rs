//! Recording what the person answered, and what follows from it: the ladder's move, and
//! a pause of steps after very hard answers. The daemon (answers from notifications) and
//! the terminal commands both come here, so both apply the same rules, and an answer is
//! checked here and nowhere else (`check`). A follow-up (how a step went, against what was
//! feared) completes the answer it follows; it never adds one.
//!
//! Invariant: an answer and everything that follows from it are one journal transaction;
//! so is a follow-up and what follows from it.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::config::Config;
use crate::content::{Category, Ladder, Library};
use crate::history::{History, keys};
use crate::journal::{AnswerKind, AnswerRow, Journal, JournalError, NewAnswer, NewMove, SentRow};
use crate::progress::{self, Decision, Felt, Move};

/// What recording an answer did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The prompt answered.
    pub sent: SentRow,
    /// False when the same answer was already recorded.
    pub new: bool,
    /// For a step at its ladder's current rung: what the rules decided.
    pub decision: Option<Decision>,
    /// Steps were paused now, after very high distress three times in a row.
    pub steps_paused: bool,
}

/// Why an answer was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// The journal could not be read or written; the answer may be tried again.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The answer itself cannot be: trying it again will not help.
    #[error("{0}")]
    Refused(String),
}

/// How far ahead of the clock an answer may be dated (clocks on two machines differ).
pub const AHEAD: TimeDelta = TimeDelta::minutes(1);

/// What closer says when it pauses steps: that they are paused and only kind words
/// come, who can help — the person's own crisis contact when one is set
/// (`[help] crisis`), `closer about` otherwise — and how to restart them.
pub fn pause_note(config: &Config) -> String {
    let help = if config.crisis.is_empty() {
        "A doctor or therapist can help; `closer about` says where to find one, or a crisis line."
            .to_owned()
    } else {
        format!(
            "Your crisis contact: {}. A doctor or therapist can help too.",
            config.crisis
        )
    };
    format!(
        "The last steps felt very hard. Steps are paused; only kind words come for now. {help} \
         When you are ready, `closer resume` restarts steps."
    )
}

/// Said once, when the physical or sexual ladder is first on.
pub const PAST_HARM_NOTE: &str = "If touch or closeness brings back harm from the past, that \
    fear belongs with a therapist, not with small steps alone. Every step can be skipped.";

/// The note on past harm, if `ladders` has the physical or sexual ladder and the note
/// was never said; it is marked said (in the journal, so it is said once).
pub fn past_harm_note_once(
    journal: &Journal,
    ladders: &[Ladder],
    now: DateTime<Utc>,
) -> Result<Option<&'static str>, JournalError> {
    if !ladders.iter().any(|l| l.off_by_default()) {
        return Ok(None);
    }
    journal.write(|journal| {
        if journal.setting(keys::PAST_HARM_SAID)?.is_some() {
            return Ok(None);
        }
        journal.set_setting(keys::PAST_HARM_SAID, Some(&now.to_rfc3339()))?;
        Ok(Some(PAST_HARM_NOTE))
    })
}

/// Records `answer` (given at `now`) and applies the progression rules to its ladder, all
/// in one journal transaction: the answer, its ladder move and a pause of steps are
/// stored together or not at all, and two answers at the same moment (a click and the
/// terminal) are applied one after the other, each seeing the other's move.
///
/// Refused (see `check`): a second answer to a prompt on the same day, an answer dated
/// before its prompt was sent, or more than a minute in the future. The same answer
/// given again (same prompt, kind and time) is not refused: it is recorded once.
pub fn answer(
    journal: &Journal,
    config: &Config,
    library: &Library,
    answer: &NewAnswer,
    now: DateTime<Utc>,
) -> Result<Recorded, AnswerError> {
    journal.write(|journal| {
        let sent = journal
            .sent(answer.sent_id)?
            .ok_or_else(|| JournalError::UnknownSent {
                path: journal.path().to_owned(),
                sent_id: answer.sent_id,
            })?;
        let earlier = journal.answers_to(sent.id)?;
        let replay = earlier
            .iter()
            .any(|a| a.kind == answer.kind && a.at == answer.at);
        let mut recorded = Recorded {
            sent,
            new: false,
            decision: None,
            steps_paused: false,
        };
        if replay {
            return Ok(recorded);
        }
        if let Err(why) = check(&recorded.sent, &earlier, answer, now, config.timezone) {
            return Err(AnswerError::Refused(why));
        }
        recorded.new = journal.record_answer(answer)?;
        // Answers change what comes next; the "fewer steps" note may be said again later.
        journal.set_setting(keys::FEWER_SAID, None)?;
        if recorded.new && answer.kind != AnswerKind::Snooze {
            apply_rules(journal, config, library, answer.at, now, &mut recorded)?;
        }
        Ok(recorded)
    })
}

/// Whether `answer` to `sent` can be: `earlier` are the answers it already has. The one
/// place answers are checked, for the daemon and the terminal alike; the message names
/// what is wrong.
pub fn check(
    sent: &SentRow,
    earlier: &[AnswerRow],
    answer: &NewAnswer,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(), String> {
    let local = |at: DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    if answer.at > now + AHEAD {
        return Err(format!(
            "an answer dated {} is in the future; it can be dated now or earlier",
            local(answer.at)
        ));
    }
    if answer.at < sent.at {
        return Err(format!(
            "prompt #{} was sent at {}; an answer to it cannot be dated before that ({})",
            sent.id,
            local(sent.at),
            local(answer.at)
        ));
    }
    if answer.kind == AnswerKind::Snooze {
        return Ok(());
    }
    // One answer a day to a prompt: the same step practised again on another day is a
    // new day's practice, and counts.
    let day = answer.at.with_timezone(&tz).date_naive();
    if let Some(same_day) = earlier
        .iter()
        .find(|a| a.kind != AnswerKind::Snooze && a.at.with_timezone(&tz).date_naive() == day)
    {
        return Err(format!(
            "prompt #{} was already answered `{}` at {}; it takes one answer a day (`closer log` shows them)",
            sent.id,
            same_day.kind.as_str(),
            local(same_day.at)
        ));
    }
    Ok(())
}

/// Records how a step went, answered after "Did it" or "It was hard": completes that
/// answer (the latest of its kind to the prompt `sent_id`) with the distress `felt`
/// stands for and whether the feared outcome happened (`happened` when given, else
/// what `felt` says), then applies the rules again. A follow-up is not a second
/// answer. None when there is no such answer to complete.
pub fn follow_up(
    journal: &Journal,
    config: &Config,
    library: &Library,
    sent_id: i64,
    felt: Felt,
    happened: Option<bool>,
    now: DateTime<Utc>,
) -> Result<Option<Recorded>, JournalError> {
    journal.write(|journal| {
        let Some(sent) = journal.sent(sent_id)? else {
            return Ok(None);
        };
        let Some(answered) = journal
            .last_answer(sent_id)?
            .filter(|a| a.kind == felt.follows())
        else {
            return Ok(None);
        };
        journal.complete_answer(answered.id, felt.distress(), happened.or(felt.happened()))?;
        let mut recorded = Recorded {
            sent,
            new: true,
            decision: None,
            steps_paused: false,
        };
        apply_rules(journal, config, library, answered.at, now, &mut recorded)?;
        Ok(Some(recorded))
    })
}

/// For an answer to a step at its ladder's current rung: what the rules decide (a move
/// is recorded at `at`); for any step answer: whether steps pause now.
fn apply_rules(
    journal: &Journal,
    config: &Config,
    library: &Library,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    recorded: &mut Recorded,
) -> Result<(), JournalError> {
    if recorded.sent.category != Category::Step {
        return Ok(());
    }
    let (Some(ladder), Some(rung)) = (recorded.sent.ladder, recorded.sent.rung) else {
        return Ok(());
    };
    let history = History::load(journal, config, now)?;
    let standing = history.standing(ladder);
    if rung == standing.rung {
        let decision = progress::decide(
            ladder,
            &standing,
            &history.answers_at_rung(ladder),
            top(library, ladder),
            config.timezone,
        );
        if let Decision::Move(m) = &decision {
            record_move(journal, at, m)?;
        }
        recorded.decision = Some(decision);
    }
    if journal.setting(keys::STEPS_PAUSED)?.is_some() {
        return Ok(());
    }
    // Answers from before the last `closer resume` no longer count toward a pause.
    let resumed: Option<DateTime<Utc>> = journal
        .setting(keys::STEPS_RESUMED)?
        .and_then(|v| v.parse().ok());
    let since: Vec<_> = history
        .step_answers
        .iter()
        .filter(|a| resumed.is_none_or(|r| a.at > r))
        .cloned()
        .collect();
    if let Some(why) = progress::pause_reason(&since) {
        journal.set_setting(keys::STEPS_PAUSED, Some(why))?;
        recorded.steps_paused = true;
    }
    Ok(())
}

/// Restarts, one rung lower, each of `ladders` nobody answered on for more than two weeks,
/// as `history` (read from `journal`) tells.
pub fn restarts(
    journal: &Journal,
    history: &History,
    ladders: &[Ladder],
    now: DateTime<Utc>,
) -> Result<Vec<Move>, JournalError> {
    let moves: Vec<Move> = ladders
        .iter()
        .filter_map(|ladder| {
            let last = history.last_activity(*ladder);
            progress::after_a_break(*ladder, &history.standing(*ladder), last, now)
        })
        .collect();
    // Most wakes move nothing, and take no write lock.
    if !moves.is_empty() {
        journal.write(|journal| -> Result<(), JournalError> {
            for m in &moves {
                record_move(journal, now, m)?;
            }
            Ok(())
        })?;
    }
    Ok(moves)
}

pub fn record_move(journal: &Journal, at: DateTime<Utc>, m: &Move) -> Result<i64, JournalError> {
    journal.record_move(&NewMove {
        at,
        ladder: m.ladder,
        from: m.from,
        to: m.to,
        reason: m.reason.clone(),
    })
}

/// The highest rung of `ladder` in the content.
pub fn top(library: &Library, ladder: Ladder) -> u8 {
    library
        .iter()
        .filter(|p| p.ladder == Some(ladder))
        .filter_map(|p| p.rung)
        .max()
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, day, h, m, 0).unwrap()
    }

    fn sent() -> SentRow {
        SentRow {
            id: 3,
            at: t(4, 9, 0),
            due: t(4, 9, 0),
            rule: "step".into(),
            category: Category::Step,
            prompt: Some("emotional-1".into()),
            ladder: Some(Ladder::Emotional),
            rung: Some(1),
            notification: None,
            shown: Default::default(),
        }
    }

    fn new(kind: AnswerKind, at: DateTime<Utc>) -> NewAnswer {
        NewAnswer {
            sent_id: 3,
            at,
            kind,
            distress: None,
            happened: None,
            source: "terminal",
        }
    }

    fn row(kind: AnswerKind, at: DateTime<Utc>) -> AnswerRow {
        AnswerRow {
            id: 1,
            sent_id: 3,
            at,
            kind,
            distress: None,
            happened: None,
            source: "terminal".into(),
        }
    }

    fn check_at(earlier: &[AnswerRow], answer: &NewAnswer) -> Result<(), String> {
        check(&sent(), earlier, answer, t(10, 12, 0), Tz::UTC)
    }

    #[test]
    fn an_answer_is_dated_between_its_prompt_and_a_minute_from_now() {
        assert_eq!(check_at(&[], &new(AnswerKind::Done, t(4, 9, 0))), Ok(()));
        assert_eq!(check_at(&[], &new(AnswerKind::Done, t(10, 12, 1))), Ok(()));
        let err = check_at(&[], &new(AnswerKind::Done, t(10, 12, 2))).unwrap_err();
        assert_eq!(
            err,
            "an answer dated 2027-01-10 12:02 is in the future; it can be dated now or earlier"
        );
        let far = NewAnswer {
            at: "9999-12-31T23:59:59Z".parse().unwrap(),
            ..new(AnswerKind::Done, t(4, 9, 0))
        };
        assert!(check_at(&[], &far).is_err());
        let err = check_at(&[], &new(AnswerKind::Hard, t(4, 8, 59))).unwrap_err();
        assert_eq!(
            err,
            "prompt #3 was sent at 2027-01-04 09:00; an answer to it cannot be dated before that (2027-01-04 08:59)"
        );
    }

    #[test]
    fn a_prompt_takes_one_answer_a_day_and_snoozes_do_not_count() {
        let earlier = [
            row(AnswerKind::Snooze, t(4, 9, 5)),
            row(AnswerKind::Done, t(4, 18, 0)),
        ];
        // The same day, whatever the kind: refused, naming the first answer.
        for kind in [AnswerKind::Done, AnswerKind::Hard, AnswerKind::Skip] {
            let err = check_at(&earlier, &new(kind, t(4, 23, 59))).unwrap_err();
            assert_eq!(
                err,
                "prompt #3 was already answered `done` at 2027-01-04 18:00; it takes one answer a day (`closer log` shows them)"
            );
        }
        // A snooze is not an answer, before or after.
        assert_eq!(
            check_at(&earlier[..1], &new(AnswerKind::Done, t(4, 10, 0))),
            Ok(())
        );
        assert_eq!(
            check_at(&earlier, &new(AnswerKind::Snooze, t(4, 19, 0))),
            Ok(())
        );
        // The same step practised again the next day is a new day's practice.
        assert_eq!(
            check_at(&earlier, &new(AnswerKind::Done, t(5, 0, 0))),
            Ok(())
        );
    }

    #[test]
    fn the_day_is_the_persons_own() {
        // 23:30 in New York on the 4th is 04:30 UTC on the 5th: the same local day.
        let ny: Tz = "America/New_York".parse().unwrap();
        let earlier = [row(AnswerKind::Done, t(4, 18, 0))];
        let late = new(AnswerKind::Done, t(5, 4, 30));
        assert!(check(&sent(), &earlier, &late, t(10, 0, 0), ny).is_err());
        assert!(check(&sent(), &earlier, &late, t(10, 0, 0), Tz::UTC).is_ok());
    }
}
