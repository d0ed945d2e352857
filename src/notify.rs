//! Desktop notifications: notify-rust over zbus on the tokio runtime, and the terminal
//! when there is no session bus or no notification server.
//!
//! Only async calls run here, each under a timeout, since a frozen server never answers.
//! Each shown notification keeps its handle (and so its D-Bus connection) until it is
//! answered or closed, because GNOME removes a notification when the connection that
//! sent it closes; at most `max_open` stay open, and the oldest is closed to make room,
//! so nothing piles up per unanswered notification.

use std::collections::VecDeque;
use std::time::Duration;

use notify_rust::{Hint, Notification, NotificationResponse, Urgency};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};
use tracing::{info, warn};

use crate::config::{Config, Discreet};
use crate::content::{Category, Library};
use crate::planner::Firing;

/// The keys and labels of the answers a step offers.
pub const STEP_ACTIONS: &[(&str, &str)] = &[
    ("done", "Did it"),
    ("hard", "It was hard"),
    ("skip", "Not today"),
    ("snooze", "Later"),
];

const CALL_TIMEOUT: Duration = Duration::from_secs(5);
const FIRST_RETRY: Duration = Duration::from_secs(2);
const MAX_RETRY: Duration = Duration::from_secs(10 * 60);
const BUS_NAME: &str = "org.freedesktop.Notifications";
const OBJECT_PATH: &str = "/org/freedesktop/Notifications";

/// What to show.
#[derive(Debug, Clone)]
pub struct Message {
    pub title: String,
    pub body: String,
    pub category: Category,
    pub prompt: Option<String>,
    /// The prompt's text is hidden (`discreet = "all"`): clicking it shows it.
    pub hidden: bool,
}

/// The text shown in place of a prompt's with `discreet = "all"`.
pub const HIDDEN_BODY: &str = "Click to read it, or run `closer status`.";

impl Message {
    /// The message for a planned prompt, with the title (and text) discreet mode asks for.
    pub fn for_firing(config: &Config, library: &Library, firing: &Firing) -> Option<Message> {
        let prompt = library.get(firing.prompt.as_deref()?)?;
        let hidden = config.discreet == Discreet::All;
        Some(Message {
            title: prompt.shown_title(config.discreet.title()).to_owned(),
            body: if hidden {
                HIDDEN_BODY.to_owned()
            } else {
                prompt.body.clone()
            },
            category: prompt.category,
            prompt: Some(prompt.id.clone()),
            hidden,
        })
    }

    /// The full text of the prompt `id`, shown when the person asks for it.
    pub fn revealed(library: &Library, id: &str) -> Option<Message> {
        let prompt = library.get(id)?;
        Some(Message {
            title: prompt.title.clone(),
            body: prompt.body.clone(),
            category: prompt.category,
            prompt: Some(prompt.id.clone()),
            hidden: false,
        })
    }
}

/// How a message reached the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Shown by the notification server, with this id.
    Shown(u32),
    /// Printed to stderr: there was no notification server.
    Printed,
}

/// What came back from a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The person chose an action (its key).
    Action(String),
    /// It was closed without an action; the reason as the server gave it.
    Closed(String),
    /// closer closed it to keep at most `max_open` open.
    Replaced,
}

/// An answer to one notification.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: u32,
    pub prompt: Option<String>,
    pub answer: Answer,
}

#[derive(Debug)]
struct Open {
    id: u32,
    replace: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Sends notifications and reports their answers on a channel.
#[derive(Debug)]
pub struct Notifier {
    max_open: usize,
    open: VecDeque<Open>,
    events: mpsc::UnboundedSender<Event>,
    /// Whether the server takes actions; None until asked.
    actions: Option<bool>,
    /// Set while the server is away: when to look for it again, and the next wait.
    retry: Option<(Instant, Duration)>,
}

impl Notifier {
    pub fn new(max_open: usize, events: mpsc::UnboundedSender<Event>) -> Notifier {
        Notifier {
            max_open: max_open.max(1),
            open: VecDeque::new(),
            events,
            actions: None,
            retry: None,
        }
    }

    pub fn set_max_open(&mut self, max_open: usize) {
        self.max_open = max_open.max(1);
    }

    /// Looks for the notification server; says once when it is missing or back.
    pub async fn probe(&mut self) -> bool {
        match timeout(CALL_TIMEOUT, capabilities()).await {
            Ok(Ok(caps)) => {
                self.actions = Some(caps.iter().any(|c| c == "actions"));
                if self.retry.take().is_some() {
                    info!("the notification server is back; prompts go to the desktop again");
                }
                true
            }
            Ok(Err(e)) => {
                self.away(&e.to_string());
                false
            }
            Err(_) => {
                self.away("it did not answer within 5 s");
                false
            }
        }
    }

