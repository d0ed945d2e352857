//! `closer done`, `closer hard`, `closer skip`: answers from the terminal, recorded and
//! applied by the same rules as answers from a notification.

use chrono::{DateTime, Utc};

use crate::Status;
use crate::cli::{DoneArgs, HardArgs, StepRef};
use crate::config::Config;
use crate::content::{Category, Ladder};
use crate::history::{Settings, Words};
use crate::journal::{AnswerKind, Entry, Journal, NewAnswer, SentRow};
use crate::paths::Paths;
use crate::progress::{Decision, Felt};
use crate::record;
use crate::setup::{Setup, open_journal};

pub fn done(paths: &Paths, args: &DoneArgs) -> anyhow::Result<Status> {
    let how = How {
        distress: args.distress,
        happened: args.happened,
        felt: args.felt.as_deref(),
    };
    answer(paths, &args.step, AnswerKind::Done, &how)
}

pub fn hard(paths: &Paths, args: &HardArgs) -> anyhow::Result<Status> {
    let how = How {
        distress: args.distress,
        happened: args.happened,
        felt: args.felt.as_deref(),
    };
    answer(paths, &args.step, AnswerKind::Hard, &how)
}

pub fn skip(paths: &Paths, args: &StepRef) -> anyhow::Result<Status> {
    answer(paths, args, AnswerKind::Skip, &How::default())
}

/// How the step went, as the flags say.
#[derive(Debug, Default)]
struct How<'a> {
    distress: Option<u8>,
    happened: Option<bool>,
    felt: Option<&'a str>,
}

fn answer(paths: &Paths, step: &StepRef, kind: AnswerKind, how: &How) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    let felt = how
        .felt
        .map(|f| Felt::parse(f, kind))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--felt: {e}"))?;
    let journal = open_journal(paths)?;
    // The ladders as the person turned them on or off from the terminal.
    let mut config = setup.config.clone();
    Settings::read(&journal)?.apply(&mut config);
    let sent = find(&journal, step.step.as_deref())?;
    // The step and its ladder as the log names them, also after the content changed.
    let words = Words::new(
        &setup.library,
        &[Entry::Sent(sent.clone())],
        Default::default(),
    );
    let title = words
        .title(&sent)
        .map_or_else(|| format!("step #{}", sent.id), |t| format!("\"{t}\""));
    // `--felt` after the same answer was given (from the notification, say) completes
    // that answer instead of adding a second one.
    let completes = match felt {
        Some(_) if how.distress.is_none() && step.at.is_none() => journal
            .last_answer(sent.id)?
            .is_some_and(|a| a.kind == kind && a.distress.is_none()),
        _ => false,
    };
    if let (true, Some(felt)) = (completes, felt) {
        let recorded = record::follow_up(
            &journal,
            &config,
            &setup.library,
            sent.id,
            felt,
            how.happened,
            Utc::now(),
        )?
        .ok_or_else(|| anyhow::anyhow!("step #{} has no answer to complete", sent.id))?;
        println!("Noted: {title} felt \"{}\".", felt.label());
        return outcome(paths, &config, &words, &sent, &recorded);
    }
    let at = parse_time(step.at.as_deref(), "--at")?.unwrap_or_else(Utc::now);
    let answer = NewAnswer {
        sent_id: sent.id,
        at,
        kind,
        distress: how.distress.or(felt.map(Felt::distress)),
        happened: how.happened.or(felt.and_then(Felt::happened)),
        source: "terminal",
    };
    let recorded = record::answer(&journal, &config, &setup.library, &answer, Utc::now())?;
    if !recorded.new {
        println!("That answer was already recorded.");
        return Ok(Status::Success);
    }
    match kind {
        AnswerKind::Done => println!("Noted: you did {title}."),
        AnswerKind::Hard => println!(
            "Noted: {title} was hard. Thank you for trying it; the next prompt will be a gentle one."
        ),
        _ => println!("Skipped {title}. That is fine."),
    }
    outcome(paths, &config, &words, &sent, &recorded)
}

/// Says what the rules made of an answer, and wakes the daemon to plan with it.
fn outcome(
    paths: &Paths,
    config: &Config,
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
    if recorded.steps_paused {
        println!("{}", record::pause_note(config));
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
