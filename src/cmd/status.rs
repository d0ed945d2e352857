//! `closer status`: whether the daemon runs, where each ladder stands and why, what was
//! sent today, and what comes next.

use chrono::Utc;
use serde::Serialize;

use crate::Status;
use crate::cli::StatusArgs;
use crate::content::Ladder;
use crate::history::indefinitely;
use crate::paths::Paths;
use crate::planner::Planner;
use crate::record::top;
use crate::setup::Setup;

#[derive(Debug, Serialize)]
struct Report {
    running: bool,
    pid: Option<u32>,
    ladders: Vec<LadderRow>,
    paused_until: Option<String>,
    steps_paused: bool,
    /// Why steps are paused, and who can help: the note said when they paused.
    #[serde(skip_serializing_if = "Option::is_none")]
    steps_paused_note: Option<String>,
    /// Notifications show neither title nor text: today's texts are printed here.
    #[serde(skip)]
    hidden: bool,
    today: Vec<Row>,
    next: Vec<Row>,
}

#[derive(Debug, Serialize)]
struct LadderRow {
    ladder: Ladder,
    /// A person's own ladder's name (the shipped ones go by their id).
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    rung: u8,
    of: u8,
    reason: String,
    /// Why the current step helps (its first wording's reason); `closer why` says more.
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
}

#[derive(Debug, Serialize)]
struct Row {
    time: String,
    schedule: String,
    category: String,
    prompt: Option<String>,
    title: Option<String>,
    /// The prompt's text: with `discreet = "all"` this is where it can be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    answered: bool,
}

pub fn run(paths: &Paths, args: &StatusArgs) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    let now = Utc::now();
    let inputs = setup.preview(paths, now)?;
    let (config, history) = (&inputs.config, &inputs.history);
    let seed = crate::seed::load_or_create(&paths.seed())?;
    let pid = crate::lock::holder(&paths.runtime);
    let title = |id: Option<&str>| {
        id.and_then(|id| setup.library.get(id))
            .map(|p| p.title.clone())
    };
    let local = |t: chrono::DateTime<Utc>| t.with_timezone(&config.timezone);

    let today = local(now).date_naive();
    let today: Vec<Row> = history
        .state
        .sent
        .iter()
        .filter(|s| local(s.at).date_naive() == today)
        .map(|s| Row {
            time: local(s.at).to_rfc3339(),
            schedule: s.rule.clone(),
            category: s.category.to_string(),
            prompt: s.prompt.clone(),
            title: title(s.prompt.as_deref()),
            body: s
                .prompt
                .as_deref()
                .and_then(|id| setup.library.get(id))
                .map(|p| p.body.clone()),
            answered: s.answered,
        })
        .collect();
    let planner = Planner::new(config, &setup.library, seed);
    let next: Vec<Row> = planner
        .upcoming(&history.state, now, 3)
        .into_iter()
        .map(|f| Row {
            time: local(f.at).to_rfc3339(),
            schedule: config.schedule[f.rule].name.clone(),
            category: f.category.to_string(),
            title: title(f.prompt.as_deref()),
            prompt: f.prompt,
            body: None,
            answered: false,
        })
        .collect();
    let ladders: Vec<LadderRow> = config
        .ladders
        .iter()
        .map(|l| {
            let standing = history.standing(*l);
            LadderRow {
                ladder: *l,
                name: setup
                    .library
                    .ladder(*l)
                    .filter(|info| info.personal)
                    .map(|info| info.name.clone()),
                rung: standing.rung,
                of: top(&setup.library, *l),
                reason: standing.reason,
                // The reason of the wording last sent for this rung, or of its first.
                why: history
                    .state
                    .sent
                    .iter()
                    .rev()
                    .filter_map(|s| setup.library.get(s.prompt.as_deref()?))
                    .chain(setup.library.iter())
                    .find(|p| p.group() == Some((*l, standing.rung)))
                    .and_then(|p| p.why.clone()),
            }
        })
        .collect();
    let paused_until = history.state.paused_until.filter(|t| *t > now);
    let report = Report {
        running: pid.is_some(),
        pid,
        ladders,
        paused_until: paused_until.map(|t| {
            if t >= indefinitely() {
                "indefinitely".into()
            } else {
                local(t).to_rfc3339()
            }
        }),
        steps_paused: history.state.steps_paused,
        steps_paused_note: history
            .state
            .steps_paused
            .then(|| crate::record::pause_note(config)),
        hidden: config.discreet == crate::config::Discreet::All,
        today,
        next,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report);
    }
    Ok(Status::Success)
}

/// How a ladder is named on screen: a person's own by its name.
fn label(l: &LadderRow) -> &str {
    l.name.as_deref().unwrap_or(l.ladder.as_str())
}

fn print(r: &Report) {
    match r.pid {
        Some(pid) => println!("closer is running (pid {pid})."),
        None => println!(
            "closer is not running: `closer run`, or `closer service install` to keep it running."
        ),
    }
    if let Some(until) = &r.paused_until {
        println!("Prompts are paused until {until}; `closer resume` ends the pause.");
    }
    if let Some(note) = &r.steps_paused_note {
        println!("{note}");
    }
    println!("\nLadders");
    let width = r
        .ladders
        .iter()
        .map(|l| label(l).chars().count())
        .max()
        .unwrap_or(0);
    for l in &r.ladders {
        println!(
            "  {:width$}  rung {:>2} of {:<2}  {}",
            label(l),
            l.rung,
            l.of,
            l.reason
        );
        if let Some(why) = &l.why {
            println!("  {:width$}  why this step: {why}", "");
        }
    }
    println!("\nToday");
    if r.today.is_empty() {
        println!("  nothing sent yet");
    }
    for row in &r.today {
        // A step stays answerable from the terminal, also once its notification is gone.
        let answered = match (row.answered, row.category.as_str()) {
            (true, _) => "  (answered)",
            (false, "step") => "  (waiting: `closer done`, `closer hard` or `closer skip`)",
            _ => "",
        };
        println!(
            "  {}  {:10}  {}{answered}",
            &row.time[11..16],
            row.category,
            row.title.as_deref().unwrap_or("-")
        );
        if r.hidden
            && let Some(body) = &row.body
        {
            println!("                     {body}");
        }
    }
    println!("\nNext");
    if r.next.is_empty() {
        println!("  nothing scheduled");
    }
    for row in &r.next {
        println!(
            "  {} {}  {:10}  {}",
            &row.time[..10],
            &row.time[11..16],
            row.category,
            row.title.as_deref().unwrap_or("-")
        );
    }
}