    /// Waits until it is time to look for the server again; never, while it is here.
    pub async fn until_retry(&self) {
        match self.retry {
            Some((at, _)) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    }

    /// Shows `message`, or prints it when no server can be reached.
    pub async fn send(&mut self, message: &Message) -> Delivery {
        if self.retry.is_none() && self.actions.is_none() {
            self.probe().await;
        }
        if self.retry.is_some() {
            print(message);
            return Delivery::Printed;
        }
        match timeout(CALL_TIMEOUT, self.show(message)).await {
            Ok(Ok(id)) => Delivery::Shown(id),
            Ok(Err(e)) => {
                self.away(&e.to_string());
                print(message);
                Delivery::Printed
            }
            Err(_) => {
                self.away("it did not answer within 5 s");
                print(message);
                Delivery::Printed
            }
        }
    }

    /// Closes every open notification (at shutdown), waiting at most half a second in
    /// all: a frozen server must not hold up a stop.
    pub async fn close_all(&mut self) {
        let tasks: Vec<JoinHandle<()>> = self
            .open
            .drain(..)
            .map(|open| {
                let _ = open.replace.send(());
                open.task
            })
            .collect();
        let _ = timeout(Duration::from_millis(500), async {
            for task in tasks {
                let _ = task.await;
            }
        })
        .await;
    }

    async fn show(&mut self, message: &Message) -> notify_rust::error::Result<u32> {
        let mut notification = Notification::new();
        notification
            .appname("closer")
            .summary(&message.title)
            .body(&message.body)
            .urgency(Urgency::Normal)
            .hint(Hint::Category(format!("x-closer.{}", message.category)));
        if message.category == Category::Step && self.actions == Some(true) {
            for (key, label) in STEP_ACTIONS {
                notification.action(key, label);
            }
        }
        if message.hidden && self.actions == Some(true) {
            notification.action("default", "Show");
        }
        let handle = notification.show_async().await?;
        let id = handle.id();
        let (replace, replaced) = oneshot::channel();
        let events = self.events.clone();
        let prompt = message.prompt.clone();
        let task = tokio::spawn(async move {
            let answer = tokio::select! {
                answer = wait_for_answer(&handle) => answer,
                _ = replaced => {
                    let _ = timeout(CALL_TIMEOUT, handle.close_async()).await;
                    Answer::Replaced
                }
            };
            let _ = events.send(Event { id, prompt, answer });
            // The handle, and with it the connection, goes only now.
        });
        self.open.retain(|o| !o.task.is_finished());
        self.open.push_back(Open { id, replace, task });
        while self.open.len() > self.max_open {
            if let Some(oldest) = self.open.pop_front() {
                tracing::debug!("closing notification {} to make room", oldest.id);
                let _ = oldest.replace.send(());
            }
        }
        Ok(id)
    }

    /// Shows `message` in place of notification `replaces` (its replaces_id), offering
    /// `actions` (key, label) whatever the message's category: a question that follows an
    /// answer, or the full text behind a discreet one. Its answer comes back as an
    /// [`Event`] for the id returned, like any other. Nothing is printed when no server is
    /// there: what it replaces was never shown either.
    pub async fn replace(
        &mut self,
        replaces: u32,
        message: &Message,
        actions: &[(String, String)],
    ) -> Option<u32> {
        if self.retry.is_some() {
            return None;
        }
        let mut notification = Notification::new();
        notification
            .id(replaces)
            .appname("closer")
            .summary(&message.title)
            .body(&message.body)
            .urgency(Urgency::Normal)
            .hint(Hint::Category(format!("x-closer.{}", message.category)));
        if self.actions == Some(true) {
            for (key, label) in actions {
                notification.action(key, label);
            }
        }
        let handle = match timeout(CALL_TIMEOUT, notification.show_async()).await {
            Ok(Ok(handle)) => handle,
            Ok(Err(e)) => {
                self.away(&e.to_string());
                return None;
            }
            Err(_) => {
                self.away("it did not answer within 5 s");
                return None;
            }
        };
        Some(self.keep(handle, message.prompt.clone()))
    }

    /// Keeps `handle` open in a task of its own until it is answered, closed or replaced
    /// to make room (at most `max_open`); returns its id.
    fn keep(&mut self, handle: notify_rust::NotificationHandle, prompt: Option<String>) -> u32 {
        let id = handle.id();
        let (replace, replaced) = oneshot::channel();
        let events = self.events.clone();
        let task = tokio::spawn(async move {
            let answer = tokio::select! {
                answer = wait_for_answer(&handle) => answer,
                _ = replaced => {
                    let _ = timeout(CALL_TIMEOUT, handle.close_async()).await;
                    Answer::Replaced
                }
            };
            let _ = events.send(Event { id, prompt, answer });
        });
        self.open.retain(|o| !o.task.is_finished());
        self.open.push_back(Open { id, replace, task });
        while self.open.len() > self.max_open {
            if let Some(oldest) = self.open.pop_front() {
                tracing::debug!("closing notification {} to make room", oldest.id);
                let _ = oldest.replace.send(());
            }
        }
        id
    }

    fn away(&mut self, why: &str) {
        let wait = match self.retry {
            None => {
                warn!(
                    "no notification server could be reached ({why}); prompts are printed here \
                     until one appears"
                );
                FIRST_RETRY
            }
            Some((_, wait)) => (wait * 2).min(MAX_RETRY),
        };
        self.retry = Some((Instant::now() + wait, wait));
        self.actions = None;
    }
}

async fn wait_for_answer(handle: &notify_rust::NotificationHandle) -> Answer {
    let mut answer = Answer::Closed("unknown".into());
    handle
        .wait_for_action_async(|response: &NotificationResponse| {
            answer = match response {
                NotificationResponse::Action(key) => Answer::Action(key.clone()),
                NotificationResponse::Default => Answer::Action("default".into()),
                NotificationResponse::Closed(reason) => {
                    Answer::Closed(format!("{reason:?}").to_lowercase())
                }
                other => Answer::Closed(format!("{other:?}")),
            };
        })
        .await;
    answer
}

/// The server's capabilities, asked on a connection of its own (notify-rust has no
/// async call for this).
async fn capabilities() -> zbus::Result<Vec<String>> {
    let connection = zbus::Connection::session().await?;
    let reply = connection
        .call_method(
            Some(BUS_NAME),
            OBJECT_PATH,
            Some(BUS_NAME),
            "GetCapabilities",
            &(),
        )
        .await?;
    reply.body().deserialize()
}

/// The fallback: the prompt on stderr, where journald or the terminal shows it.
fn print(message: &Message) {
    eprintln!("closer: {}: {}", message.title, message.body);
}
