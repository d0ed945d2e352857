//! `closer next`: the upcoming prompts, from the same planner the daemon uses.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Status;
use crate::cli::NextArgs;
use crate::config::parse_zone;
use crate::paths::Paths;
use crate::planner::Planner;
use crate::session::Session;
use crate::setup::Restarts;

/// The latest `--from`: what is planned after it (a year and more ahead, at most) still
/// falls within the year 9999.
const FURTHEST: DateTime<Utc> = match chrono::NaiveDate::from_ymd_opt(9998, 1, 1) {
    Some(day) => day.and_time(chrono::NaiveTime::MIN).and_utc(),
    None => DateTime::<Utc>::MIN_UTC,
};

#[derive(Debug, Serialize)]
struct Row<'a> {
    time: String,
    schedule: &'a str,
    category: &'a str,
    prompt: Option<&'a str>,
    title: Option<&'a str>,
    /// The part of the day the prompt belongs to, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    part_of_day: Option<&'a str>,
}

pub fn run(paths: &Paths, args: &NextArgs) -> anyhow::Result<Status> {
    let mut session = Session::open(paths)?;
    for problem in &session.setup.problems {
        eprintln!("warning: {problem}");
    }
    if let Some(tz) = &args.tz {
        session.set_timezone(
            parse_zone(tz, crate::setup::local_zone()).map_err(|e| anyhow::anyhow!("--tz: {e}"))?,
        );
    }
    let from = match &args.from {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .with_context(|| {
                format!("--from: `{s}` is not an RFC 3339 time such as 2027-03-27T09:00:00+01:00")
            })?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    // What is planned from there must still have a year of four digits.
    if from >= FURTHEST {
        anyhow::bail!(
            "--from: `{}` is too far ahead; give a time before {}",
            args.from.as_deref().unwrap_or_default(),
            FURTHEST.format("%Y-%m-%d")
        );
    }
    let seed = crate::seed::load_or_create(&paths.seed())?;
    // Planned with what the daemon will plan with at `from`.
    let inputs = session.inputs(from, Restarts::Preview)?;
    let (config, history) = (&inputs.config, &inputs.history);
    let setup = &session.setup;
    let planner = Planner::new(config, &setup.library, seed);
    let firings = planner.upcoming(&history.state, from, usize::from(args.count));

    let rows: Vec<Row> = firings
        .iter()
        .map(|f| {
            let prompt = f.prompt.as_deref().and_then(|id| setup.library.get(id));
            Row {
                time: f.at.with_timezone(&config.timezone).to_rfc3339(),
                schedule: &config.schedule[f.rule].name,
                category: f.category.as_str(),
                prompt: prompt.map(|p| p.id.as_str()),
                title: prompt.map(|p| p.title.as_str()),
                part_of_day: prompt.and_then(|p| p.time).map(|t| t.as_str()),
            }
        })
        .collect();

    // A pause from the terminal: said first, with its end; what follows comes after it.
    let paused = history.state.paused_until.filter(|until| *until > from);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(Status::Success);
    }
    if let Some(until) = paused {
        println!("{}", crate::say::pause_line(until, &config.timezone));
    }
    if rows.is_empty() && paused.is_none() {
        if config.schedule.is_empty() {
            println!(
                "Nothing is scheduled. Add a [[schedule]] rule to {}.",
                paths.config.display()
            );
        } else {
            println!("Nothing is planned for the coming days.");
        }
    } else if !rows.is_empty() {
        if paused.is_some() {
            println!("After the pause:");
        }
        let width = rows
            .iter()
            .map(|r| r.schedule.chars().count())
            .max()
            .unwrap_or(0);
        for (row, firing) in rows.iter().zip(&firings) {
            let local = firing.at.with_timezone(&config.timezone);
            let part = row
                .part_of_day
                .map_or_else(String::new, |t| format!(" ({t})"));
            println!(
                "{}  {:width$}  {:10}  {}{part}",
                local.format("%a %Y-%m-%d %H:%M %Z"),
                row.schedule,
                row.category,
                firing
                    .prompt
                    .as_deref()
                    .and_then(|id| setup.library.get(id))
                    .map_or("(nothing to send)", |p| setup.library.step_name(p)),
            );
        }
    }
    Ok(Status::Success)
}
