//! `closer done`, `closer hard`, `closer skip`: answers from the terminal, recorded and
//! applied by the same rules as answers from a notification.

use chrono::{DateTime, Utc};

use crate::Status;
use crate::cli::{DoneArgs, HardArgs, SkipArgs, StepRef};
use crate::config::Config;
use crate::content::{Category, Ladder};
use crate::history::Words;
use crate::journal::{
    AnswerKind, AnswerRow, Distress, Entry, Happened, Journal, NewAnswer, SentRow,
};
use crate::paths::Paths;
use crate::progress::{Decision, Felt};
use crate::record::{self, FollowedUp, HowItWent};
use crate::session::Session;

pub fn done(paths: &Paths, args: &DoneArgs) -> anyhow::Result<Status> {
    let how = How {
        distress: args.distress,
        happened: args.happened,
        felt: args.felt.map(Felt::from),
    };
    answer(paths, &args.step, AnswerKind::Done, &how)
}

pub fn hard(paths: &Paths, args: &HardArgs) -> anyhow::Result<Status> {
    let how = How {
        distress: args.distress,
        happened: args.happened,
        felt: args.felt.map(Felt::from),
    };
    answer(paths, &args.step, AnswerKind::Hard, &how)
}

pub fn skip(paths: &Paths, args: &SkipArgs) -> anyhow::Result<Status> {
    let kind = if args.no_chance {
        AnswerKind::NoChance
    } else {
        AnswerKind::Skip
    };
    answer(paths, &args.step, kind, &How::default())
}

/// How the step went, as the flags say.
#[derive(Debug, Default)]
struct How {
    distress: Option<Distress>,
    happened: Option<Happened>,
    /// Checked by the command line to fit the answer (`cli::DoneFelt`, `cli::HardFelt`).
    felt: Option<Felt>,
}

fn answer(paths: &Paths, step: &StepRef, kind: AnswerKind, how: &How) -> anyhow::Result<Status> {
    // The ladders as the person turned them on or off from the terminal.
    let Session {
        setup,
        config,
        journal,
    } = Session::open_to_write(paths)?;
    let felt = how.felt;
    let sent = find(&journal, step.step.as_deref())?;
    // The step and its ladder as the log names them, also after the content changed.
    let words = Words::new(
        &setup.library,
        &[Entry::Sent(sent.clone())],
        Default::default(),
    );
    // A person's own step by its words: its title is its ladder's name.
    let named = if sent.ladder.is_some_and(Ladder::personal) {
        words.body(&sent)
    } else {
        words.title(&sent)
    };
    let title = named.map_or_else(|| format!("step #{}", sent.id), |t| format!("\"{t}\""));
    // `--felt` or `--happened` after the same answer was given (from the notification,
    // say) completes that answer instead of adding a second one; the first word on how
    // it went stands.
    let says_how = felt.is_some() || how.happened.is_some();
    if says_how
        && how.distress.is_none()
        && step.at.is_none()
        && let Some(open) = record::open_answer(&journal, sent.id, kind)?
    {
        let said = HowItWent {
            happened: how.happened,
            felt,
        };
        let local = |a: &AnswerRow| a.at.with_timezone(&config.timezone).date_naive();
        let today = Utc::now().with_timezone(&config.timezone).date_naive();
        match record::follow_up(&journal, &config, &setup.library, open.id, said, Utc::now())? {
            FollowedUp::Recorded(recorded) => {
                help_first(&config, &recorded);
                println!(
                    "Noted how {title} went: {}.",
                    how_it_went(felt, how.happened)
                );
                return outcome(paths, &words, &sent, &recorded);
            }
            // Said already today (from the notification, say): told, not added twice.
            FollowedUp::AlreadySaid(first) if local(&first) == today => {
                anyhow::bail!(
                    "how {title} went was already noted ({}, from the {}); the first word on it stands",
                    said_before(&first),
                    first.source
                )
            }
            FollowedUp::AlreadySaid(_) | FollowedUp::Unknown => {}
        }
    }
    let at = parse_time(step.at.as_deref(), "--at")?.unwrap_or_else(Utc::now);
    let expected = record::expected(&setup.library, &sent);
    let answer = NewAnswer {
        sent_id: sent.id,
        at,
        kind,
        distress: how.distress.or(felt.and_then(|f| f.distress(expected))),
        happened: how.happened.or(felt.and_then(Felt::happened)),
        too_much: felt == Some(Felt::TooMuch),
        source: "terminal",
    };
    let recorded = record::answer(&journal, &config, &setup.library, &answer, Utc::now())?;
    if !recorded.new {
        println!("That answer was already recorded.");
        return Ok(Status::Success);
    }
    help_first(&config, &recorded);
    match kind {
        AnswerKind::Done => println!("Noted: you did {title}."),
        AnswerKind::Hard => println!(
            "Noted: {title} was hard, and you did it. The next prompt will be a gentle one."
        ),
        AnswerKind::NoChance => println!(
            "Noted: no chance yet for {title}. It stays open for a week; answer it when the chance comes."
        ),
        _ => println!("Skipped {title}. That is fine."),
    }
    outcome(paths, &words, &sent, &recorded)
}

