//! `closer send`: one prompt now, to try the setup; it is recorded like any other, and
//! the conversation on it is the daemon's: an answer given on the notification counts,
//! "Did it" and "It was hard" are followed by the daemon's question how it went, and
//! where help is, when an answer calls for it, is named. A step answered in the terminal
//! meanwhile has its notification closed; a notification nothing would hear any more
//! (the wait is over, Ctrl-C) is closed too.
//!
//! `send` keeps SIGPIPE ignored (it talks D-Bus), so every line goes through `say!`: a
//! closed stdout (`closer send | head -1`) ends it quietly, never with a panic; the prompt
//! is recorded by then and stays answerable from the terminal.

use std::io::{self, Write as _};
use std::time::Duration;

use anyhow::Context as _;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::Status;
use crate::cli::SendArgs;
use crate::content::Category;
use crate::daemon;
use crate::journal::{AnswerKind, NewAnswer, NewSent};
use crate::notify::{
    Answer, DEFAULT_ACTION, Delivery, Event, Message, Notifier, TERMINAL_ANSWERS, step_label,
};
use crate::paths::Paths;
use crate::planner::Planner;
use crate::progress::Decision;
use crate::record::{self, FollowedUp};
use crate::session::Session;

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
    let session = Session::open_to_write(paths)?;
    let setup = &session.setup;
    for problem in &setup.problems {
        // Like every line on stderr here: nothing to do if it is closed.
        let _ = writeln!(io::stderr(), "warning: {problem}");
    }
    let (config, history) = session.history()?;
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
    let firing = planner.off_schedule(rule, &history.state, Utc::now());
    let Some(message) = Message::for_firing(&config, &setup.library, &firing) else {
        anyhow::bail!("rule \"{}\" has nothing to send", schedule[rule].name);
    };
    let (events, mut answers) = mpsc::unbounded_channel();
    // The step, then in its place the question how it went, and a note beside it.
    let mut notifier = Notifier::new(2, events);
    let delivery = notifier.send(&message).await;

    let journal = &session.journal;
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
    let step = message.category == Category::Step;
    let how_to = if step { TERMINAL_ANSWERS } else { "" };
    let wait = humantime::format_duration(args.wait);
    say!("Shown as notification {n}. Waiting {wait} for an answer (Ctrl-C to stop waiting)…");
    let deadline = Instant::now() + args.wait;
    let answered_elsewhere = || journal.answers_to(sent_id).is_ok_and(|a| !a.is_empty());
    let (mut origin, mut shown) = (n, message.clone());
    let key = loop {
        match wait_on(&mut answers, origin, deadline, &answered_elsewhere).await {
            Waited::Action(key) if key == DEFAULT_ACTION && shown.hidden => {
                // A click on a discreet notification shows its text, in its place.
                let Some(full) =
                    Message::revealed(&setup.library, shown.prompt.as_deref().unwrap_or(""))
                else {
                    continue;
                };
                let actions = full.actions.clone();
                match notifier.replace(origin, &full, &actions).await {
                    Some(id) if !actions.is_empty() => (origin, shown) = (id, full),
                    // Nothing to answer on what it shows now.
                    _ => return Ok(Status::Success),
                }
            }
            Waited::Action(key) if key == DEFAULT_ACTION => {
                notifier.show_choices(origin, &shown).await;
            }
            Waited::Action(key) => break key,
            Waited::Closed(reason) => {
                say!("The notification was closed ({reason}). {how_to}");
                return Ok(Status::Success);
            }
            Waited::Elsewhere => {
                notifier.close(origin).await;
                say!(
                    "#{sent_id} was answered in the terminal meanwhile; its notification is closed."
                );
                return Ok(Status::Success);
            }
            Waited::TimedOut => {
                // Nothing would hear a click on it once `send` is gone.
                notifier.close(origin).await;
                say!("No answer within {wait}; the notification is closed. {how_to}");
                return Ok(Status::Success);
            }
            Waited::Stopped => {
                notifier.close(origin).await;
                return Ok(Status::Success);
            }
        }
    };
    say!("You answered: {}.", step_label(&key).unwrap_or(&key));
    let Ok(kind) = key.parse::<AnswerKind>() else {
        notifier.close(origin).await;
        return Ok(Status::Success);
    };
    let answer = NewAnswer::from_notification(sent_id, kind, Utc::now());
    let recorded = match record::answer(journal, &config, &setup.library, &answer, Utc::now()) {
        Ok(recorded) => recorded,
        Err(e) => {
            notifier.close(origin).await;
            return Err(e.into());
        }
    };
    moved(&setup.library, recorded.decision.as_ref())?;
    // As the daemon does: after "Did it" or "It was hard", once, how it went, in the
    // step's place.
    let ask = recorded.answer_id.filter(|_| kind.done() && recorded.new);
    let question = match ask {
        Some(_) => {
            let (question, actions) =
                daemon::how_it_went_question(&setup.library, message.prompt.as_deref(), kind);
            notifier
                .replace(origin, &question, &actions)
                .await
                .map(|q| (q, question))
        }
        None => {
            // Some servers leave an answered notification on screen.
            notifier.close(origin).await;
            None
        }
    };
    noted(
        &mut notifier,
        &config,
        recorded.steps_paused,
        recorded.too_much,
    )
    .await?;
    let (Some(answer_id), Some((q, question))) = (ask, question) else {
        return Ok(Status::Success);
    };
    say!("{}: {}", question.title, question.body);
    let said_elsewhere = || {
        journal
            .answer(answer_id)
            .ok()
            .flatten()
            .is_some_and(|a| a.happened.is_some() || a.distress.is_some() || a.too_much)
    };
    let deadline = Instant::now() + args.wait;
    let key = match wait_on(&mut answers, q, deadline, &said_elsewhere).await {
        Waited::Action(key) => key,
        Waited::Closed(_) => {
            say!("The question was closed, which is fine.");
            return Ok(Status::Success);
        }
        Waited::Elsewhere => {
            notifier.close(q).await;
            say!("How it went was said in the terminal meanwhile; the question is closed.");
            return Ok(Status::Success);
        }
        Waited::TimedOut => {
            notifier.close(q).await;
            let how_to = question.without_actions.as_deref().unwrap_or("");
            say!("No answer to the question within {wait}, which is fine; it is closed. {how_to}");
            return Ok(Status::Success);
        }
        Waited::Stopped => {
            notifier.close(q).await;
            return Ok(Status::Success);
        }
    };
    notifier.close(q).await;
    let Some(how) = daemon::follow_up_answer(&key) else {
        return Ok(Status::Success);
    };
    say!("Noted: {}.", daemon::how_words(how));
    match record::follow_up(journal, &config, &setup.library, answer_id, how, Utc::now())? {
        FollowedUp::Recorded(recorded) => {
            moved(&setup.library, recorded.decision.as_ref())?;
            noted(
                &mut notifier,
                &config,
                recorded.steps_paused,
                recorded.too_much,
            )
            .await?;
        }
        FollowedUp::AlreadySaid(first) => say!(
            "How that step went was already noted from the {}; the first word stands.",
            first.source
        ),
        FollowedUp::Unknown => {}
    }
    Ok(Status::Success)
}

