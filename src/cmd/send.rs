//! `closer send`: one prompt now, to try the setup; it is recorded like any other, and
//! an answer given on the notification counts.
//!
//! `send` keeps SIGPIPE ignored (it talks D-Bus), so every line goes through `say!`: a
//! closed stdout (`closer send | head -1`) ends it quietly, never with a panic; the prompt
//! is recorded by then and stays answerable from the terminal.

use std::io::{self, Write as _};

use anyhow::Context as _;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::Status;
use crate::cli::SendArgs;
use crate::journal::{AnswerKind, NewAnswer, NewSent};
use crate::notify::{
    Answer, DEFAULT_ACTION, Delivery, Message, Notifier, TERMINAL_ANSWERS, step_label,
};
use crate::paths::Paths;
use crate::planner::Planner;
use crate::record;
use crate::setup::{Setup, open_journal};

/// Why `send` stopped early: its stdout was closed. Not an error to report.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
struct OutputClosed;

/// Writes one line to stdout; a closed pipe is `OutputClosed`, another failure (a full
/// disk under a redirect) an error that says so.
fn say_line(line: std::fmt::Arguments) -> anyhow::Result<()> {
    match writeln!(io::stdout().lock(), "{line}") {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        written => written.context("cannot write to stdout"),
    }
}

/// `println!` that returns from `send` on a closed stdout instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        say_line(format_args!($($arg)*))?
    };
}

pub async fn run(paths: &Paths, args: &SendArgs) -> anyhow::Result<Status> {
    match send(paths, args).await {
        Err(e) if e.is::<OutputClosed>() => Ok(Status::Success),
        ended => ended,
    }
}

async fn send(paths: &Paths, args: &SendArgs) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    for problem in &setup.problems {
        // Like every line on stderr here: nothing to do if it is closed.
        let _ = writeln!(io::stderr(), "warning: {problem}");
    }
    let (config, history) = setup.history(paths)?;
    let schedule = &config.schedule;
    let rule = match &args.schedule {
        Some(name) => schedule
            .iter()
            .position(|r| &r.name == name)
            .ok_or_else(|| {
                let names: Vec<String> =
                    schedule.iter().map(|r| format!("\"{}\"", r.name)).collect();
                anyhow::anyhow!(
                    "there is no schedule rule named \"{name}\"; the rules are: {}",
                    names.join(", ")
                )
            })?,
        None if schedule.is_empty() => {
            anyhow::bail!("there are no schedule rules in {}", paths.config.display())
        }
        None => 0,
    };
    let seed = crate::seed::load_or_create(&paths.seed())?;
    let planner = Planner::new(&config, &setup.library, seed);
    let firing = planner.now(rule, &history.state, Utc::now());
    let Some(message) = Message::for_firing(&config, &setup.library, &firing) else {
        anyhow::bail!("rule \"{}\" has nothing to send", schedule[rule].name);
    };
    let (events, mut answers) = mpsc::unbounded_channel();
    let mut notifier = Notifier::new(1, events);
    let delivery = notifier.send(&message).await;

    let journal = open_journal(paths)?;
    let shown = match delivery {
        Delivery::Shown(n) => Some(n),
        Delivery::Printed => None,
    };
    // The prompt and the notification it was shown as, stored together.
    let sent_id = journal.record_shown(
        &NewSent::planned(
            firing.at,
            firing.due,
            schedule[rule].name.clone(),
            firing.category,
            message.prompt.clone(),
            &setup.library,
        ),
        shown,
    )?;
    let Some(n) = shown else {
        say!("No notification server was reached, so prompt #{sent_id} is printed above.");
        return Ok(Status::Success);
    };
    // The terminal is the person's own: it shows the text a discreet notification hides.
    let full = message
        .prompt
        .as_deref()
        .filter(|_| message.hidden)
        .and_then(|id| Message::revealed(&setup.library, id))
        .unwrap_or_else(|| message.clone());
    // The prompt and its notification id are recorded before anything is said: a closed
    // stdout ends `send` at the first line.
    say!("#{sent_id} {}: {}", full.title, full.body);
    if args.no_wait || message.actions.is_empty() || args.wait.is_zero() {
        return Ok(Status::Success);
    }
    if !notifier.server().is_some_and(|s| s.actions) {
        // The server shows no buttons: the body says how to answer, and so does this.
        say!("Shown as notification {n}; this desktop shows no answer buttons.");
        say!("{TERMINAL_ANSWERS}");
        return Ok(Status::Success);
    }
    let wait = humantime::format_duration(args.wait);
    say!("Shown as notification {n}. Waiting {wait} for an answer (Ctrl-C to stop waiting)…");
    let deadline = tokio::time::Instant::now() + args.wait;
    let key = loop {
        let event = tokio::select! {
            Some(event) = answers.recv() => event,
            () = tokio::time::sleep_until(deadline) => {
                say!("No answer within {wait}. {TERMINAL_ANSWERS}");
                return Ok(Status::Success);
            }
            _ = tokio::signal::ctrl_c() => return Ok(Status::Success),
        };
        match event.answer {
            Answer::Action(key) if key == DEFAULT_ACTION => {
                notifier.show_choices(n, &message).await;
            }
            Answer::Action(key) => break key,
            Answer::Closed(reason) => {
                say!("The notification was closed ({reason}). {TERMINAL_ANSWERS}");
                return Ok(Status::Success);
            }
            Answer::Replaced => return Ok(Status::Success),
        }
    };
    // Some servers leave an answered notification on screen.
    notifier.close(n).await;
    say!("You answered: {}.", step_label(&key).unwrap_or(&key));
    if let Ok(kind) = key.parse::<AnswerKind>() {
        let answer = NewAnswer::from_notification(sent_id, kind, Utc::now());
        let recorded = record::answer(&journal, &config, &setup.library, &answer, Utc::now())?;
        if let Some(crate::progress::Decision::Move(m)) = recorded.decision {
            say!(
                "{} ladder: {}.",
                setup.library.ladder_name(m.ladder),
                m.reason
            );
        }
    }
    Ok(Status::Success)
}
