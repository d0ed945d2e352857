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
use crate::journal::{
    AnswerKind, AnswerRow, Happened, Journal, JournalError, NewAnswer, NewMove, SentRow,
};
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
    /// Steps were paused now, after escalation three times in a row.
    pub steps_paused: bool,
    /// The person said "Too much", or the step cost far more than its rung: their crisis
    /// contact is named at once (`help_note`).
    pub too_much: bool,
    /// The ladder held [`progress::HOLD_BOUND`] answers without moving: a gentler way in.
    pub gentler: Option<String>,
    /// The answer recorded or completed (its id in the journal).
    pub answer_id: Option<i64>,
}

impl Recorded {
    fn of(sent: SentRow) -> Recorded {
        Recorded {
            sent,
            new: false,
            decision: None,
            steps_paused: false,
            too_much: false,
            gentler: None,
            answer_id: None,
        }
    }
}

/// How a step went, said after the answer: whether what was feared happened, and how it
/// felt (`--felt`, or "Too much" on the notification).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HowItWent {
    pub happened: Option<Happened>,
    pub felt: Option<Felt>,
}

/// What completing an answer with how it went did.
#[derive(Debug, Clone)]
pub enum FollowedUp {
    Recorded(Box<Recorded>),
    /// The answer already said how it went (the first word stands): what it said.
    AlreadySaid(AnswerRow),
    /// There is no such answer, or it cannot take this (a skip, another kind).
    Unknown,
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

/// Where help is, first in any note that names it: the person's own crisis contact
/// when one is set (`[help] crisis`), `closer about` otherwise.
fn help_line(config: &Config) -> String {
    if config.crisis.is_empty() {
        "Help: `closer about` lists crisis lines and how to find a therapist.".to_owned()
    } else {
        format!("Your crisis contact: {}.", config.crisis)
    }
}

/// What closer says when it pauses steps: who can help first (short enough for a
/// two-line notification), then that only kind words come, and how to restart steps.
pub fn pause_note(config: &Config) -> String {
    format!(
        "{}\nSteps are paused; only kind words come for now. `closer resume` restarts them when you are ready.",
        help_line(config)
    )
}

/// What closer says at once after "Too much": who can help first, then that nothing
/// more is asked today.
pub fn help_note(config: &Config) -> String {
    format!(
        "{}\nThat was too much, and it counts that you tried. Nothing more is asked of you today.",
        help_line(config)
    )
}

/// The title of a note that names where help is.
pub const HELP_TITLE: &str = "Help is there";

/// Said once, when the physical or sexual ladder is first on.
pub const PAST_HARM_NOTE: &str = "If touch or closeness brings back harm from the past, that \
    fear belongs with a therapist, not with small steps alone. Every step can be skipped.";

/// Said when the physical or sexual ladder is turned on while step texts show on screen.
pub const DISCREET_HINT: &str = "With `discreet = \"title\"` a step's text still shows on screen; \
    `discreet = \"all\"` under [notifications] hides the text too (click the notification to read it).";

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
/// `answer.too_much` says the person chose "Too much"; the stored mark also covers a
/// distress far above the step's (`progress::too_much`).
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
        let mut recorded = Recorded::of(sent);
        if replay {
            return Ok(recorded);
        }
        if let Err(why) = check(&recorded.sent, &earlier, answer, now, config.timezone) {
            return Err(AnswerError::Refused(why));
        }
        let expected = expected(library, &recorded.sent);
        let stored = NewAnswer {
            too_much: progress::too_much(
                answer.kind,
                answer.distress,
                answer.happened,
                answer.too_much,
                expected,
            ),
            ..answer.clone()
        };
        recorded.answer_id = journal.record_answer_id(&stored)?;
        recorded.new = recorded.answer_id.is_some();
        recorded.too_much = stored.too_much || answer.too_much;
        // Answers change what comes next; the "fewer steps" note may be said again later.
        journal.set_setting(keys::FEWER_SAID, None)?;
        // A snooze and "no chance yet" say nothing of how the step went.
        if recorded.new && answer.kind.counts() {
            apply_rules(journal, config, library, answer.at, now, &mut recorded)?;
        }
        Ok(recorded)
    })
}

