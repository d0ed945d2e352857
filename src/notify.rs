//! Desktop notifications over zbus on the tokio runtime, and the terminal when there is no
//! session bus or no notification server.
//!
//! One D-Bus connection carries every notification (GNOME removes a notification when the
//! connection that sent it closes, so it lives as long as the `Notifier`), and one listener
//! task on it turns the server's `ActionInvoked` and `NotificationClosed` signals into
//! [`Event`]s, for the notifications this `Notifier` showed and no others. The listener also
//! watches `NameOwnerChanged` for `org.freedesktop.Notifications`: when the server goes,
//! what it showed is reported closed; when one comes (back), [`Notifier::until_retry`]
//! returns at once instead of waiting for the backoff.
//!
//! Invariants: every call runs under a timeout, since a frozen server never answers; the
//! server's capabilities are read when it is first reached and again whenever its owner
//! changes, and what is sent adapts to them (actions or a line saying how to answer from the
//! terminal, once; an escaped body where the server reads markup, announced or known by
//! its name; the summary is never markup).
//! At most `max_open` notifications stay open; the oldest is closed to make room. Nothing
//! here waits on a timer while the server is present: between prompts nothing wakes.
//! This file knows no answer kinds: action keys are passed through as they came.

use std::collections::{HashMap, VecDeque};
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_lite::StreamExt;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};
use tracing::{debug, info, warn};
use zbus::Variant;

use crate::config::{Config, Discreet};
use crate::content::{Category, Library, Prompt};
use crate::planner::Firing;

/// The keys and labels of the answers a step offers. The three that matter come first:
/// GNOME shows only three buttons, some servers two. "Later" comes after them.
pub const STEP_ACTIONS: &[(&str, &str)] = &[
    ("done", "Did it"),
    ("hard", "It was hard"),
    ("skip", "Not today"),
    ("snooze", "Later"),
];

/// The answers a step that needs an occasion offers: "No chance yet" (neither a skip nor a
/// hold) in place of "Later".
pub const OCCASION_ACTIONS: [(&str, &str); 4] = [
    STEP_ACTIONS[0],
    STEP_ACTIONS[1],
    STEP_ACTIONS[2],
    ("no-chance", "No chance yet"),
];

/// The key a server invokes when the body of a notification is clicked.
///
/// On a step, it shows the step again with how to answer spelled out (see
/// [`Notifier::show_choices`]): a click on the body is often a way to look closer or to
/// dismiss, so it must not record an answer (and a snooze would hide the step), while some
/// servers draw no buttons at all (mako) or fold them away (GNOME) — there, this is how the
/// person finds the choices.
pub const DEFAULT_ACTION: &str = "default";

/// How to answer a step without buttons; added to the body when the server takes no actions
/// and when the choices are shown again.
pub const TERMINAL_ANSWERS: &str =
    "To answer, run `closer done`, `closer hard` or `closer skip` in a terminal.";

/// How long any call to the bus or the server may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
const FIRST_RETRY: Duration = Duration::from_secs(2);
/// Sets the first wait before looking for a missing server again (a duration such as
/// "1m"); the tests use it to show that a returning server is seen without the backoff.
pub const RETRY_ENV: &str = "CLOSER_FIRST_RETRY";
const MAX_RETRY: Duration = Duration::from_secs(10 * 60);
const BUS_NAME: &str = "org.freedesktop.Notifications";
const OBJECT_PATH: &str = "/org/freedesktop/Notifications";
/// The desktop file's name (assets/closer.desktop) and the icon's.
pub const APP_ID: &str = "closer";

/// What to show.
#[derive(Debug, Clone)]
pub struct Message {
    pub title: String,
    pub body: String,
    pub category: Category,
    pub prompt: Option<String>,
    /// (key, label) pairs, in the order the buttons should appear; empty for none.
    pub actions: Vec<(String, String)>,
    /// The line that says how to answer when the server cannot show `actions`.
    pub without_actions: Option<String>,
    /// The body ends with `without_actions` even where the server shows the actions (the
    /// choices shown again); never twice.
    pub spelled_out: bool,
    /// Whether it stays until answered (expire_timeout 0) instead of the server's default.
    pub stays: bool,
    /// The notification this one takes the place of (an id from [`Delivery::Shown`]).
    pub replaces: Option<u32>,
    /// The prompt's text is hidden (`discreet = "all"`): a click on it shows it.
    pub hidden: bool,
    /// It must be seen (where help is): critical urgency, which servers do not expire.
    pub urgent: bool,
}

/// The text shown in place of a prompt's with `discreet = "all"`.
pub const HIDDEN_BODY: &str = "Click to read it, or run `closer status`.";

impl Message {
    /// The message for a planned prompt, with the title (and text) discreet mode asks
    /// for. A step stays until answered and offers [`STEP_ACTIONS`]; a hidden text
    /// (`discreet = "all"`) is shown by a click on the notification ([`DEFAULT_ACTION`]).
    pub fn for_firing(config: &Config, library: &Library, firing: &Firing) -> Option<Message> {
        let prompt = library.get(firing.prompt.as_deref()?)?;
        Some(Message::for_prompt(prompt, config.discreet))
    }

    /// The full text of the prompt `id`, shown when the person asks for it.
    pub fn revealed(library: &Library, id: &str) -> Option<Message> {
        Some(Message::for_prompt(library.get(id)?, Discreet::Off))
    }