/// Where help is, before anything else, after "Too much" (and when steps pause).
fn help_first(config: &Config, recorded: &record::Recorded) {
    if recorded.steps_paused {
        println!("{}", record::pause_note(config));
    } else if recorded.too_much {
        println!("{}", record::help_note(config));
    }
}

/// How a step went, in the words of a reply.
fn how_it_went(felt: Option<Felt>, happened: Option<Happened>) -> String {
    let happened = happened.or(felt.and_then(Felt::happened));
    let fear = match happened {
        Some(Happened::No) => Some("what you feared did not happen"),
        Some(Happened::Partly) => Some("what you feared partly happened"),
        Some(Happened::Yes) => Some("what you feared happened"),
        None => None,
    };
    let feeling = felt.map(|f| format!("it felt \"{}\"", f.label()));
    match (feeling, fear) {
        (Some(feeling), Some(fear)) => format!("{feeling}, and {fear}"),
        (Some(feeling), None) => feeling,
        (None, Some(fear)) => fear.to_owned(),
        (None, None) => "noted".to_owned(),
    }
}

/// What an answer already said of how it went.
fn said_before(a: &AnswerRow) -> String {
    if a.too_much {
        return "too much".to_owned();
    }
    match a.happened {
        Some(Happened::No) => "what you feared did not happen".to_owned(),
        Some(Happened::Partly) => "what you feared partly happened".to_owned(),
        Some(Happened::Yes) => "what you feared happened".to_owned(),
        None => a.distress.map_or_else(
            || "how it felt".to_owned(),
            |d| format!("how hard it felt: {d} of 10"),
        ),
    }
}

/// Says what the rules made of an answer, and wakes the daemon to plan with it.
fn outcome(
    paths: &Paths,
    words: &Words,
    sent: &SentRow,
    recorded: &record::Recorded,
) -> anyhow::Result<Status> {
    // A person's own ladder by its name, as `status` and `list` show it.
    let name = |l: Ladder| words.ladder_name(l).unwrap_or_else(|| l.to_string());
    match &recorded.decision {
        Some(Decision::Move(m)) => println!("{} ladder: {}.", name(m.ladder), m.reason),
        Some(Decision::Hold(why)) => {
            if let Some(ladder) = sent.ladder {
                println!("{} ladder: {why}.", name(ladder));
            }
        }
        None => {}
    }
    if let Some(gentler) = &recorded.gentler {
        println!("{gentler}");
    }
    crate::lock::wake_daemon(&paths.runtime, &paths.data);
    Ok(Status::Success)
}

/// The step an answer is for: by number, by prompt id (its latest sending), or the latest.
fn find(journal: &Journal, step: Option<&str>) -> anyhow::Result<SentRow> {
    let sent = match step {
        None => journal.latest_step()?.ok_or_else(|| {
            anyhow::anyhow!("no step has been sent yet; `closer send` sends one now")
        })?,
        Some(s) => match s.parse::<i64>() {
            Ok(n) => journal.sent(n)?.ok_or_else(|| {
                anyhow::anyhow!("there is no prompt #{n}; `closer log` shows the numbers")
            })?,
            Err(_) => journal.latest_sent_of(s)?.ok_or_else(|| {
                anyhow::anyhow!("`{s}` has not been sent; `closer log` shows what was")
            })?,
        },
    };
    if sent.category != Category::Step {
        anyhow::bail!(
            "prompt #{} is a {} message; only steps take an answer",
            sent.id,
            sent.category
        );
    }
    Ok(sent)
}

/// Parses an optional RFC 3339 time given with `flag`.
pub fn parse_time(s: Option<&str>, flag: &str) -> anyhow::Result<Option<DateTime<Utc>>> {
    s.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                anyhow::anyhow!(
                    "{flag}: `{s}` is not an RFC 3339 time such as 2027-03-27T09:00:00+01:00"
                )
            })
    })
    .transpose()
}
