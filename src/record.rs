//! Recording what the person answered, and what follows from it: the ladder's move, and
//! a pause of steps after very high distress. The daemon (answers from notifications) and
//! the terminal commands both come here, so both apply the same rules.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::content::{Category, Ladder, Library};
use crate::history::{History, keys};
use crate::journal::{AnswerKind, Journal, JournalError, NewAnswer, NewMove, SentRow};
use crate::progress::{self, Decision, Move};

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

/// What closer says when it pauses steps after very high distress.
pub const PAUSE_NOTE: &str = "The last steps felt very hard. Steps are paused; kind words keep \
    coming. A doctor or therapist can help: `closer about` says where. `closer resume` restarts steps.";

/// Records `answer` and applies the progression rules to its ladder.
pub fn answer(
    journal: &Journal,
    config: &Config,
    library: &Library,
    answer: &NewAnswer,
) -> Result<Recorded, JournalError> {
    let sent = journal
        .sent(answer.sent_id)?
        .ok_or_else(|| JournalError::UnknownSent {
            path: journal.path().to_owned(),
            sent_id: answer.sent_id,
        })?;
    let new = journal.record_answer(answer)?;
    let mut recorded = Recorded {
        sent,
        new,
        decision: None,
        steps_paused: false,
    };
    // Answers change what comes next; the "fewer steps" note may be said again later.
    journal.set_setting(keys::FEWER_SAID, None)?;
    if !new || answer.kind == AnswerKind::Snooze || recorded.sent.category != Category::Step {
        return Ok(recorded);
    }
    let (Some(ladder), Some(rung)) = (recorded.sent.ladder, recorded.sent.rung) else {
        return Ok(recorded);
    };
    let history = History::load(journal, config)?;
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
            record_move(journal, answer.at, m)?;
        }
        recorded.decision = Some(decision);
    }
    if progress::very_hard_three_times(&history.step_answers)
        && journal.setting(keys::STEPS_PAUSED)?.is_none()
    {
        journal.set_setting(
            keys::STEPS_PAUSED,
            Some("very high distress three times in a row"),
        )?;
        recorded.steps_paused = true;
    }
    Ok(recorded)
}

/// Restarts, one rung lower, each of `ladders` nobody answered on for more than two weeks,
/// as `history` (read from `journal`) tells.
pub fn restarts(
    journal: &Journal,
    history: &History,
    ladders: &[Ladder],
    now: DateTime<Utc>,
) -> Result<Vec<Move>, JournalError> {
    let mut moves = Vec::new();
    for ladder in ladders {
        let last = history.last_activity(*ladder);
        if let Some(m) = progress::after_a_break(*ladder, &history.standing(*ladder), last, now) {
            record_move(journal, now, &m)?;
            moves.push(m);
        }
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
