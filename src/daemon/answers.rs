//! Answers from notifications: what each calls for (a follow-up asking how it went, a
//! discreet text shown, a step kept open, a note naming where help is), the follow-up's
//! question and choices, and closing what was answered elsewhere.

use chrono::{DateTime, Utc};
use tracing::{debug, info, warn};

use crate::config::Config;
use crate::content::{Category, Library};
use crate::journal::{AnswerKind, Happened};
use crate::notify::{Answer, DEFAULT_ACTION, Event, Message, Notifier, step_label};
use crate::progress::{Decision, Felt};
use crate::record::{self, FollowedUp, HowItWent};

use super::records::Records;

impl Records {
    /// Records an answer from a notification: what it calls for next.
    pub(super) fn answer(
        &mut self,
        event: &Event,
        config: &Config,
        library: &Library,
        now: DateTime<Utc>,
    ) -> Heard {
        let prompt = event.prompt.as_deref().unwrap_or("?");
        let key = match &event.answer {
            Answer::Closed(reason) => {
                info!("notification {} (`{prompt}`) closed: {reason}", event.id);
                return Heard::default();
            }
            Answer::Replaced => {
                debug!("notification {} (`{prompt}`) closed to make room", event.id);
                return Heard::default();
            }
            Answer::Action(key) => key,
        };
        if key == DEFAULT_ACTION {
            return Heard {
                reveal: true,
                ..Heard::default()
            };
        }
        if let Some(how) = follow_up_answer(key) {
            return self.follow_up(event, how, config, library, now);
        }
        let label = step_label(key).unwrap_or(key);
        let Ok(kind) = key.parse::<AnswerKind>() else {
            debug!("notification {} (`{prompt}`): {key}", event.id);
            return Heard::default();
        };
        // Stored first, logged after: a logged answer is a kept answer, dated when it
        // was heard.
        let recorded = self.store_answer(event.id, kind, now, config, library, now);
        let kept = self.pending.iter().any(|(n, _, _)| *n == event.id);
        info!(
            "answer to notification {} (`{prompt}`): {key} (\"{label}\"){}",
            event.id,
            if kept {
                " (kept in memory until it can be written)"
            } else {
                ""
            }
        );
        // How it went is asked once, of an answer that was kept: about that answer.
        let ask = recorded
            .as_ref()
            .and_then(|r| r.answer_id)
            .filter(|_| kind.done())
            .map(|answer_id| Ask { kind, answer_id });
        Heard {
            paused: recorded.as_ref().is_some_and(|r| r.steps_paused),
            ask,
            no_chance: kind == AnswerKind::NoChance,
            ..Heard::default()
        }
    }

    /// Records how a step went, the answer to a follow-up: it completes the answer it
    /// asked about, and no other; the first word on it stands. Kept in memory when the
    /// journal cannot be written, as answers are.
    pub(super) fn follow_up(
        &mut self,
        event: &Event,
        how: HowItWent,
        config: &Config,
        library: &Library,
        now: DateTime<Utc>,
    ) -> Heard {
        let Some(&answer_id) = self.asked.get(&event.id) else {
            warn!(
                "notification {}: how it went came for an answer this run did not ask about; not kept",
                event.id
            );
            return Heard::default();
        };
        info!(
            "how it went, for notification {} (`{}`): {}",
            event.id,
            event.prompt.as_deref().unwrap_or("?"),
            how_words(how)
        );
        self.store_how(answer_id, how, config, library, now)
    }