/// The distress a step predicts: its own, else its rung's (the variants of a rung share
/// one), else the middle of the scale for a step the content no longer has.
pub fn expected(library: &Library, sent: &SentRow) -> f32 {
    sent.prompt
        .as_deref()
        .and_then(|id| library.get(id))
        .and_then(|p| p.distress)
        .or_else(|| expected_at(library, sent.ladder?, sent.rung?))
        .unwrap_or(5.0)
}

/// The distress rung `rung` of `ladder` predicts, as the content has it.
pub fn expected_at(library: &Library, ladder: Ladder, rung: u8) -> Option<f32> {
    library
        .iter()
        .find(|p| p.ladder == Some(ladder) && p.rung == Some(rung))
        .and_then(|p| p.distress)
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
    if !answer.kind.counts() {
        return Ok(());
    }
    // One answer a day to a prompt: the same step practised again on another day is a
    // new day's practice, and counts.
    let day = answer.at.with_timezone(&tz).date_naive();
    // A snooze and "no chance yet" leave the day open: the chance may come by evening.
    if let Some(same_day) = earlier
        .iter()
        .find(|a| a.kind.counts() && a.at.with_timezone(&tz).date_naive() == day)
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

/// Records how a step went, said after "Did it" or "It was hard": completes the answer
/// `answer_id` with what `how` says — whether what was feared happened (as said, else
/// what `felt` implies), the distress `felt` stands for on the step's rung, "Too much" —
/// then applies the rules again. A follow-up is not a second answer, and it completes
/// only the answer it was asked about: the first word on how it went stands.
pub fn follow_up(
    journal: &Journal,
    config: &Config,
    library: &Library,
    answer_id: i64,
    how: HowItWent,
    now: DateTime<Utc>,
) -> Result<FollowedUp, JournalError> {
    journal.write(|journal| {
        let Some(answered) = journal.answer(answer_id)? else {
            return Ok(FollowedUp::Unknown);
        };
        let Some(sent) = journal.sent(answered.sent_id)? else {
            return Ok(FollowedUp::Unknown);
        };
        if !answered.kind.done() || how.felt.is_some_and(|f| !f.follows(answered.kind)) {
            return Ok(FollowedUp::Unknown);
        }
        let expected = expected(library, &sent);
        let said_too_much = how.felt == Some(Felt::TooMuch);
        let distress = how.felt.and_then(|f| f.distress(expected));
        let happened = how.happened.or(how.felt.and_then(Felt::happened));
        let too_much =
            progress::too_much(answered.kind, distress, happened, said_too_much, expected);
        if !journal.complete_answer(answered.id, distress, happened, too_much)? {
            return Ok(FollowedUp::AlreadySaid(answered));
        }
        let mut recorded = Recorded::of(sent);
        recorded.new = true;
        recorded.too_much = too_much || said_too_much;
        recorded.answer_id = Some(answered.id);
        apply_rules(journal, config, library, answered.at, now, &mut recorded)?;
        Ok(FollowedUp::Recorded(Box::new(recorded)))
    })
}

/// The latest "Did it" or "It was hard" to the prompt `sent_id` that says nothing yet of
/// how it went: what a follow-up from the terminal (`--felt`, `--happened`) completes.
pub fn open_answer(
    journal: &Journal,
    sent_id: i64,
    kind: AnswerKind,
) -> Result<Option<AnswerRow>, JournalError> {
    Ok(journal.last_answer(sent_id)?.filter(|a| a.kind == kind))
}

/// For an answer to a step at its ladder's current rung: what the rules decide (a move
/// is recorded at `at`) and whether a gentler way in is due; for any step answer:
/// whether steps pause now.
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
    let history = crate::history::load(journal, config, now)?;
    if rung == history.standing(ladder).rung {
        let (decision, gentler) = judge(library, &history, ladder, config.timezone);
        if let Decision::Move(m) = &decision {
            record_move(journal, at, m)?;
        }
        recorded.gentler = gentler;
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

/// Where `ladder` stands now, in the words of the rules: the hold or move its answers at
/// this rung call for (the last move's reason while it has none), and a gentler way in
/// when it held [`progress::HOLD_BOUND`] answers. What `status` and `why` show.
pub fn standing_words(
    library: &Library,
    history: &History,
    ladder: Ladder,
    tz: Tz,
) -> (String, Option<String>) {
    let (decision, gentler) = judge(library, history, ladder, tz);
    (decision.reason().to_owned(), gentler)
}

/// What the rules decide for `ladder` from its answers at its current rung, read against
/// that rung's expected distress, and the gentler way in when a hold is past the bound.
fn judge(
    library: &Library,
    history: &History,
    ladder: Ladder,
    tz: Tz,
) -> (Decision, Option<String>) {
    let standing = history.standing(ladder);
    let answers = history.answers_at_rung(ladder);
    let expected = expected_at(library, ladder, standing.rung).unwrap_or(5.0);
    let decision = progress::decide(
        ladder,
        &standing,
        &answers,
        top(library, ladder),
        expected,
        tz,
    );
    let gentler = (matches!(decision, Decision::Hold(_)) && progress::gentler_path_due(&answers))
        .then(|| {
            // The wording last answered, so that another is offered.
            let last = answers
                .iter()
                .rev()
                .find_map(|a| history.sent.iter().find(|s| s.id == a.sent_id))
                .and_then(|s| s.prompt.as_deref());
            gentler_path(library, ladder, standing.rung, last)
        });
    (decision, gentler)
}

/// A gentler way into rung `rung` of `ladder`, offered once it held
/// [`progress::HOLD_BOUND`] answers without moving: for a person's own ladder, a step
/// between the one below and this one (the distress halfway, filled in); for a shipped
/// ladder, another wording of the rung than `last` (one that needs nobody close first)
/// and the rung below.
pub fn gentler_path(library: &Library, ladder: Ladder, rung: u8, last: Option<&str>) -> String {
    let info = library.ladder(ladder);
    if let Some(info) = info.filter(|i| i.personal) {
        let here = expected_at(library, ladder, rung).unwrap_or(5.0);
        let below = rung
            .checked_sub(1)
            .and_then(|r| expected_at(library, ladder, r))
            .unwrap_or(0.0);
        let mid = ((below + here) / 2.0 * 2.0).round() / 2.0;
        return format!(
            "A gentler way in: a step between the one before and this one, such as \
             `closer ladder add \"{}\" \"…\" --distress {mid}`.",
            info.name
        );
    }
    let mut others: Vec<&crate::content::Prompt> = library
        .iter()
        .filter(|p| p.ladder == Some(ladder) && p.rung == Some(rung))
        .filter(|p| Some(p.id.as_str()) != last)
        .collect();
    others.sort_by_key(|p| p.needs());
    let below = if rung > 1 {
        format!("the rung below (`closer ladder set {ladder} {}`)", rung - 1)
    } else {
        "a few quiet days (`closer pause 3d`)".to_owned()
    };
    match others.first() {
        Some(p) => format!(
            "A gentler way in: the same step in other words, \u{201c}{}\u{201d}, or {below}.",
            p.title
        ),
        None => format!("A gentler way in: {below}."),
    }
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
        cause: m.cause,
        reason: m.reason.clone(),
    })
}

pub use crate::content::top;

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
            too_much: false,
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
            too_much: false,
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
        // Nor is "no chance yet": the occasion may still come that day.
        assert_eq!(
            check_at(
                &[row(AnswerKind::NoChance, t(4, 9, 5))],
                &new(AnswerKind::Done, t(4, 18, 0))
            ),
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
