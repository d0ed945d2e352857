//! `closer run`: the daemon. It plans, sleeps on the wall clock until the next prompt is
//! due, sends it, and plans again; it also logs the answers that come back, reloads the
//! config on SIGHUP, and stops on SIGTERM or SIGINT.
//!
//! Between prompts it does not wake: the only things that can wake it are the timer, a
//! signal, an answer from the notification server, and — only while the server is away —
//! the backoff to look for it again. All decisions are the planner's; this file only
//! carries them out and keeps the in-memory record of what was sent.

use chrono::{DateTime, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::Status;
use crate::notify::{Answer, Delivery, Event, Message, Notifier, STEP_ACTIONS};
use crate::paths::Paths;
use crate::planner::{self, Firing, Planner, State};
use crate::setup::Setup;
use crate::timer::{self, Wake, WallTimer};

/// How many planned prompts to look at per wake: enough for several due at once.
const PLAN_AHEAD: usize = 8;
/// How many sent prompts to remember (the no-repeat rule needs a pool's worth).
const KEEP_SENT: usize = 1000;

pub async fn run(paths: &Paths) -> anyhow::Result<Status> {
    let _lock = crate::lock::acquire(&paths.runtime)?;
    let mut setup = Setup::load(paths)?;
    if !setup.problems.is_empty() {
        warn!(
            "{} has problems; running on what is valid:",
            paths.config.display()
        );
        for problem in &setup.problems {
            warn!("  {problem}");
        }
    }
    if !paths.seed().exists() {
        info!("welcome: closer is self-help, not therapy; `closer about` says where to find help");
    }
    let seed = crate::seed::load_or_create(&paths.seed())?;
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let mut notifier = Notifier::new(setup.config.max_open, events_tx);
    notifier.probe().await;
    let mut timer = WallTimer::new()?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;

    let mut state = State::default();
    // Everything up to here has been dealt with.
    let mut cursor = Utc::now();
    info!(
        "closer is running with {} from {}",
        rules(setup.config.schedule.len()),
        paths.config.display()
    );
    loop {
        let planner = Planner::new(&setup.config, &setup.library, seed);
        let plan = planner.upcoming(&state, cursor, PLAN_AHEAD);
        match plan.first() {
            Some(next) => debug!(
                "next: \"{}\" at {}",
                setup.config.schedule[next.rule].name,
                local(&setup, next.at)
            ),
            None => info!("nothing is scheduled; waiting for a config change (SIGHUP)"),
        }
        let wake_at = plan.first().map_or_else(timer::never, |f| f.at);
        tokio::select! {
            wake = timer.wait_until(wake_at) => {
                if wake? == Wake::ClockChanged {
                    info!("the clock changed; planning again from {}", local(&setup, Utc::now()));
                }
            }
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
            _ = sighup.recv() => {
                reload(paths, &mut setup, &mut notifier);
                continue;
            }
            Some(event) = events.recv() => {
                log_answer(&event);
                continue;
            }
            () = notifier.until_retry() => {
                notifier.probe().await;
                continue;
            }
        }
        let now = Utc::now();
        let due: Vec<Firing> = plan.into_iter().filter(|f| f.at <= now).collect();
        let (to_send, missed) = planner::catch_up(&due, now, setup.config.limits.catch_up);
        for firing in &missed {
            info!(
                "missed \"{}\" due at {} (asleep or off); not sent",
                setup.config.schedule[firing.rule].name,
                local(&setup, firing.at)
            );
        }
        for firing in &to_send {
            deliver(&setup, &mut notifier, firing).await;
            state.sent.push(planner.sent(firing));
        }
        if state.sent.len() > KEEP_SENT {
            state.sent.drain(..state.sent.len() - KEEP_SENT);
        }
        // A clock set backwards must not send again what was sent.
        cursor = cursor.max(now);
    }
    info!("stopping");
    notifier.close_all().await;
    while let Ok(event) = events.try_recv() {
        log_answer(&event);
    }
    Ok(Status::Success)
}

async fn deliver(setup: &Setup, notifier: &mut Notifier, firing: &Firing) {
    let rule = &setup.config.schedule[firing.rule].name;
    let Some(message) = Message::for_firing(&setup.config, &setup.library, firing) else {
        warn!(
            "\"{rule}\" came due, but has no {} prompt to send",
            firing.category
        );
        return;
    };
    let id = message.prompt.as_deref().unwrap_or("");
    match notifier.send(&message).await {
        Delivery::Shown(n) => info!(
            "sent {} `{id}` for \"{rule}\" as notification {n}",
            firing.category
        ),
        Delivery::Printed => info!("sent {} `{id}` for \"{rule}\" to stderr", firing.category),
    }
}

fn log_answer(event: &Event) {
    let prompt = event.prompt.as_deref().unwrap_or("?");
    match &event.answer {
        Answer::Action(key) => {
            let label = STEP_ACTIONS
                .iter()
                .find(|(k, _)| k == key)
                .map_or(key.as_str(), |(_, l)| l);
            info!(
                "answer to notification {} (`{prompt}`): {key} (\"{label}\")",
                event.id
            );
        }
        Answer::Closed(reason) => info!("notification {} (`{prompt}`) closed: {reason}", event.id),
        Answer::Replaced => debug!("notification {} (`{prompt}`) closed to make room", event.id),
    }
}

/// Reloads the config and content; an invalid edit keeps the running ones.
fn reload(paths: &Paths, setup: &mut Setup, notifier: &mut Notifier) {
    match Setup::load(paths) {
        Ok(new) if new.problems.is_empty() => {
            info!(
                "reloaded {}: {} schedule rules",
                paths.config.display(),
                new.config.schedule.len()
            );
            notifier.set_max_open(new.config.max_open);
            *setup = new;
        }
        Ok(new) => {
            warn!(
                "{} has problems; keeping the running schedule:",
                paths.config.display()
            );
            for problem in &new.problems {
                warn!("  {problem}");
            }
        }
        Err(e) => warn!("cannot reload: {e:#}; keeping the running schedule"),
    }
}

fn rules(n: usize) -> String {
    format!("{n} schedule rule{}", if n == 1 { "" } else { "s" })
}

fn local(setup: &Setup, at: DateTime<Utc>) -> String {
    at.with_timezone(&setup.config.timezone)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}