    /// The message for `prompt`, with the title (and text) `discreet` asks for.
    pub fn for_prompt(prompt: &Prompt, discreet: Discreet) -> Message {
        let hidden = discreet == Discreet::All;
        let body = if hidden { HIDDEN_BODY } else { &prompt.body };
        let mut message = Message::note(prompt.shown_title(discreet.title()), body);
        message.category = prompt.category;
        message.prompt = Some(prompt.id.clone());
        message.hidden = hidden;
        if prompt.category == Category::Step {
            // A click on a hidden step shows its text; on another, its choices again.
            let default = if hidden { "Show" } else { "Show the choices" };
            // A step that needs an occasion offers "No chance yet" in place of "Later".
            let answers: &[(&str, &str)] = if prompt.occasion {
                &OCCASION_ACTIONS
            } else {
                STEP_ACTIONS
            };
            message.actions = answers
                .iter()
                .chain(&[(DEFAULT_ACTION, default)])
                .map(|&(k, l)| (k.to_owned(), l.to_owned()))
                .collect();
            message.without_actions = Some(TERMINAL_ANSWERS.to_owned());
            message.stays = true;
        } else if hidden {
            message.actions = vec![(DEFAULT_ACTION.to_owned(), "Show".to_owned())];
        }
        message
    }

    /// A note from closer itself: no actions, the server's own expiry.
    pub fn note(title: &str, body: &str) -> Message {
        Message {
            title: title.to_owned(),
            body: body.to_owned(),
            category: Category::Learn,
            prompt: None,
            actions: Vec::new(),
            without_actions: None,
            spelled_out: false,
            stays: false,
            replaces: None,
            hidden: false,
            urgent: false,
        }
    }

    /// A note that must be seen (where help is): critical urgency, and it stays.
    pub fn urgent(title: &str, body: &str) -> Message {
        Message {
            stays: true,
            urgent: true,
            ..Message::note(title, body)
        }
    }
}

/// The label of a step's action key, for saying what the person clicked.
pub fn step_label(key: &str) -> Option<&'static str> {
    STEP_ACTIONS
        .iter()
        .chain(&OCCASION_ACTIONS)
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
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
    /// closer closed it: to keep at most `max_open` open, or because it was answered.
    Replaced,
}

/// An answer to one notification.
#[derive(Debug, Clone)]
pub struct Event {
    /// The id it was first shown as ([`Delivery::Shown`]), also after the choices were
    /// shown again under a new id.
    pub id: u32,
    pub prompt: Option<String>,
    pub answer: Answer,
    /// What it showed: a click is answered from this, whatever the server did with the
    /// notification meanwhile (dunst closes it on a middle-click, just after the click).
    pub message: Message,
}

/// What the server said it can do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub version: String,
    pub actions: bool,
    pub body_markup: bool,
}

/// Servers that read markup in a body without announcing `body-markup`, by the name
/// `GetServerInformation` gives: dunst (its default `markup = full` shows `Say <i>hello</i>`
/// in italics, and `markup = strip` drops the tags).
const MARKUP_UNANNOUNCED: &[&str] = &["dunst"];

/// Servers that do not replace a notification in place (`replaces_id`), by name: LXQt's
/// keeps the replaced one's actions (the question after a step would offer the step's
/// answers), swaync closes the replaced one (`NotificationClosed` for its id right after),
/// GNOME Shell (43) draws no buttons on a banner whose notification was replaced while
/// shown. There, what would take a notification's place is shown as a new one, and the
/// one it follows is closed.
const REPLACES_BADLY: &[&str] = &[
    "lxqt-notificationd",
    "SwayNotificationCenter",
    "gnome-shell",
];

/// Servers that draw only the first three of a notification's actions, by name: GNOME Shell
/// (43 drops the rest). There the answer that must stay within reach ([`MUST_REACH`]) is
/// drawn third, and the body says how to give every answer from the terminal.
const THREE_BUTTONS: &[&str] = &["gnome-shell"];

/// The answer that must never be out of reach: "Too much" on the question how it went.
const MUST_REACH: &str = "how-too-much";

/// The question's answers a three-button server draws, in order: whether what was feared
/// happened, no or yes (the rules read the two apart), and [`MUST_REACH`]. "Partly" goes
/// past them: the body says how to give it from the terminal.
const THREE_ANSWERS: [&str; 3] = ["how-no", "how-yes", MUST_REACH];

/// Servers whose message list draws no buttons and keeps what comes while it is open
/// there, unshown, unless it is critical, by name: GNOME Shell (43). A click on a step in
/// that list shows its choices again: there with critical urgency, so that they come as a
/// banner with its buttons once the list is closed (the reply to the person's own click).
const LIST_WITHOUT_BUTTONS: &[&str] = &["gnome-shell"];

/// `message` shown again after a click on it ([`Notifier::show_choices`]): with how to
/// answer in a terminal, and critical where the server would otherwise show it without its
/// buttons ([`LIST_WITHOUT_BUTTONS`]).
fn choices_again(server: Option<&Server>, message: &Message) -> Message {
    let mut again = message.clone();
    again.without_actions = Some(TERMINAL_ANSWERS.to_owned());
    again.spelled_out = true;
    again.urgent |= server.is_some_and(|s| LIST_WITHOUT_BUTTONS.contains(&s.name.as_str()));
    again
}