    pub(super) fn store_how(
        &mut self,
        answer_id: i64,
        how: HowItWent,
        config: &Config,
        library: &Library,
        now: DateTime<Utc>,
    ) -> Heard {
        let Some(journal) = &self.journal else {
            self.pending_how.push((answer_id, how));
            return Heard::default();
        };
        match record::follow_up(journal, config, library, answer_id, how, now) {
            Ok(FollowedUp::Recorded(recorded)) => {
                if let Some(Decision::Move(m)) = &recorded.decision {
                    info!("{} ladder: {}", library.ladder_name(m.ladder), m.reason);
                }
                Heard {
                    paused: recorded.steps_paused,
                    too_much: recorded.too_much,
                    ..Heard::default()
                }
            }
            Ok(FollowedUp::AlreadySaid(first)) => {
                info!(
                    "how answer {answer_id} went was already said (from the {}); the first word stands",
                    first.source
                );
                Heard {
                    said_before: Some(format!(
                        "How that step went was already noted from the {}; the first word stands.",
                        first.source
                    )),
                    ..Heard::default()
                }
            }
            Ok(FollowedUp::Unknown) => {
                warn!("how it went follows no answer {answer_id} in the journal; not kept");
                Heard::default()
            }
            Err(e) => {
                warn!("cannot record how it went yet: {e}; it is kept in memory");
                self.pending_how.push((answer_id, how));
                // "Too much" names where help is at once, written or not.
                Heard {
                    too_much: how.felt == Some(Felt::TooMuch),
                    ..Heard::default()
                }
            }
        }
    }
}

/// What an answer from a notification calls for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Heard {
    /// Steps were paused because of it: say so, and where help is.
    pub(super) paused: bool,
    /// Ask how it went, about this answer.
    pub(super) ask: Option<Ask>,
    /// Show the full text of a discreet notification, which was clicked.
    pub(super) reveal: bool,
    /// "Too much": name where help is at once.
    pub(super) too_much: bool,
    /// "No chance yet": the step stays open.
    pub(super) no_chance: bool,
    /// How it went was already said elsewhere: this, to say so.
    pub(super) said_before: Option<String>,
}

/// A follow-up to ask: about the answer `answer_id`, of `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ask {
    pub(super) kind: AnswerKind,
    pub(super) answer_id: i64,
}

/// The action keys of a follow-up: this, then a word of [`how_it_went`].
pub(super) const HOW_KEY: &str = "how-";

/// The choices of a follow-up: whether what was feared happened, and "Too much", as
/// (word in the key, label, what it says).
pub(super) const HOW_CHOICES: &[(&str, &str, HowItWent)] = &[
    (
        "no",
        "No",
        HowItWent {
            happened: Some(Happened::No),
            felt: None,
        },
    ),
    (
        "partly",
        "Partly",
        HowItWent {
            happened: Some(Happened::Partly),
            felt: None,
        },
    ),
    (
        "yes",
        "Yes",
        HowItWent {
            happened: Some(Happened::Yes),
            felt: None,
        },
    ),
    (
        "too-much",
        "Too much",
        HowItWent {
            happened: None,
            felt: Some(Felt::TooMuch),
        },
    ),
];

/// What a follow-up's key word says.
pub(super) fn how_it_went(word: &str) -> Option<HowItWent> {
    HOW_CHOICES
        .iter()
        .find(|(w, _, _)| *w == word)
        .map(|(_, _, how)| *how)
}

/// What a follow-up said, for the log.
pub(crate) fn how_words(how: HowItWent) -> String {
    match (how.felt, how.happened) {
        (Some(felt), _) => format!("\"{}\"", felt.label()),
        (None, Some(h)) => format!("what was feared happened: {h}"),
        (None, None) => "nothing".to_owned(),
    }
}

/// Shows the full text of the prompt in a notification that was clicked, in its place,
/// with the answers a step takes.
pub(super) async fn reveal(
    notifier: &mut Notifier,
    records: &mut Records,
    event: &Event,
    library: &Library,
) {
    let Some(message) = event
        .prompt
        .as_deref()
        .and_then(|id| Message::revealed(library, id))
    else {
        return;
    };
    let actions = message.actions.clone();
    if let Some(n) = notifier.replace(event.id, &message, &actions).await {
        if let Some(&sent_id) = records.shown.get(&event.id) {
            records.shown.insert(n, sent_id);
        }
        debug!(
            "showed notification {}'s text as notification {n}",
            event.id
        );
    }
}

