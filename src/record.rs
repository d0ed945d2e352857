//! Recording what the person answered, and what follows from it: the ladder's move, and
//! a pause of steps after very hard answers. The daemon (answers from notifications) and
//! the terminal commands both come here, so both apply the same rules. A follow-up (how a
//! step went, against what was feared) completes the answer it follows; it never adds one.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::content::{Category, Ladder, Library};
use crate::history::{History, keys};
use crate::journal::{AnswerKind, Journal, JournalError, NewAnswer, NewMove, SentRow};
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
    /// Steps were paused now, by `progress::pause_reason`.
    pub steps_paused: bool,
}

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
    if !ladders.iter().any(|l| l.off_by_default())
        || journal.setting(keys::PAST_HARM_SAID)?.is_some()
    {
        return Ok(None);
    }
    journal.set_setting(keys::PAST_HARM_SAID, Some(&now.to_rfc3339()))?;
    Ok(Some(PAST_HARM_NOTE))
}

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
    if !new || answer.kind == AnswerKind::Snooze {
        return Ok(recorded);
    }
    apply_rules(journal, config, library, answer.at, &mut recorded)?;
    Ok(recorded)
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
) -> Result<Option<Recorded>, JournalError> {
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
    apply_rules(journal, config, library, answered.at, &mut recorded)?;
    Ok(Some(recorded))
}

/// For an answer to a step at its ladder's current rung: what the rules decide (a move
/// is recorded at `at`); for any step answer: whether steps pause now.
fn apply_rules(
    journal: &Journal,
    config: &Config,
    library: &Library,
    at: DateTime<Utc>,
    recorded: &mut Recorded,
) -> Result<(), JournalError> {
    if recorded.sent.category != Category::Step {
        return Ok(());
    }
    let (Some(ladder), Some(rung)) = (recorded.sent.ladder, recorded.sent.rung) else {
        return Ok(());
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
