//! `closer status`: whether the daemon runs, where each ladder stands and why, what was
//! sent today, the step waiting for an answer, and what comes next.
//!
//! The step shown as waiting is the one `closer done` (without STEP) answers: the latest
//! step, from any day, while it has no answer; both ask `Journal::latest_step`.
//!
//! What was sent is shown in the words it was sent with (`history::Words`, as `log` has
//! it), also after the content changed; those words are read for today's rows only, so
//! the planner's window stays as light as it is.

use chrono::{NaiveTime, Utc};
use serde::Serialize;

use crate::Status;
use crate::cli::StatusArgs;
use crate::content::Ladder;
use crate::history::{Words, indefinitely};
use crate::journal::{Entry, Journal, SentRow};
use crate::paths::Paths;
use crate::planner::Planner;
use crate::record::top;
use crate::session::Session;
use crate::setup::Restarts;

#[derive(Debug, Serialize)]
struct Report {
    running: bool,
    pid: Option<u32>,
    ladders: Vec<LadderRow>,
    paused_until: Option<String>,
    /// The pause as a person reads it (`say::pause_line`).
    #[serde(skip)]
    paused_line: Option<String>,
    steps_paused: bool,
    /// Why steps are paused, and who can help: the note said when they paused.
    #[serde(skip_serializing_if = "Option::is_none")]
    steps_paused_note: Option<String>,
    /// Notifications show neither title nor text: today's texts are printed here.
    #[serde(skip)]
    hidden: bool,
    /// The step `closer done` answers, while unanswered (sent today or before).
    waiting: Option<Waiting>,
    /// Steps answered "No chance yet" this week: open until the occasion comes.
    open_for_an_occasion: Vec<Waiting>,
    today: Vec<Row>,
    next: Vec<Row>,
}

#[derive(Debug, Serialize)]
struct Waiting {
    id: i64,
    time: String,
    prompt: Option<String>,
    title: Option<String>,
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
    /// A gentler way in, once the rung held a handful of answers without moving.
    #[serde(skip_serializing_if = "Option::is_none")]
    gentler: Option<String>,
    /// Why the current step helps (its first wording's reason); `closer why` says more.
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
    /// The safety behaviour the current step lets go of.
    #[serde(skip_serializing_if = "Option::is_none")]
    fade: Option<String>,
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
    /// The step waiting for an answer (see `Report::waiting`).
    waiting: bool,
}