/// Says how a ladder moved, if it did.
fn moved(library: &crate::content::Library, decision: Option<&Decision>) -> anyhow::Result<()> {
    if let Some(Decision::Move(m)) = decision {
        say!("{} ladder: {}.", library.ladder_name(m.ladder), m.reason);
    }
    Ok(())
}

/// Where help is, when an answer calls for it, as the daemon says it: in a note that
/// stays on the desktop, and here.
async fn noted(
    notifier: &mut Notifier,
    config: &crate::config::Config,
    steps_paused: bool,
    too_much: bool,
) -> anyhow::Result<()> {
    let note = if steps_paused {
        record::pause_note(config)
    } else if too_much {
        record::help_note(config)
    } else {
        return Ok(());
    };
    daemon::urgent(notifier, &note).await;
    say!("{}: {note}", record::HELP_TITLE);
    Ok(())
}

/// What came while `send` waited on a notification.
#[derive(Debug)]
enum Waited {
    /// An action on it (its key).
    Action(String),
    /// The server closed it; why.
    Closed(String),
    /// Answered in the terminal meanwhile.
    Elsewhere,
    TimedOut,
    /// Ctrl-C.
    Stopped,
}

/// How often `send` looks in the journal for an answer given in the terminal. `send`
/// waits at most `--wait`, in a terminal, so this is not the daemon's never-polling
/// wait; the terminal's answer commands wake only the daemon.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Waits on the notification (first) shown as `origin`: an action on it, its closing,
/// `elsewhere()` (looked at every [`LOOK_EVERY`]), `deadline`, or Ctrl-C.
async fn wait_on(
    answers: &mut mpsc::UnboundedReceiver<Event>,
    origin: u32,
    deadline: Instant,
    elsewhere: &dyn Fn() -> bool,
) -> Waited {
    let mut look = tokio::time::interval(LOOK_EVERY);
    loop {
        tokio::select! {
            Some(event) = answers.recv() => {
                if event.id != origin {
                    continue;
                }
                return match event.answer {
                    Answer::Action(key) => Waited::Action(key),
                    Answer::Closed(reason) => Waited::Closed(reason),
                    Answer::Replaced => Waited::Closed("to make room".to_owned()),
                };
            }
            _ = look.tick() => {
                if elsewhere() {
                    return Waited::Elsewhere;
                }
            }
            () = tokio::time::sleep_until(deadline) => return Waited::TimedOut,
            _ = tokio::signal::ctrl_c() => return Waited::Stopped,
        }
    }
}
