//! Sending what came due: the prompts, each with what its notification carries (the
//! person's own evidence on a setback, a gentler way in after a long hold), and the notes
//! closer says once.

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::config::Config;
use crate::content::{Category, Library};
use crate::history::History;
use crate::notify::{Delivery, Message, Notifier};
use crate::planner::{Firing, Planner, Wake};
use crate::record;

use super::local;
use super::records::Records;

/// How many missed prompts are named one by one in the log.
pub(super) const MISSED_SHOWN: usize = 24;

/// Sends what came due (after a suspend, only what the catch-up rule allows), records it,
/// and says once when closer starts sending fewer steps.
pub(super) async fn send_due(
    planner: &Planner<'_>,
    records: &mut Records,
    notifier: &mut Notifier,
    wake: &Wake,
    history: &History,
    now: DateTime<Utc>,
) {
    let config = planner.config;
    // Each missed prompt is named, up to a screenful; a rule firing every second would
    // otherwise fill the log after a night asleep.
    for firing in wake.missed.iter().take(MISSED_SHOWN) {
        info!(
            "missed \"{}\" due at {} (asleep or off); not sent",
            config.schedule[firing.rule].name,
            local(config, firing.at)
        );
    }
    if let Some(more) = wake
        .missed
        .len()
        .checked_sub(MISSED_SHOWN)
        .filter(|n| *n > 0)
    {
        info!("and {more} more missed (asleep or off); not sent");
    }
    if !wake.send.is_empty()
        && let Some(note) = records.past_harm_note_once(config, now)
    {
        // The config turned the physical or sexual ladder on: how to keep its text off
        // the screen, as `closer ladder enable` says it.
        let note = if config.discreet == crate::config::Discreet::All {
            note.to_owned()
        } else {
            format!("{note} {}", record::DISCREET_HINT)
        };
        info!("{note}");
        say(notifier, "A note for you", &note).await;
    }
    // A setback message carries the person's own evidence, when they have some and it
    // would not argue with the latest answer.
    let words = crate::history::Words::new(planner.library, &[], Default::default());
    let evidence = crate::progress::evidence(
        &history.step_answers,
        |id| {
            history
                .sent
                .iter()
                .find(|s| s.id == id)
                .and_then(|s| words.title(s))
        },
        now,
        config.timezone,
    );
    for firing in &wake.send {
        let gentler = records.gentler_once(planner.library, history, firing, config);
        let delivery = deliver(
            config,
            planner.library,
            notifier,
            firing,
            evidence.as_deref(),
            gentler.as_deref(),
        )
        .await;
        records.sent(planner, firing, delivery, now);
    }
    let mut timeline = history.state.sent.clone();
    timeline.extend(wake.send.iter().map(|f| planner.sent(f)));
    if planner.fewer(&timeline) && records.say_fewer_once(now) {
        let note = "No answer to the last few steps, which is fine. closer will send fewer \
                    of them for now; answering one brings them back.";
        info!("{note}");
        say(notifier, "A note for you", note).await;
    }
}

pub(super) async fn deliver(
    config: &Config,
    library: &Library,
    notifier: &mut Notifier,
    firing: &Firing,
    evidence: Option<&str>,
    gentler: Option<&str>,
) -> Delivery {
    let rule = &config.schedule[firing.rule].name;
    let Some(mut message) = Message::for_firing(config, library, firing) else {
        warn!(
            "\"{rule}\" came due, but has no {} prompt to send",
            firing.category
        );
        return Delivery::Printed;
    };
    if let Some(evidence) =
        evidence.filter(|_| firing.category == Category::Setback && !message.hidden)
    {
        message.body = format!("{}\n{evidence}", message.body);
    }
    if let Some(gentler) = gentler.filter(|_| !message.hidden) {
        message.body = format!("{}\n{gentler}", message.body);
    }
    let id = message.prompt.as_deref().unwrap_or("");
    let delivery = notifier.send(&message).await;
    match delivery {
        Delivery::Shown(n) => info!(
            "sent {} `{id}` for \"{rule}\" as notification {n}",
            firing.category
        ),
        Delivery::Printed => info!("sent {} `{id}` for \"{rule}\" to stderr", firing.category),
    }
    delivery
}

/// A note from closer itself, outside the schedule.
pub(super) async fn say(notifier: &mut Notifier, title: &str, body: &str) {
    notifier.send(&Message::note(title, body)).await;
}

/// A note that must be seen (where help is): critical urgency, never expired by the
/// server.
pub(crate) async fn urgent(notifier: &mut Notifier, body: &str) {
    notifier
        .send(&Message::urgent(record::HELP_TITLE, body))
        .await;
}