impl Server {
    /// The actions to send for `message`, in order, and whether its body must end with how
    /// to answer from the terminal: on a server that draws three buttons
    /// ([`THREE_BUTTONS`]), the question how a step went shows [`THREE_ANSWERS`] and the
    /// body says how to give the one moved past; elsewhere [`MUST_REACH`] moves up to be
    /// third.
    fn actions<'m>(&self, message: &'m Message) -> (Vec<&'m (String, String)>, bool) {
        let mut actions: Vec<&(String, String)> = message.actions.iter().collect();
        if !THREE_BUTTONS.contains(&self.name.as_str()) {
            return (actions, message.spelled_out);
        }
        if actions.iter().any(|(key, _)| key == MUST_REACH) {
            let rank = |key: &str| THREE_ANSWERS.iter().position(|k| *k == key);
            // A stable sort: what is not among the three keeps its order after them.
            actions.sort_by_key(|(key, _)| rank(key).unwrap_or(THREE_ANSWERS.len()));
            let moved = actions.len() > THREE_ANSWERS.len();
            return (actions, moved || message.spelled_out);
        }
        let buttons: Vec<usize> = (0..actions.len())
            .filter(|&i| actions[i].0 != DEFAULT_ACTION)
            .collect();
        let must = actions.iter().position(|(key, _)| key == MUST_REACH);
        match (must, buttons.get(2)) {
            (Some(must), Some(&third)) if must > third => {
                let action = actions.remove(must);
                actions.insert(third, action);
                (actions, true)
            }
            _ => (actions, message.spelled_out),
        }
    }

    /// Whether a notification can be shown in another's place with `replaces_id`
    /// ([`REPLACES_BADLY`] says where not).
    pub fn replaces_in_place(&self) -> bool {
        !REPLACES_BADLY.contains(&self.name.as_str())
    }

    /// Whether a body is read as markup here: the server says so, or it is known to
    /// ([`MARKUP_UNANNOUNCED`]). Such a body is sent escaped, so it shows as written.
    pub fn reads_markup(&self) -> bool {
        self.body_markup || MARKUP_UNANNOUNCED.contains(&self.name.as_str())
    }
}

/// A notification on screen: the id it was first shown as, and what it shows.
#[derive(Debug, Clone)]
struct Open {
    origin: u32,
    message: Message,
    /// Order of showing, to close the oldest first.
    seq: u64,
    /// An action was chosen, the default one (a click on the body) too: closer closes it,
    /// replaces it or shows it again, and the server's own closing says nothing new.
    acted: bool,
}

impl Open {
    /// What `answer` means for it.
    fn event(self, answer: Answer) -> Event {
        Event {
            id: self.origin,
            prompt: self.message.prompt.clone(),
            answer,
            message: self.message,
        }
    }
}

/// What this `Notifier` tracks, shared with the listener task.
type Shown = Arc<Mutex<Tracked>>;

/// How long a signal for an id not open is kept, in case the id is one whose `Notify` call
/// is still returning: no call takes longer.
const EARLY_KEPT: Duration = CALL_TIMEOUT;
/// At most this many are kept (other applications' notifications send signals too).
const EARLY_MAX: usize = 64;

/// Open notifications by the id the server knows them by now, and the signals that came
/// for ids not open (yet).
///
/// The listener is a task of its own, and zbus hands the reply to `Notify` and the signals
/// that follow it to different tasks: the listener can see a click (or a close) on a new
/// notification before the task that called `Notify` has its id. Such a signal is kept
/// here, and [`Tracked::insert`] applies it when the id is recorded, under the same lock.
#[derive(Debug, Default)]
struct Tracked {
    open: HashMap<u32, Open>,
    /// (received, id, answer), oldest first.
    early: VecDeque<(std::time::Instant, u32, Answer)>,
}

impl Tracked {
    /// The event a signal for `id` means for an open notification; a signal for an id not
    /// open is kept a while ([`EARLY_KEPT`]) and means nothing yet. A notification acted on
    /// stays known until closer closes or replaces it, which it does after every action: a
    /// server that closes it on the click (xfce4-notifyd on a button, dunst on a
    /// middle-click) is not reported, and what follows (the question, the choices shown
    /// again) still goes in its place, whichever comes first.
    fn signal(&mut self, id: u32, answer: Answer, now: std::time::Instant) -> Option<Event> {
        let Some(open) = self.open.get_mut(&id) else {
            self.early
                .retain(|(at, ..)| now.saturating_duration_since(*at) < EARLY_KEPT);
            if self.early.len() >= EARLY_MAX {
                self.early.pop_front();
            }
            self.early.push_back((now, id, answer));
            return None;
        };
        let open = match &answer {
            Answer::Action(_) => {
                open.acted = true;
                open.clone()
            }
            _ if open.acted => return None,
            _ => self.open.remove(&id)?,
        };
        Some(open.event(answer))
    }