/// Asks once how the step went, in place of the notification just answered (see
/// [`how_it_went_question`]). Closing it or letting it be costs nothing.
pub(super) async fn ask_how_it_went(
    notifier: &mut Notifier,
    records: &mut Records,
    event: &Event,
    ask: Ask,
    library: &Library,
) {
    let Some(&sent_id) = records.shown.get(&event.id) else {
        return;
    };
    let (message, actions) = how_it_went_question(library, event.prompt.as_deref(), ask.kind);
    if let Some(n) = notifier.replace(event.id, &message, &actions).await {
        records.shown.insert(n, sent_id);
        records.asked.insert(n, ask.answer_id);
        debug!("asked how it went as notification {n}");
    }
}

/// The question that follows a "Did it" or "It was hard" (`kind`) to the step `prompt`,
/// with its choices: did what was feared happen (in the step's own words, when it names
/// them), with "Too much" beside the answers ([`HOW_CHOICES`]). Asked by the daemon and
/// by `closer send` alike; [`follow_up_answer`] reads the choice.
pub(crate) fn how_it_went_question(
    library: &Library,
    prompt: Option<&str>,
    kind: AnswerKind,
) -> (Message, Vec<(String, String)>) {
    let step = prompt.and_then(|id| library.get(id));
    let personal = step
        .and_then(|p| p.ladder)
        .and_then(|l| library.ladder(l))
        .is_some_and(|l| l.personal);
    let question = match step.and_then(|p| p.feared.as_deref()) {
        Some(feared) if personal => format!("You feared that {feared}. Did that happen?"),
        Some(feared) => format!("If you feared that {feared}: did that happen?"),
        None => "Did what you feared happen?".to_owned(),
    };
    let thanks = match kind {
        AnswerKind::Hard => "Thank you for doing it.",
        _ => "Thank you.",
    };
    let mut message = Message::note("How did it go?", &format!("{question} {thanks}"));
    message.category = Category::Step;
    message.prompt = prompt.map(str::to_owned);
    message.stays = true;
    message.without_actions = Some(format!(
        "To answer: `closer {} --happened no` (or partly, yes), or `--felt too-much`.",
        kind.as_str()
    ));
    let actions: Vec<(String, String)> = HOW_CHOICES
        .iter()
        .map(|(word, label, _)| (format!("{HOW_KEY}{word}"), (*label).to_owned()))
        .collect();
    (message, actions)
}

/// What the action key of a follow-up's choice says; None for any other key.
pub(crate) fn follow_up_answer(key: &str) -> Option<HowItWent> {
    key.strip_prefix(HOW_KEY).and_then(how_it_went)
}

/// Shows a step answered "No chance yet" again, in its place, without that choice: the
/// occasion may still come this week.
pub(super) async fn keep_open(
    notifier: &mut Notifier,
    records: &mut Records,
    event: &Event,
    config: &Config,
    library: &Library,
) {
    let Some(prompt) = event.prompt.as_deref().and_then(|id| library.get(id)) else {
        return;
    };
    let mut message = Message::for_prompt(prompt, config.discreet);
    message
        .actions
        .retain(|(key, _)| key != AnswerKind::NoChance.as_str());
    let actions = message.actions.clone();
    if let Some(n) = notifier.replace(event.id, &message, &actions).await
        && let Some(&sent_id) = records.shown.get(&event.id)
    {
        records.shown.insert(n, sent_id);
    }
}

/// Closes the open notifications whose step has an answer in the journal (given from the
/// terminal, say). One that vanished unanswered stays answerable from the terminal.
pub(super) async fn close_answered(records: &Records, notifier: &mut Notifier) {
    for (n, _) in notifier.open() {
        // The question how an answered step went stays until it is answered or let be.
        let asks = notifier
            .message(n)
            .is_some_and(|m| m.actions.iter().any(|(key, _)| key.starts_with(HOW_KEY)));
        if !asks && records.answered(n) {
            debug!("notification {n} was answered elsewhere; closing it");
            notifier.close(n).await;
        }
    }
}