pub fn run(paths: &Paths, args: &StatusArgs) -> anyhow::Result<Status> {
    // One journal for both: a row it cannot read is warned about once.
    let session = Session::open(paths)?;
    let now = Utc::now();
    let inputs = session.inputs(now, Restarts::Preview)?;
    let Session { setup, journal, .. } = session;
    let (config, history) = (&inputs.config, &inputs.history);
    let waiting = journal.as_ref().map(waiting_step).transpose()?.flatten();
    let seed = crate::seed::load_or_create(&paths.seed())?;
    let pid = crate::lock::running(&paths.runtime, &paths.data);
    let title = |id: Option<&str>| {
        id.and_then(|id| setup.library.get(id))
            .map(|p| p.title.clone())
    };
    let local = |t: chrono::DateTime<Utc>| t.with_timezone(&config.timezone);

    let today = local(now).date_naive();
    let midnight = crate::when::resolve(&config.timezone, today.and_time(NaiveTime::MIN));
    // Today's rows with the words they were sent with, which planning does not read.
    let shown = match &journal {
        Some(journal) => journal.entries(Some(midnight.with_timezone(&Utc)))?,
        None => Vec::new(),
    };
    let removed =
        crate::packs::removed_prompts(&paths.user_content.join(crate::content::REMOVED_DIR));
    let words = Words::new(&setup.library, &shown, removed);
    let shown = Entry::sent_by_id(&shown);
    let today: Vec<Row> = history
        .sent_answered()
        .filter(|(s, _)| local(s.at).date_naive() == today)
        .map(|(s, answered)| {
            let sent = shown.get(&s.id).copied().unwrap_or(s);
            Row {
                time: local(s.at).to_rfc3339(),
                schedule: s.rule.clone(),
                category: s.category.to_string(),
                prompt: s.prompt.clone(),
                title: words.title(sent),
                body: words.body(sent),
                answered,
                waiting: waiting.as_ref().is_some_and(|w| w.id == s.id),
            }
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
            waiting: false,
        })
        .collect();
    let ladders: Vec<LadderRow> = config
        .ladders
        .iter()
        .map(|l| {
            let standing = history.standing(*l);
            // The wording last sent for this rung, or its first.
            let step = history
                .state
                .sent
                .iter()
                .rev()
                .filter_map(|s| setup.library.get(s.prompt.as_deref()?))
                .chain(setup.library.iter())
                .find(|p| p.group() == Some((*l, standing.rung)));
            let (reason, gentler) =
                crate::record::standing_words(&setup.library, history, *l, config.timezone);
            LadderRow {
                ladder: *l,
                name: words.ladder_name(*l),
                rung: standing.rung,
                of: top(&setup.library, *l),
                reason,
                gentler,
                why: step.and_then(|p| p.why.clone()),
                fade: step.and_then(|p| p.fade.clone()),
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
        paused_line: paused_until.map(|t| crate::say::pause_line(t, &config.timezone)),
        steps_paused: history.state.steps_paused,
        steps_paused_note: history
            .state
            .steps_paused
            .then(|| crate::record::pause_note(config)),
        hidden: config.discreet == crate::config::Discreet::All,
        waiting: waiting.map(|w| Waiting {
            id: w.id,
            time: local(w.at).to_rfc3339(),
            title: words.title(&w),
            prompt: w.prompt,
        }),
        open_for_an_occasion: crate::progress::open_for_an_occasion(&history.step_answers, now)
            .into_iter()
            .filter_map(|id| history.sent.iter().find(|s| s.id == id))
            .map(|s| Waiting {
                id: s.id,
                time: local(s.at).to_rfc3339(),
                title: setup
                    .library
                    .get(s.prompt.as_deref().unwrap_or(""))
                    .map(|p| setup.library.step_name(p).to_owned()),
                prompt: s.prompt.clone(),
            })
            .collect(),
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
    if let Some(line) = &r.paused_line {
        println!("{line}");
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
        if let Some(gentler) = &l.gentler {
            println!("  {:width$}  {gentler}", "");
        }
        if let Some(why) = &l.why {
            println!("  {:width$}  why this step: {why}", "");
        }
        if let Some(fade) = &l.fade {
            println!("  {:width$}  lets go of:    {fade}", "");
        }
    }
    // A step stays answerable from the terminal, also once its notification is gone.
    const WAITING: &str = "(waiting: `closer done`, `closer hard` or `closer skip`)";
    if let Some(w) = &r.waiting
        && !r.today.iter().any(|row| row.waiting)
    {
        println!("\nWaiting since {} {}", &w.time[..10], &w.time[11..16]);
        let title = w.title.as_deref().unwrap_or("a step");
        println!("  \"{title}\"  {WAITING}");
    }
    if !r.open_for_an_occasion.is_empty() {
        println!("\nOpen until the chance comes (no chance yet)");
        for w in &r.open_for_an_occasion {
            let title = w.title.as_deref().unwrap_or("a step");
            println!(
                "  \"{title}\"  (`closer done {}` when it came, `closer skip {}` if it will not)",
                w.id, w.id
            );
        }
    }
    println!("\nToday");
    if r.today.is_empty() {
        println!("  nothing sent yet");
    }
    for row in &r.today {
        let answered = match (row.answered, row.category.as_str()) {
            (true, _) => "  (answered)".to_owned(),
            (false, "step") if row.waiting => format!("  {WAITING}"),
            // An older step: `closer log` shows its number, `closer done NUMBER` answers it.
            (false, "step") => "  (not answered)".to_owned(),
            _ => String::new(),
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

/// The step `closer done` without STEP answers, if it has no answer yet.
fn waiting_step(journal: &Journal) -> anyhow::Result<Option<SentRow>> {
    let Some(latest) = journal.latest_step()? else {
        return Ok(None);
    };
    // Any answer ("later" too) counts, as in the history's `answered`.
    Ok(journal.answers_to(latest.id)?.is_empty().then_some(latest))
}