    /// Records `id` as open, and returns what the signals for it that came since `asked`
    /// (when its `Notify` call went out) mean, in the order they came. Earlier ones were
    /// about another notification that had the id before; with `asked` None (the id is the
    /// one it replaced, whose own signals may come in that moment) none is applied.
    fn insert(&mut self, id: u32, open: Open, asked: Option<std::time::Instant>) -> Vec<Event> {
        self.open.insert(id, open);
        let (early, rest): (VecDeque<_>, VecDeque<_>) = std::mem::take(&mut self.early)
            .into_iter()
            .partition(|&(_, i, _)| i == id);
        self.early = rest;
        early
            .into_iter()
            .filter(|&(at, ..)| asked.is_some_and(|asked| at >= asked))
            .filter_map(|(at, id, answer)| self.signal(id, answer, at))
            .collect()
    }
}

/// The connection, and the listener task on it.
#[derive(Debug)]
struct Bus {
    connection: zbus::Connection,
    shown: Shown,
    /// Notified when the server's name changes owner.
    owner_changed: Arc<Notify>,
    listener: JoinHandle<()>,
}

impl Drop for Bus {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// Sends notifications and reports their answers on a channel.
#[derive(Debug)]
pub struct Notifier {
    max_open: usize,
    events: mpsc::UnboundedSender<Event>,
    /// The bus's address; None for the session bus of the environment.
    address: Option<String>,
    bus: Option<Bus>,
    /// The server, once reached; None while it is away or not asked yet.
    server: Option<Server>,
    /// Set while the server is away: when to look for it again, and the next wait.
    retry: Option<(Instant, Duration)>,
    first_retry: Duration,
    seq: u64,
}

impl Notifier {
    pub fn new(max_open: usize, events: mpsc::UnboundedSender<Event>) -> Notifier {
        Notifier {
            max_open: max_open.max(1),
            events,
            address: None,
            bus: None,
            server: None,
            retry: None,
            first_retry: std::env::var(RETRY_ENV)
                .ok()
                .and_then(|s| humantime::parse_duration(&s).ok())
                .unwrap_or(FIRST_RETRY),
            seq: 0,
        }
    }

    /// Sends to the bus at `address` in place of the session bus: a test's private one,
    /// for a daemon run in-process.
    pub fn on_bus(mut self, address: String) -> Notifier {
        self.address = Some(address);
        self
    }

    pub fn set_max_open(&mut self, max_open: usize) {
        self.max_open = max_open.max(1);
    }

    /// The server as last reached; None while it is away.
    pub fn server(&self) -> Option<&Server> {
        self.server.as_ref()
    }

    /// Looks for the notification server and reads what it can do; says once when it is
    /// missing or back.
    pub async fn probe(&mut self) -> bool {
        match timeout(CALL_TIMEOUT, self.reach()).await {
            Ok(Ok(server)) => {
                let can: Vec<&str> = [
                    (server.actions, "actions"),
                    (server.body_markup, "body-markup"),
                    (
                        server.reads_markup() && !server.body_markup,
                        "markup it does not announce",
                    ),
                ]
                .iter()
                .filter_map(|&(has, name)| has.then_some(name))
                .collect();
                info!(
                    "notification server: {} {} (with {})",
                    server.name,
                    server.version,
                    if can.is_empty() {
                        "neither actions nor markup".to_owned()
                    } else {
                        can.join(", ")
                    }
                );
                self.server = Some(server);
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

    /// Waits until it is time to look for the server again: the backoff while it is away,
    /// or at once when the bus says its name changed owner (it came back, or another
    /// server took over). Never, while nothing changes.
    pub async fn until_retry(&self) {
        let backoff = async {
            match self.retry {
                Some((at, _)) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let owner = async {
            match &self.bus {
                Some(bus) => bus.owner_changed.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = backoff => {}
            () = owner => debug!("the notification server's name changed owner"),
        }
    }

    /// Shows `message`, or prints it when no server can be reached.
    pub async fn send(&mut self, message: &Message) -> Delivery {
        if self.retry.is_none() && self.server.is_none() {
            self.probe().await;
        }
        if self.retry.is_some() {
            print(message);
            return Delivery::Printed;
        }
        let mut replaces = message.replaces.and_then(|origin| self.take(origin));
        if let Some(old) = replaces
            && !self.server.as_ref().is_none_or(Server::replaces_in_place)
        {
            // A new notification, the one it follows closed (see [`REPLACES_BADLY`]).
            self.close_id(old).await;
            replaces = None;
        }
        let asked = std::time::Instant::now();
        match timeout(CALL_TIMEOUT, self.notify(message, replaces.unwrap_or(0))).await {
            Ok(Ok(id)) => {
                let asked = (replaces != Some(id)).then_some(asked);
                self.remember(id, id, message.clone(), asked).await;
                Delivery::Shown(id)
            }
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

    /// Shows the step first shown as `origin` again, with how to answer spelled out under
    /// the body (what a click on its body asks for, see [`DEFAULT_ACTION`]); the answer to
    /// it still comes as `origin`.
    pub async fn show_choices(&mut self, origin: u32, message: &Message) {
        if !self.server.as_ref().is_some_and(|s| s.actions) {
            // The body says how to answer already (notify-osd's "OK" on the dialog it
            // makes of a step is this click): the same again would only repeat it. The
            // server closed it; it stays answerable from the terminal.
            debug!("notification {origin}: its text says how to answer already; not shown again");
            self.take(origin);
            return;
        }
        let again = choices_again(self.server.as_ref(), message);
        // Some servers close a notification whose default action was invoked: show it anew.
        let old = self.take(origin);
        if let Some(old) = old {
            self.close_id(old).await;
        }
        let asked = std::time::Instant::now();
        match timeout(CALL_TIMEOUT, self.notify(&again, 0)).await {
            Ok(Ok(id)) => {
                let asked = (old != Some(id)).then_some(asked);
                self.remember(id, origin, message.clone(), asked).await;
            }
            Ok(Err(e)) => warn!("cannot show the choices again: {e}"),
            Err(_) => warn!("cannot show the choices again: no answer within 5 s"),
        }
    }

    /// Shows `message` in place of the notification first shown as `origin`, offering
    /// `actions` (key, label) whatever its category: a question that follows an answer, or
    /// the full text behind a discreet one. Its answer comes back as an [`Event`] for the id
    /// returned. Nothing is printed when no server is there: what it replaces was not
    /// shown either.
    pub async fn replace(
        &mut self,
        origin: u32,
        message: &Message,
        actions: &[(String, String)],
    ) -> Option<u32> {
        if self.retry.is_some() {
            return None;
        }
        let mut message = message.clone();
        message.actions = actions.to_vec();
        message.replaces = Some(origin);
        match self.send(&message).await {
            Delivery::Shown(id) => Some(id),
            Delivery::Printed => None,
        }
    }

    /// Closes the notification first shown as `origin` (once it is answered, say), if it is
    /// still open; the server's `NotificationClosed` for it is not reported.
    pub async fn close(&mut self, origin: u32) {
        if let Some(id) = self.take(origin) {
            self.close_id(id).await;
        }
    }

    /// The notifications still open, by the id each was first shown as, with their prompt.
    pub fn open(&self) -> Vec<(u32, Option<String>)> {
        let Some(bus) = &self.bus else {
            return Vec::new();
        };
        let shown = lock(&bus.shown);
        let mut open: Vec<&Open> = shown.open.values().collect();
        open.sort_by_key(|o| o.seq);
        open.iter()
            .map(|o| (o.origin, o.message.prompt.clone()))
            .collect()
    }

    /// The message first shown as `origin`, while it is open.
    pub fn message(&self, origin: u32) -> Option<Message> {
        let bus = self.bus.as_ref()?;
        let shown = lock(&bus.shown);
        shown
            .open
            .values()
            .find(|o| o.origin == origin)
            .map(|o| o.message.clone())
    }

    /// Closes every open notification (at shutdown), waiting at most half a second in
    /// all: a frozen server must not hold up a stop.
    pub async fn close_all(&mut self) {
        let origins: Vec<u32> = self.open().into_iter().map(|(o, _)| o).collect();
        let _ = timeout(Duration::from_millis(500), async {
            for origin in origins {
                self.close(origin).await;
            }
        })
        .await;
    }

    /// The bus connection, connecting (and starting the listener) the first time.
    async fn connection(&mut self) -> zbus::Result<zbus::Connection> {
        if let Some(bus) = &self.bus {
            return Ok(bus.connection.clone());
        }
        let connection = match &self.address {
            Some(address) => {
                zbus::connection::Builder::address(address.as_str())
                    .build()
                    .await?
            }
            None => zbus::Connection::session().await?,
        };
        let shown: Shown = Arc::default();
        let owner_changed = Arc::new(Notify::new());
        let listener = listen(
            connection.clone(),
            shown.clone(),
            owner_changed.clone(),
            self.events.clone(),
        )
        .await?;
        self.bus = Some(Bus {
            connection: connection.clone(),
            shown,
            owner_changed,
            listener,
        });
        Ok(connection)
    }

    /// Connects and asks the server what it is and what it can do.
    async fn reach(&mut self) -> zbus::Result<Server> {
        let connection = self.connection().await?;
        let capabilities: Vec<String> = call(&connection, "GetCapabilities", &())
            .await?
            .body()
            .deserialize()?;
        // Optional in practice: a server that fails it still shows notifications.
        let (name, _vendor, version, _spec): (String, String, String, String) =
            match call(&connection, "GetServerInformation", &()).await {
                Ok(reply) => reply.body().deserialize()?,
                Err(_) => Default::default(),
            };
        let has = |c: &str| capabilities.iter().any(|x| x == c);
        Ok(Server {
            name,
            version,
            actions: has("actions"),
            body_markup: has("body-markup"),
        })
    }

    /// One `Notify` call, adapted to the server; returns the id it gave.
    async fn notify(&mut self, message: &Message, replaces_id: u32) -> zbus::Result<u32> {
        let server = self.server.clone().unwrap_or_default();
        let connection = self.connection().await?;
        let mut body = message.body.clone();
        let (drawn, spelled_out) = server.actions(message);
        let mut actions: Vec<&str> = Vec::new();
        if server.actions {
            for (key, label) in drawn {
                actions.extend([key.as_str(), label.as_str()]);
            }
        }
        if let Some(line) = &message.without_actions
            && (spelled_out || !server.actions)
        {
            body = format!("{body}\n\n{line}");
        }
        if server.reads_markup() {
            body = crate::markup::text(&body);
        }
        let category = format!("x-closer.{}", message.category);
        let mut hints: HashMap<&str, Variant> = HashMap::from([
            ("urgency", Variant::U8(if message.urgent { 2 } else { 1 })),
            ("category", Variant::from(category.as_str())),
            ("desktop-entry", Variant::from(APP_ID)),
        ]);
        if !actions.is_empty() {
            // closer closes or replaces it once answered. Without this, GNOME Shell takes
            // it away at a click, and with it every other open notification of closer's.
            hints.insert("resident", Variant::Bool(true));
        }
        let expire: i32 = if message.stays { 0 } else { -1 };
        let reply = call(
            &connection,
            "Notify",
            &(
                APP_ID,
                replaces_id,
                APP_ID,
                message.title.as_str(),
                body.as_str(),
                actions,
                hints,
                expire,
            ),
        )
        .await?;
        reply.body().deserialize()
    }

    /// Keeps `id` as open (reported as `origin`), closing the oldest beyond `max_open`;
    /// reports what came for it since `asked`, before its id was known (see
    /// [`Tracked::insert`]).
    async fn remember(
        &mut self,
        id: u32,
        origin: u32,
        message: Message,
        asked: Option<std::time::Instant>,
    ) {
        let Some(bus) = &self.bus else { return };
        self.seq += 1;
        let excess: Vec<u32> = {
            let mut shown = lock(&bus.shown);
            let open = Open {
                origin,
                message,
                seq: self.seq,
                acted: false,
            };
            for event in shown.insert(id, open, asked) {
                debug!("notification {id}: a signal came before its id was known");
                let _ = self.events.send(event);
            }
            let mut by_age: Vec<(u64, u32)> =
                shown.open.iter().map(|(&id, o)| (o.seq, id)).collect();
            by_age.sort_unstable();
            let n = by_age.len().saturating_sub(self.max_open);
            by_age[..n].iter().map(|&(_, id)| id).collect()
        };
        for id in excess {
            let open = lock(&bus.shown).open.remove(&id);
            if let Some(open) = open {
                debug!("closing notification {id} to make room");
                let _ = self.events.send(open.event(Answer::Replaced));
                close_call(&bus.connection, id).await;
            }
        }
    }

    /// Forgets the notification first shown as `origin`; returns the id it has now.
    fn take(&mut self, origin: u32) -> Option<u32> {
        let bus = self.bus.as_ref()?;
        let mut shown = lock(&bus.shown);
        let id = shown
            .open
            .iter()
            .find(|(_, o)| o.origin == origin)
            .map(|(&id, _)| id)?;
        shown.open.remove(&id);
        Some(id)
    }

    async fn close_id(&self, id: u32) {
        if let Some(bus) = &self.bus {
            close_call(&bus.connection, id).await;
        }
    }

    fn away(&mut self, why: &str) {
        let wait = match self.retry {
            None => {
                warn!(
                    "no notification server could be reached ({why}); prompts are printed here \
                     until one appears"
                );
                self.first_retry
            }
            Some((_, wait)) => (wait * 2).min(MAX_RETRY.max(self.first_retry)),
        };
        self.retry = Some((Instant::now() + wait, wait));
        self.server = None;
    }
}

/// A method call on the notification server, under [`CALL_TIMEOUT`].
async fn call<B>(
    connection: &zbus::Connection,
    method: &str,
    body: &B,
) -> zbus::Result<zbus::Message>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    let reply = connection.call_method(Some(BUS_NAME), OBJECT_PATH, Some(BUS_NAME), method, body);
    match timeout(CALL_TIMEOUT, reply).await {
        Ok(reply) => reply,
        Err(_) => Err(zbus::Error::Failure(format!(
            "`{method}` had no answer within {} s",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

/// `CloseNotification`; an id the server no longer knows is not an error worth a word.
async fn close_call(connection: &zbus::Connection, id: u32) {
    if let Err(e) = call(connection, "CloseNotification", &(id,)).await {
        debug!("closing notification {id}: {e}");
    }
}

/// Subscribes to the server's signals and to its name's owner, then forwards them from a
/// task until the connection ends. A signal counts only when it comes from the connection
/// that owns `org.freedesktop.Notifications` (its unique name): any other program on the
/// session bus may emit one named `ActionInvoked`, and that is not the person's answer.
async fn listen(
    connection: zbus::Connection,
    shown: Shown,
    owner_changed: Arc<Notify>,
    events: mpsc::UnboundedSender<Event>,
) -> zbus::Result<JoinHandle<()>> {
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(BUS_NAME)
        .path(OBJECT_PATH)
        .build()?;
    let mut signals = zbus::MessageStream::for_match_rule(rule, &connection, None).await?;
    let dbus = zbus::fdo::DBusProxy::new(&connection).await?;
    let mut owners = dbus
        .receive_name_owner_changed_with_args(&[(0, BUS_NAME)])
        .await?;
    // The server's unique name, as last known.
    let mut server = server_name(&dbus).await;
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(Ok(message)) = signals.next() => {
                    let sender = message.header().sender().map(|s| s.to_string());
                    // The owner may have changed before its NameOwnerChanged was read here.
                    if sender.is_some() && sender != server {
                        server = server_name(&dbus).await;
                    }
                    if sender.is_none() || sender != server {
                        debug!(
                            "ignored a signal from {}, which is not the notification server",
                            sender.as_deref().unwrap_or("no sender")
                        );
                        continue;
                    }
                    if let Some(event) = answer_in(&message, &shown) {
                        let _ = events.send(event);
                    }
                }
                Some(change) = owners.next() => {
                    if let Ok(args) = change.args() {
                        server = args.new_owner().as_ref().map(|o| o.to_string());
                    }
                    let gone = change.args().is_ok_and(|a| a.new_owner().is_none());
                    if gone {
                        let closed: Vec<Open> =
                            lock(&shown).open.drain().map(|(_, o)| o).collect();
                        for open in closed {
                            let gone = "the notification server went away".into();
                            let _ = events.send(open.event(Answer::Closed(gone)));
                        }
                    }
                    owner_changed.notify_one();
                }
                else => break,
            }
        }
    }))
}

/// The unique name of the connection that owns `org.freedesktop.Notifications` now.
async fn server_name(dbus: &zbus::fdo::DBusProxy<'_>) -> Option<String> {
    let name = zbus::names::BusName::try_from(BUS_NAME).ok()?;
    match timeout(CALL_TIMEOUT, dbus.get_name_owner(name)).await {
        Ok(Ok(owner)) => Some(owner.to_string()),
        _ => None,
    }
}

/// The event an `ActionInvoked` or `NotificationClosed` signal means for a notification
/// this `Notifier` has open (see [`Tracked::signal`]); None for any other signal.
fn answer_in(message: &zbus::Message, shown: &Shown) -> Option<Event> {
    let header = message.header();
    let member = header.member()?.as_str();
    let (id, answer) = match member {
        "ActionInvoked" => {
            let (id, key): (u32, String) = message.body().deserialize().ok()?;
            (id, Answer::Action(key))
        }
        "NotificationClosed" => {
            let (id, reason): (u32, u32) = message.body().deserialize().ok()?;
            (id, Answer::Closed(close_reason(reason).to_owned()))
        }
        _ => return None,
    };
    lock(shown).signal(id, answer, std::time::Instant::now())
}

/// The spec's reasons for `NotificationClosed`.
fn close_reason(reason: u32) -> &'static str {
    match reason {
        1 => "expired",
        2 => "dismissed",
        3 => "closed by a call",
        _ => "undefined",
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The fallback: the prompt on stderr, where journald or the terminal shows it. A closed
/// stderr is no reason to stop (nor to panic, as `eprintln!` would): the prompt is recorded.
fn print(message: &Message) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "closer: {}: {}", message.title, message.body);
    if let Some(line) = &message.without_actions {
        let _ = writeln!(stderr, "closer: {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(origin: u32) -> Open {
        Open {
            origin,
            message: Message::note("t", "b"),
            seq: 0,
            acted: false,
        }
    }

    fn clicked(key: &str) -> Answer {
        Answer::Action(key.to_owned())
    }

    #[test]
    fn a_click_that_comes_before_the_id_is_recorded_is_not_lost() {
        let asked = std::time::Instant::now();
        let mut tracked = Tracked::default();
        // The listener sees the click before `Notify`'s caller records the id it got.
        assert!(tracked.signal(7, clicked("done"), asked).is_none());
        let events = tracked.insert(7, open(7), Some(asked));
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].id, &events[0].answer), (7, &clicked("done")));
        // Reported once: it is known now, and no longer kept as early.
        assert!(tracked.early.is_empty());
        assert!(
            tracked
                .signal(7, Answer::Closed("dismissed".into()), asked)
                .is_none()
        );
    }

    #[test]
    fn a_signal_from_before_the_call_or_for_the_replaced_id_is_not_applied() {
        let before = std::time::Instant::now();
        let asked = before + Duration::from_millis(5);
        let mut tracked = Tracked::default();
        // Another notification had id 3 and was closed before closer asked.
        tracked.signal(3, Answer::Closed("expired".into()), before);
        assert!(tracked.insert(3, open(3), Some(asked)).is_empty());
        assert!(tracked.open.contains_key(&3));
        // Replaced in place: what came for the id may be the old notification's.
        tracked.open.clear();
        tracked.signal(4, clicked("done"), asked);
        assert!(tracked.insert(4, open(4), None).is_empty());
        assert!(tracked.early.is_empty());
    }

    #[test]
    fn an_answered_notification_the_server_closed_is_kept_until_closer_replaces_it() {
        let now = std::time::Instant::now();
        let mut tracked = Tracked::default();
        tracked.insert(5, open(5), Some(now));
        assert!(tracked.signal(5, clicked("hard"), now).is_some());
        // xfce4-notifyd closes it on the click, before the question goes in its place.
        assert!(
            tracked
                .signal(5, Answer::Closed("dismissed".into()), now)
                .is_none()
        );
        assert!(tracked.open.contains_key(&5));
        // Unanswered, a close is reported, and forgets it.
        tracked.insert(6, open(6), Some(now));
        let closed = tracked.signal(6, Answer::Closed("expired".into()), now);
        assert_eq!(closed.map(|e| e.id), Some(6));
        assert!(!tracked.open.contains_key(&6));
    }

    #[test]
    fn a_click_on_the_body_is_not_undone_by_the_close_that_follows_it() {
        let now = std::time::Instant::now();
        let mut tracked = Tracked::default();
        let mut step = open(8);
        step.message = Message::note("A step", "Tell someone one thing.");
        tracked.insert(8, step, Some(now));
        // dunst's middle-click: the default action, then closed as dismissed, both before
        // the daemon turns to the click.
        let clicked = tracked.signal(8, clicked(DEFAULT_ACTION), now).unwrap();
        assert!(
            tracked
                .signal(8, Answer::Closed("dismissed".into()), now)
                .is_none()
        );
        // The click says what was shown, and the notification is closer's to show again.
        assert_eq!(clicked.message.body, "Tell someone one thing.");
        assert!(tracked.open.contains_key(&8));
    }

    #[test]
    fn signals_for_other_ids_are_kept_briefly_and_few() {
        let start = std::time::Instant::now();
        let mut tracked = Tracked::default();
        for id in 0..(EARLY_MAX as u32 + 10) {
            tracked.signal(1000 + id, clicked("other app"), start);
        }
        assert_eq!(tracked.early.len(), EARLY_MAX);
        tracked.signal(1, clicked("x"), start + EARLY_KEPT);
        assert_eq!(tracked.early.len(), 1);
    }

    #[test]
    fn what_follows_a_notification_replaces_it_except_where_the_server_mishandles_that() {
        let server = |name: &str| Server {
            name: name.to_owned(),
            ..Server::default()
        };
        for name in [
            "lxqt-notificationd",
            "SwayNotificationCenter",
            "gnome-shell",
        ] {
            assert!(!server(name).replaces_in_place(), "{name}");
        }
        for name in [
            "dunst",
            "Xfce Notify Daemon",
            "Notification Daemon",
            "mako",
            "notify-osd",
            "",
        ] {
            assert!(server(name).replaces_in_place(), "{name}");
        }
        // And markup: dunst reads it without saying so.
        assert!(server("dunst").reads_markup());
        assert!(!server("mako").reads_markup());
    }

    #[test]
    fn where_three_buttons_are_drawn_too_much_is_among_them_and_the_body_says_the_rest() {
        let question = Message {
            actions: ["how-no", "how-partly", "how-yes", "how-too-much"]
                .map(|k| (k.to_owned(), k.to_owned()))
                .to_vec(),
            without_actions: Some("To answer: ...".to_owned()),
            ..Message::note("How did it go?", "Did it happen?")
        };
        let step = Message::for_prompt(
            Library::load(None)
                .0
                .iter()
                .find(|p| p.category == Category::Step && !p.occasion)
                .unwrap(),
            Discreet::Title,
        );
        let sent = |name: &str, message: &Message| {
            let server = Server {
                name: name.to_owned(),
                ..Server::default()
            };
            let (actions, spelled_out) = server.actions(message);
            let keys: Vec<&str> = actions.iter().map(|(k, _)| k.as_str()).collect();
            (keys.join(" "), spelled_out)
        };
        assert_eq!(
            sent("gnome-shell", &question),
            ("how-no how-yes how-too-much how-partly".to_owned(), true)
        );
        // Elsewhere, and for a step, nothing moves.
        assert_eq!(
            sent("dunst", &question),
            ("how-no how-partly how-yes how-too-much".to_owned(), false)
        );
        assert_eq!(
            sent("gnome-shell", &step),
            ("done hard skip snooze default".to_owned(), false)
        );
    }

    #[test]
    fn choices_shown_again_say_how_to_answer_and_on_gnome_come_as_a_banner() {
        let library = Library::load(None).0;
        let prompt = library
            .iter()
            .find(|p| p.category == Category::Step)
            .unwrap();
        let step = Message::for_prompt(prompt, Discreet::Title);
        let server = |name: &str| Server {
            name: name.to_owned(),
            actions: true,
            ..Server::default()
        };
        for (name, urgent) in [("gnome-shell", true), ("dunst", false), ("Plasma", false)] {
            let again = choices_again(Some(&server(name)), &step);
            assert!(again.spelled_out, "{name}");
            assert_eq!(again.without_actions.as_deref(), Some(TERMINAL_ANSWERS));
            assert_eq!(again.urgent, urgent, "{name}");
            assert_eq!(again.actions, step.actions);
        }
        assert!(!choices_again(None, &step).urgent);
    }

    #[test]
    fn the_three_answers_that_matter_come_first() {
        let keys: Vec<&str> = STEP_ACTIONS.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["done", "hard", "skip", "snooze"]);
        assert_eq!(step_label("hard"), Some("It was hard"));
        assert_eq!(step_label(DEFAULT_ACTION), None);
    }

    #[test]
    fn a_step_that_needs_an_occasion_offers_no_chance_yet_in_place_of_later() {
        let library = Library::load(None).0;
        let keys = |p: &Prompt| -> Vec<String> {
            Message::for_prompt(p, Discreet::Title)
                .actions
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        };
        let occasion = library
            .iter()
            .find(|p| p.occasion)
            .expect("an occasion step");
        assert_eq!(
            keys(occasion),
            ["done", "hard", "skip", "no-chance", DEFAULT_ACTION]
        );
        let any_day = library
            .iter()
            .find(|p| p.category == Category::Step && !p.occasion)
            .unwrap();
        assert_eq!(
            keys(any_day),
            ["done", "hard", "skip", "snooze", DEFAULT_ACTION]
        );
        assert_eq!(step_label("no-chance"), Some("No chance yet"));
    }
}
