//! Content packs: the prompts closer can send, read from TOML.
//!
//! The shipped packs in `content/` are embedded in the binary; a user's packs in
//! `content/` under their config directory add prompts or replace shipped ones with the
//! same `id` (the root crate's `packs` reads them; `Library::load` takes their text). A
//! broken pack is reported with file, line and column and skipped; a broken prompt is
//! skipped alone. This module only reads and checks text: it never chooses.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Source};
use crate::fields::{self, Fields};

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// The accepted words, for messages.
            pub fn expected() -> String {
                let words: Vec<String> = Self::ALL.iter().map(|v| format!("\"{}\"", v.as_str())).collect();
                words.join(", ")
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(format!("`{s}` is not one of {}", Self::expected())),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// What kind of message a prompt is; every prompt has exactly one.
    Category {
        Step = "step",
        Compassion = "compassion",
        Setback = "setback",
        Critic = "critic",
        Reflect = "reflect",
        Learn = "learn",
        Support = "support",
    }
);

/// The longest ladder id, in bytes.
pub const MAX_LADDER_ID: usize = 32;

/// A ladder of steps, by its id: one of the shipped ladders (one for each face of
/// intimacy, one for meeting people, `social`, and one for taking in kindness and naming
/// the fear, `receiving`) or a person's own, defined by a `[[ladder]]` table in their
/// content dir. The journal stores the id, so history outlives any ladder.
///
/// The id is kept inline (at most [`MAX_LADDER_ID`] bytes, zero-padded) so a ladder stays
/// `Copy` like the words it replaced; the shipped ids are constants named as the enum's
/// variants were, and sort first, in their shipped order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ladder {
    id: [u8; MAX_LADDER_ID],
}

#[allow(non_upper_case_globals)]
impl Ladder {
    pub const Intellectual: Ladder = Ladder::word("intellectual");
    pub const Emotional: Ladder = Ladder::word("emotional");
    pub const Experiential: Ladder = Ladder::word("experiential");
    pub const Physical: Ladder = Ladder::word("physical");
    pub const Sexual: Ladder = Ladder::word("sexual");
    pub const Spiritual: Ladder = Ladder::word("spiritual");
    pub const Social: Ladder = Ladder::word("social");
    pub const Receiving: Ladder = Ladder::word("receiving");

    /// The shipped ladders.
    pub const ALL: &'static [Ladder] = &[
        Ladder::Intellectual,
        Ladder::Emotional,
        Ladder::Experiential,
        Ladder::Physical,
        Ladder::Sexual,
        Ladder::Spiritual,
        Ladder::Social,
        Ladder::Receiving,
    ];

    const fn word(word: &str) -> Ladder {
        let bytes = word.as_bytes();
        let mut id = [0; MAX_LADDER_ID];
        let mut i = 0;
        while i < bytes.len() {
            id[i] = bytes[i];
            i += 1;
        }
        Ladder { id }
    }

    pub fn as_str(&self) -> &str {
        let len = self
            .id
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(MAX_LADDER_ID);
        // Only ASCII ids are ever built (`from_str` checks).
        std::str::from_utf8(&self.id[..len]).unwrap_or_default()
    }

    /// Whether closer ships this ladder (not a person's own).
    pub fn is_shipped(self) -> bool {
        Ladder::ALL.contains(&self)
    }

    /// The shipped ladders' ids, for messages.
    pub fn expected() -> String {
        let words: Vec<String> = Self::ALL
            .iter()
            .map(|v| format!("\"{}\"", v.as_str()))
            .collect();
        words.join(", ")
    }
}

impl FromStr for Ladder {
    type Err = String;

    /// Any well-formed id: whether a ladder of that id exists is the library's to say.
    fn from_str(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= MAX_LADDER_ID
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok {
            let mut id = [0; MAX_LADDER_ID];
            id[..s.len()].copy_from_slice(s.as_bytes());
            Ok(Ladder { id })
        } else {
            Err(format!(
                "`{s}` is not a ladder id; expected one of {} or your own ladder's id (lowercase letters, digits and hyphens, at most {MAX_LADDER_ID})",
                Self::expected()
            ))
        }
    }
}

impl Ord for Ladder {
    /// The shipped ladders first, in their order; then the person's own, by id.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |l: &Ladder| {
            Ladder::ALL
                .iter()
                .position(|s| s == l)
                .unwrap_or(usize::MAX)
        };
        rank(self)
            .cmp(&rank(other))
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for Ladder {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Ladder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Ladder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ladder({:?})", self.as_str())
    }
}

impl Serialize for Ladder {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Ladder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

word_enum!(
    /// Who a step needs: `nobody` (done alone), `anyone` (a stranger, a colleague, someone
    /// online: nobody close yet), or `close` (a friend, relative or partner already near).
    /// `[content] people = "few"` makes closer prefer steps that need nobody close.
    Needs {
        Nobody = "nobody",
        Anyone = "anyone",
        Close = "close",
    }
);

word_enum!(
    /// What happened that a message answers: it is sent only after that event.
    Event {
        Skip = "skip",
        Hard = "hard",
        TooMuch = "too-much",
        FearedHappened = "feared-happened",
        FearedPartly = "feared-partly",
        FearedDidNotHappen = "feared-did-not-happen",
        RungDown = "rung-down",
        Return = "return",
        Done = "done",
    }
);

word_enum!(
    /// The part of the day a message belongs to (local time): morning before 12:00,
    /// midday from 12:00, evening from 17:00.
    TimeOfDay {
        Morning = "morning",
        Midday = "midday",
        Evening = "evening",
    }
);

word_enum!(
    /// The fear under the avoidance that a prompt touches.
    Fear {
        Abandonment = "abandonment",
        Engulfment = "engulfment",
        Rejection = "rejection",
    }
);

impl Category {
    /// The neutral title shown in discreet mode when a prompt has none of its own.
    pub fn discreet_title(self) -> &'static str {
        match self {
            Category::Step => "A small step for today",
            Category::Compassion => "A moment for you",
            Category::Setback => "A gentle note",
            Category::Critic => "A quick check-in",
            Category::Reflect => "A question for later",
            Category::Learn => "Something to know",
            Category::Support => "A note for today",
        }
    }
}

impl Ladder {
    /// A person's own ladder (present or removed): any id but a shipped one's.
    pub fn personal(self) -> bool {
        !Ladder::ALL.contains(&self)
    }

    /// Ladders that stay off unless the user turns them on.
    pub fn off_by_default(self) -> bool {
        matches!(self, Ladder::Physical | Ladder::Sexual)
    }
}

/// The shipped ladders' names and what each is about.
const SHIPPED_LADDERS: &[(Ladder, &str, &str)] = &[
    (
        Ladder::Intellectual,
        "Intellectual",
        "sharing ideas and opinions",
    ),
    (Ladder::Emotional, "Emotional", "sharing feelings"),
    (
        Ladder::Experiential,
        "Experiential",
        "doing things together",
    ),
    (
        Ladder::Physical,
        "Physical",
        "non-sexual touch and closeness",
    ),
    (
        Ladder::Sexual,
        "Sexual",
        "talking about boundaries and preferences",
    ),
    (Ladder::Spiritual, "Spiritual", "sharing values and meaning"),
    (Ladder::Social, "Social", "meeting people"),
    (
        Ladder::Receiving,
        "Receiving",
        "taking in kindness and naming the fear",
    ),
];

/// The most steps a person's own ladder may have: a fear ladder is a handful of rungs.
pub const MAX_PERSONAL_STEPS: usize = 20;
/// The highest rung a step may name: a person's own ladder may use them all.
pub const MAX_RUNG: u8 = 20;
/// The longest ladder name, in characters.
pub const MAX_LADDER_NAME: usize = 40;

/// A ladder as the library knows it: shipped, or a person's own `[[ladder]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LadderInfo {
    pub id: Ladder,
    pub name: String,
    pub description: Option<String>,
    /// A person's own ladder (not shipped).
    pub personal: bool,
    /// The pack it came from.
    #[serde(skip)]
    pub origin: PathBuf,
    /// Where in that pack its `[[ladder]]` table starts (line, column).
    #[serde(skip)]
    pub position: (usize, usize),
}

pub const LADDER_KEYS: &[&str] = &["id", "name", "description"];

/// The longest body a prompt may have, in characters.
pub const MAX_BODY: usize = 200;
/// The longest title, in characters.
pub const MAX_TITLE: usize = 60;
/// The longest `why` line, in characters.
pub const MAX_WHY: usize = 160;
/// The longest feared outcome, in characters: the follow-up that asks about it fits two
/// lines of a small notification.
pub const MAX_FEARED: usize = 80;

/// One message closer can send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prompt {
    pub id: String,
    pub category: Category,
    pub title: String,
    pub discreet_title: Option<String>,
    pub body: String,
    pub ladder: Option<Ladder>,
    pub rung: Option<u8>,
    pub distress: Option<f32>,
    pub fear: Vec<Fear>,
    /// A safety behaviour this step lets go of.
    pub fade: Option<String>,
    /// Why this step: one line, shown by `closer why` and `closer status`, never in a
    /// notification.
    pub why: Option<String>,
    /// Who the step needs; None reads as `close`.
    pub needs: Option<Needs>,
    /// What people often fear will happen when they take this step, as a clause that
    /// reads after "You feared that " ("they would find it odd"): the follow-up asks
    /// whether it happened, in these words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feared: Option<String>,
    /// How likely the feared outcome felt beforehand, 0 to 100 (a person's own step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likely: Option<u8>,
    /// The step needs an occasion that may not come today (a disagreement, a meeting, a
    /// visit): "No chance yet" is offered, and it stays answerable for a week.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub occasion: bool,
    /// The events this message answers; empty for a message that fits any moment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<Event>,
    /// The part of the day it belongs to, if it names one ("this evening").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeOfDay>,
    /// Can touch old pain (childhood, past hurt, the body): sent only when the user opts in.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// The ordered series this prompt is a part of, and which part (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<Part>,
    /// The pack it came from.
    #[serde(skip)]
    pub origin: PathBuf,
    /// Where in that pack it starts (line, column).
    #[serde(skip)]
    pub position: (usize, usize),
}

/// A prompt's place in an ordered series, such as a thought record in three parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    pub series: String,
    pub part: u8,
}

impl Prompt {
    /// Who this step needs; a step that does not say needs someone close.
    pub fn needs(&self) -> Needs {
        self.needs.unwrap_or(Needs::Close)
    }

    /// The rung this prompt is a variant of: steps with the same ladder and rung are
    /// wordings of one rung, and progression treats them as one.
    pub fn group(&self) -> Option<(Ladder, u8)> {
        self.ladder.zip(self.rung)
    }

    /// The title to show: the discreet one when `discreet` is on.
    pub fn shown_title(&self, discreet: bool) -> &str {
        if discreet {
            self.discreet_title
                .as_deref()
                .unwrap_or(self.category.discreet_title())
        } else {
            &self.title
        }
    }
}

/// The shipped packs, embedded at build time.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "ladder-intellectual.toml",
        include_str!("../../../content/ladder-intellectual.toml"),
    ),
    (
        "ladder-emotional.toml",
        include_str!("../../../content/ladder-emotional.toml"),
    ),
    (
        "ladder-experiential.toml",
        include_str!("../../../content/ladder-experiential.toml"),
    ),
    (
        "ladder-spiritual.toml",
        include_str!("../../../content/ladder-spiritual.toml"),
    ),
    (
        "ladder-social.toml",
        include_str!("../../../content/ladder-social.toml"),
    ),
    (
        "ladder-receiving.toml",
        include_str!("../../../content/ladder-receiving.toml"),
    ),
    (
        "ladder-physical.toml",
        include_str!("../../../content/ladder-physical.toml"),
    ),
    (
        "ladder-sexual.toml",
        include_str!("../../../content/ladder-sexual.toml"),
    ),
    (
        "compassion.toml",
        include_str!("../../../content/compassion.toml"),
    ),
    (
        "setback.toml",
        include_str!("../../../content/setback.toml"),
    ),
    ("critic.toml", include_str!("../../../content/critic.toml")),
    (
        "reflect.toml",
        include_str!("../../../content/reflect.toml"),
    ),
    ("learn.toml", include_str!("../../../content/learn.toml")),
    (
        "support.toml",
        include_str!("../../../content/support.toml"),
    ),
];

/// Every prompt available, by id.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// Sorted by id, without repeats: the daemon holds it all day, and a vector holds it
    /// in about two-thirds of the memory a map of the same prompts takes.
    prompts: Vec<Prompt>,
    ladders: BTreeMap<Ladder, LadderInfo>,
    /// Personal ladders left out for a problem (reported), so nothing else reports them
    /// again as unknown.
    broken: std::collections::BTreeSet<Ladder>,
}

impl Library {
    /// The shipped packs and then the user's packs (`user_packs`, as read from the
    /// content dir by the root crate's `packs::load`: `None` for none), with every
    /// problem found.
    pub fn load(user_packs: impl IntoIterator<Item = Source>) -> (Library, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut library = Library::default();
        for (id, name, description) in SHIPPED_LADDERS {
            library.ladders.insert(
                *id,
                LadderInfo {
                    id: *id,
                    name: (*name).to_owned(),
                    description: Some((*description).to_owned()),
                    personal: false,
                    origin: PathBuf::from("content"),
                    position: (1, 1),
                },
            );
        }
        for (name, text) in SHIPPED {
            let src = Source::new(Path::new("content").join(name), *text);
            library.add_pack(&src, false, &mut diags);
        }
        for src in user_packs {
            library.add_pack(&src, true, &mut diags);
        }
        library.check_series(&mut diags);
        library.check_ladders(&mut diags);
        library.prompts.shrink_to_fit();
        (library, diags)
    }

    /// What loading `src` as a user pack beside the shipped content reports about it:
    /// its tables, its series and its own ladders (each step once, at most
    /// [`MAX_PERSONAL_STEPS`]). `closer ladder` checks a file with this before writing it,
    /// so it never writes one the loader would leave out.
    pub fn check_user_pack(src: &Source) -> Vec<Diagnostic> {
        let (mut library, shipped) = Library::load(None);
        let mut diags = Vec::new();
        library.add_pack(src, true, &mut diags);
        library.check_series(&mut diags);
        library.check_ladders(&mut diags);
        debug_assert!(shipped.is_empty(), "{shipped:?}");
        diags
    }

    /// Every step's ladder must exist, and a person's own ladder must hold together: at
    /// most [`MAX_PERSONAL_STEPS`] steps, no step twice. A broken personal ladder is
    /// reported and left out whole, with its steps; the rest runs.
    fn check_ladders(&mut self, diags: &mut Vec<Diagnostic>) {
        let mut broken = Vec::new();
        for info in self.ladders.values().filter(|l| l.personal) {
            let mut steps: Vec<&Prompt> = self
                .prompts
                .iter()
                .filter(|p| p.ladder == Some(info.id))
                .collect();
            steps.sort_by_key(|p| (p.rung, p.position));
            let at = |p: &Prompt, key: &str, message: String| Diagnostic {
                path: p.origin.clone(),
                line: p.position.0,
                column: p.position.1,
                key: key.into(),
                message,
            };
            let before = diags.len();
            if steps.len() > MAX_PERSONAL_STEPS {
                diags.push(at(
                    steps[MAX_PERSONAL_STEPS],
                    "prompt.ladder",
                    format!(
                        "the `{}` ladder has {} steps; a ladder holds at most {MAX_PERSONAL_STEPS}: split it in two, or keep the steps that matter most",
                        info.id,
                        steps.len()
                    ),
                ));
            }
            for (i, p) in steps.iter().enumerate() {
                let same = |q: &&&Prompt| normalized(&q.body) == normalized(&p.body);
                if let Some(first) = steps[..i].iter().find(same) {
                    diags.push(at(
                        p,
                        "prompt.body",
                        format!(
                            "this step is already on the `{}` ladder at {}:{}; each step once",
                            info.id,
                            first.origin.display(),
                            first.position.0
                        ),
                    ));
                }
            }
            if diags.len() > before {
                diags.push(Diagnostic {
                    path: info.origin.clone(),
                    line: info.position.0,
                    column: info.position.1,
                    key: "ladder.id".into(),
                    message: format!(
                        "the `{}` ladder was left out for the problems above; fix them and it comes back",
                        info.id
                    ),
                });
                broken.push(info.id);
            }
        }
        for p in &self.prompts {
            if let Some(l) = p.ladder
                && !self.ladders.contains_key(&l)
                && !self.broken.contains(&l)
            {
                diags.push(Diagnostic {
                    path: p.origin.clone(),
                    line: p.position.0,
                    column: p.position.1,
                    key: "prompt.ladder".into(),
                    message: format!(
                        "no ladder `{l}`; expected one of {} or a `[[ladder]]` with that id",
                        Ladder::expected()
                    ),
                });
            }
        }
        for id in broken {
            self.ladders.remove(&id);
            self.broken.insert(id);
        }
        let ladders = &self.ladders;
        self.prompts
            .retain(|p| p.ladder.is_none_or(|l| ladders.contains_key(&l)));
    }

    /// A ladder by id: shipped, or the person's own.
    pub fn ladder(&self, id: Ladder) -> Option<&LadderInfo> {
        self.ladders.get(&id)
    }

    /// Every ladder, shipped ones first.
    pub fn ladders(&self) -> impl Iterator<Item = &LadderInfo> {
        self.ladders.values()
    }

    /// Whether `id` is a personal ladder left out for a problem `check` reports.
    pub fn is_broken(&self, id: Ladder) -> bool {
        self.broken.contains(&id)
    }

    /// How a ladder is shown in messages: a person's own by its name; a shipped one,
    /// and one the library does not know (a removed ladder's history), by its id.
    pub fn ladder_name(&self, id: Ladder) -> String {
        self.ladders
            .get(&id)
            .filter(|l| l.personal)
            .map_or_else(|| id.to_string(), |l| l.name.clone())
    }

    /// How a step is named on screen: its title; but a step of a person's own ladder by
    /// its own words, its body: its title is the ladder's name (as `closer ladder add`
    /// writes them), and the step, not the ladder again, is what is meant.
    pub fn step_name<'p>(&self, p: &'p Prompt) -> &'p str {
        if p.ladder.is_some_and(Ladder::personal) {
            &p.body
        } else {
            &p.title
        }
    }

    /// Every series must run 1, 2, 3… in one category; a series that does not is
    /// reported at its first prompt and left out whole, since its parts would go out of
    /// order.
    fn check_series(&mut self, diags: &mut Vec<Diagnostic>) {
        let mut series: BTreeMap<&str, Vec<&Prompt>> = BTreeMap::new();
        for p in &self.prompts {
            if let Some(part) = &p.series {
                series.entry(&part.series).or_default().push(p);
            }
        }
        let mut broken = Vec::new();
        for (name, mut parts) in series {
            parts.sort_by_key(|p| p.series.as_ref().map(|s| s.part));
            let numbers: Vec<u8> = parts
                .iter()
                .filter_map(|p| p.series.as_ref())
                .map(|s| s.part)
                .collect();
            let in_order = numbers.iter().zip(1..).all(|(n, want)| *n == want);
            let one_category = parts.iter().all(|p| p.category == parts[0].category);
            if in_order && one_category && parts.len() > 1 {
                continue;
            }
            let first = parts[0];
            let found: Vec<String> = numbers.iter().map(u8::to_string).collect();
            diags.push(Diagnostic {
                path: first.origin.clone(),
                line: first.position.0,
                column: first.position.1,
                key: "prompt.series".into(),
                message: if one_category {
                    format!(
                        "the series `{name}` has parts {}; a series has two or more parts numbered 1, 2, 3… without gaps or repeats",
                        found.join(", ")
                    )
                } else {
                    format!("the parts of the series `{name}` are of different categories; a series is one category")
                },
            });
            broken.extend(parts.iter().map(|p| p.id.clone()));
        }
        self.prompts.retain(|p| !broken.contains(&p.id));
    }

    /// Adds the prompts of one pack; with `overrides`, a prompt replaces a loaded one
    /// with the same id, otherwise a repeated id is an error.
    pub fn add_pack(&mut self, src: &Source, overrides: bool, diags: &mut Vec<Diagnostic>) {
        let before = diags.len();
        let (prompts, ladders) = parse_pack_and_ladders(src, diags);
        if diags[before..].iter().any(|d| d.key.is_empty()) {
            // A pack that is not valid TOML is skipped whole: what parsed may be half of it.
            diags.push(Diagnostic::file(
                &src.path,
                "this pack was skipped; fix it and it will be read again",
            ));
            return;
        }
        let mut pack: BTreeMap<String, Prompt> = BTreeMap::new();
        for prompt in prompts {
            let earlier = self.get(&prompt.id).or_else(|| pack.get(&prompt.id));
            if !overrides && let Some(first) = earlier {
                diags.push(Diagnostic {
                    path: prompt.origin.clone(),
                    line: prompt.position.0,
                    column: prompt.position.1,
                    key: "prompt.id".into(),
                    message: format!(
                        "`{}` is already used at {}:{}; ids must be unique",
                        prompt.id,
                        first.origin.display(),
                        first.position.0
                    ),
                });
                continue;
            }
            pack.insert(prompt.id.clone(), prompt);
        }
        self.merge(pack);
        for ladder in ladders {
            let clash = match self.ladders.get(&ladder.id) {
                Some(first) if !first.personal => Some(format!(
                    "`{}` is a shipped ladder; give yours another id, such as \"my-{}\"",
                    ladder.id, ladder.id
                )),
                Some(first) => Some(format!(
                    "the ladder `{}` is already defined at {}:{}; ladder ids must be unique",
                    ladder.id,
                    first.origin.display(),
                    first.position.0
                )),
                None => None,
            };
            match clash {
                Some(message) => diags.push(Diagnostic {
                    path: ladder.origin.clone(),
                    line: ladder.position.0,
                    column: ladder.position.1,
                    key: "ladder.id".into(),
                    message,
                }),
                None => {
                    self.ladders.insert(ladder.id, ladder);
                }
            }
        }
    }

    /// Puts a pack's prompts in their places by id; one with the id of a loaded prompt
    /// takes its place.
    fn merge(&mut self, pack: BTreeMap<String, Prompt>) {
        let mut loaded = std::mem::take(&mut self.prompts).into_iter().peekable();
        let mut merged = Vec::with_capacity(loaded.len() + pack.len());
        for (id, prompt) in pack {
            while let Some(before) = loaded.next_if(|p| p.id < id) {
                merged.push(before);
            }
            loaded.next_if(|p| p.id == id);
            merged.push(prompt);
        }
        merged.extend(loaded);
        self.prompts = merged;
    }

    pub fn get(&self, id: &str) -> Option<&Prompt> {
        self.prompts
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.prompts[i])
    }

    /// All prompts, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Prompt> {
        self.prompts.iter()
    }

    pub fn len(&self) -> usize {
        self.prompts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prompts.is_empty()
    }
}

/// The highest rung of `ladder` in the content.
pub fn top(library: &Library, ladder: Ladder) -> u8 {
    library
        .iter()
        .filter(|p| p.ladder == Some(ladder))
        .filter_map(|p| p.rung)
        .max()
        .unwrap_or(1)
}

/// The folder under the user's content dir where `closer ladder rm` keeps a removed
/// ladder's file, so that its steps' words can still be shown with their history. Packs
/// there are never sent (only the content dir itself is read for prompts).
pub const REMOVED_DIR: &str = "removed";

/// The prompts of `packs` (removed ladders' files, in name order), by id, the newest
/// file winning; what cannot be read is passed over: these only lend words to history.
pub fn removed_prompts(packs: impl IntoIterator<Item = Source>) -> BTreeMap<String, Prompt> {
    let mut ignored = Vec::new();
    let mut prompts = BTreeMap::new();
    for src in packs {
        for p in parse_pack(&src, &mut ignored) {
            prompts.insert(p.id.clone(), p);
        }
    }
    prompts
}

pub const PROMPT_KEYS: &[&str] = &[
    "id",
    "category",
    "title",
    "discreet_title",
    "body",
    "ladder",
    "rung",
    "distress",
    "fear",
    "fade",
    "why",
    "needs",
    "feared",
    "likely",
    "occasion",
    "after",
    "time",
    "sensitive",
    "series",
    "part",
];

/// Reads the `[[prompt]]` tables of one pack.
pub fn parse_pack(src: &Source, diags: &mut Vec<Diagnostic>) -> Vec<Prompt> {
    parse_pack_and_ladders(src, diags).0
}

/// Reads the `[[prompt]]` and `[[ladder]]` tables of one pack; a table with any problem
/// is left out on its own.
pub fn parse_pack_and_ladders(
    src: &Source,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Prompt>, Vec<LadderInfo>) {
    let doc = fields::parse(src, diags);
    let top = Fields::new(
        src,
        doc.get_ref(),
        doc.span(),
        "",
        &["ladder", "prompt"],
        diags,
    );
    let prompts = top
        .tables("prompt", diags)
        .into_iter()
        .filter_map(|(table, span)| {
            let f = Fields::new(src, table, span.clone(), "prompt", PROMPT_KEYS, diags);
            let before = diags.len();
            let prompt = read_prompt(src, &f, span.start, diags);
            // A prompt with any problem is left out on its own.
            prompt.filter(|_| diags.len() == before)
        })
        .collect();
    let ladders = top
        .tables("ladder", diags)
        .into_iter()
        .filter_map(|(table, span)| {
            let f = Fields::new(src, table, span.clone(), "ladder", LADDER_KEYS, diags);
            let before = diags.len();
            let ladder = read_ladder(src, &f, span.start, diags);
            ladder.filter(|_| diags.len() == before)
        })
        .collect();
    (prompts, ladders)
}

fn read_ladder(
    src: &Source,
    f: &Fields,
    start: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<LadderInfo> {
    let id = f.parse_with("id", "a string", diags, |s: &String| s.parse::<Ladder>());
    let name = f.parse_with("name", "a string", diags, |s: &String| {
        check_text(s, MAX_LADDER_NAME, "name")
    });
    let description = f.parse_with("description", "a string", diags, |s: &String| {
        check_text(s, MAX_WHY, "description")
    });
    if f.raw("id").is_none() {
        f.missing("id", "the ladder's id, such as \"my-sister\"", diags);
    }
    if f.raw("name").is_none() {
        f.missing(
            "name",
            "the ladder's name, such as \"Telling my sister\"",
            diags,
        );
    }
    Some(LadderInfo {
        id: id?,
        name: name?,
        description,
        personal: true,
        origin: src.path.clone(),
        position: src.locate(start),
    })
}

/// A step's words as compared for repeats: case and spacing aside.
pub fn normalized(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn read_prompt(
    src: &Source,
    f: &Fields,
    start: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Prompt> {
    let id = f.parse_with("id", "a string", diags, |s: &String| check_id(s));
    let category = f.parse_with("category", "a string", diags, |s: &String| {
        s.parse::<Category>()
    });
    let title = f.parse_with("title", "a string", diags, |s: &String| {
        check_text(s, MAX_TITLE, "title")
    });
    let discreet_title = f.parse_with("discreet_title", "a string", diags, |s: &String| {
        check_text(s, MAX_TITLE, "discreet title")
    });
    let body = f.parse_with("body", "a string", diags, |s: &String| {
        check_text(s, MAX_BODY, "body")
    });
    let ladder = f.parse_with("ladder", "a string", diags, |s: &String| {
        s.parse::<Ladder>()
    });
    let rung = f.parse_with("rung", "a whole number from 1 to 20", diags, |n: &i64| {
        u8::try_from(*n)
            .ok()
            .filter(|r| (1..=MAX_RUNG).contains(r))
            .ok_or_else(|| {
                format!("{n} is not a rung; expected a whole number from 1 to {MAX_RUNG}")
            })
    });
    let distress = f.parse_with("distress", "a number from 0 to 10", diags, |n: &f64| {
        if crate::model::Distress::on_scale(*n) {
            Ok(*n as f32)
        } else {
            Err(format!(
                "{n} is out of range; expected a number from 0 to 10"
            ))
        }
    });
    let fear = f
        .parse_with("fear", "a list of fears", diags, |list: &Vec<String>| {
            list.iter()
                .map(|s| s.parse::<Fear>())
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_default();
    let fade = f.parse_with("fade", "a string", diags, |s: &String| {
        check_text(s, MAX_TITLE, "fade")
    });
    let why = f.parse_with("why", "a string", diags, |s: &String| {
        check_text(s, MAX_WHY, "why")
    });
    let needs = f.parse_with("needs", "a string", diags, |s: &String| s.parse::<Needs>());
    let feared = f.parse_with("feared", "a string", diags, |s: &String| {
        check_text(s, MAX_FEARED, "feared outcome")
    });
    let likely = f.parse_with(
        "likely",
        "a whole number from 0 to 100",
        diags,
        |n: &i64| {
            u8::try_from(*n).ok().filter(|p| *p <= 100).ok_or_else(|| {
                format!("{n} is not a likelihood; expected a whole number from 0 to 100")
            })
        },
    );
    let occasion = f
        .get::<bool>("occasion", "true or false", diags)
        .is_some_and(|b| b.into_inner());
    let after = f
        .parse_with("after", "a list of events", diags, |list: &Vec<String>| {
            list.iter()
                .map(|s| s.parse::<Event>())
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_default();
    let time = f.parse_with("time", "a string", diags, |s: &String| {
        s.parse::<TimeOfDay>()
    });
    let sensitive = f
        .get::<bool>("sensitive", "true or false", diags)
        .is_some_and(|b| b.into_inner());
    let series = f.parse_with("series", "a string", diags, |s: &String| check_id(s));
    let part = f.parse_with("part", "a whole number from 1 to 9", diags, |n: &i64| {
        u8::try_from(*n)
            .ok()
            .filter(|p| (1..=9).contains(p))
            .ok_or_else(|| format!("{n} is not a part; expected a whole number from 1 to 9"))
    });
    match (f.raw("series").is_some(), f.raw("part").is_some()) {
        (true, false) => f.missing("part", "the part of the series, from 1", diags),
        (false, true) => f.report(
            "part",
            "`part` goes with `series`: name the series this is a part of",
            diags,
        ),
        _ => {}
    }

    for (key, what) in [
        ("id", "a unique id such as \"compassion-heavy-day\""),
        ("category", "a category"),
        ("title", "a short title"),
        ("body", "the message"),
    ] {
        if f.raw(key).is_none() {
            f.missing(key, what, diags);
        }
    }
    let category = category?;
    let is_step = category == Category::Step;
    if is_step {
        for (key, present) in [
            ("ladder", ladder.is_some()),
            ("rung", rung.is_some()),
            ("distress", distress.is_some()),
        ] {
            if f.raw(key).is_none() && !present {
                f.missing(
                    key,
                    "a value for every step: `ladder`, `rung` and `distress`",
                    diags,
                );
            }
        }
        for key in ["after", "series"] {
            if f.raw(key).is_some() {
                f.report(
                    key,
                    format!("steps have no `{key}`; it is for messages"),
                    diags,
                );
            }
        }
    } else {
        for key in [
            "ladder", "rung", "distress", "fade", "why", "needs", "feared", "likely", "occasion",
        ] {
            if f.raw(key).is_some() {
                f.report(
                    key,
                    format!("only steps have `{key}`; this prompt is `{category}`"),
                    diags,
                );
            }
        }
    }
    Some(Prompt {
        id: id?,
        category,
        title: title?,
        discreet_title,
        body: body?,
        ladder,
        rung,
        distress,
        fear,
        fade,
        why,
        needs,
        feared,
        likely,
        occasion,
        after,
        time,
        sensitive,
        series: series.zip(part).map(|(series, part)| Part { series, part }),
        origin: src.path.clone(),
        position: src.locate(start),
    })
}

fn check_id(id: &str) -> Result<String, String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    if ok {
        Ok(id.to_owned())
    } else {
        Err(format!(
            "`{id}` is not a valid id; expected lowercase letters, digits and hyphens, such as \"compassion-heavy-day\""
        ))
    }
}

/// A character that changes how the text around it is shown, or is not shown at all: a
/// right-to-left override can make a step read as something else, a zero-width space can
/// make two names that look the same differ. Its name, for the message. Joiners (U+200C,
/// U+200D), which shape Persian or Indic writing and join emoji, and the direction marks
/// (U+200E, U+200F, U+061C), which change only where punctuation goes, are left alone.
fn hidden_character(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{202A}' => "a left-to-right embedding",
        '\u{202B}' => "a right-to-left embedding",
        '\u{202C}' => "a pop of directional formatting",
        '\u{202D}' => "a left-to-right override",
        '\u{202E}' => "a right-to-left override",
        '\u{2066}' => "a left-to-right isolate",
        '\u{2067}' => "a right-to-left isolate",
        '\u{2068}' => "a first-strong isolate",
        '\u{2069}' => "a pop of directional isolate",
        '\u{200B}' => "a zero-width space",
        '\u{2060}' => "a word joiner",
        '\u{FEFF}' => "a zero-width no-break space",
        '\u{180E}' => "a Mongolian vowel separator",
        '\u{2061}'..='\u{2064}' => "an invisible operator",
        _ => return None,
    })
}

fn check_text(text: &str, max: usize, what: &str) -> Result<String, String> {
    let trimmed = text.trim();
    let chars = trimmed.chars().count();
    // A control character (other than a line break) shows raw or breaks the notification.
    let control = trimmed.chars().position(|c| c.is_control() && c != '\n');
    let hidden = trimmed
        .chars()
        .enumerate()
        .find_map(|(at, c)| Some((at, c, hidden_character(c)?)));
    if let Some(at) = control {
        let c = trimmed.chars().nth(at).unwrap_or_default();
        Err(format!(
            "the {what} holds the control character U+{:04X} at character {}; write it without",
            u32::from(c),
            at + 1
        ))
    } else if let Some((at, c, name)) = hidden {
        Err(format!(
            "the {what} holds U+{:04X} ({name}) at character {}, which can change how the \
             text reads on screen; write it without",
            u32::from(c),
            at + 1
        ))
    } else if chars == 0 {
        Err(format!(
            "the {what} is empty; expected some words, at most {max} characters"
        ))
    } else if chars > max {
        Err(format!(
            "the {what} has {chars} characters; at most {max} fit on a notification"
        ))
    } else {
        Ok(trimmed.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(text: &str) -> (Vec<Prompt>, Vec<String>) {
        let src = Source::new("user/my.toml", text);
        let mut diags = Vec::new();
        let prompts = parse_pack(&src, &mut diags);
        (prompts, diags.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn ladders_are_ids_shipped_first_and_round_trip() {
        let mine: Ladder = "my-sister".parse().unwrap();
        assert_eq!(mine.as_str(), "my-sister");
        assert!(!mine.is_shipped() && Ladder::Emotional.is_shipped());
        assert_eq!("emotional".parse::<Ladder>(), Ok(Ladder::Emotional));
        // Shipped ladders sort first, in their shipped order; then the person's own by id.
        let mut all: [Ladder; 4] = [
            mine,
            "a-first".parse().unwrap(),
            Ladder::Receiving,
            Ladder::Intellectual,
        ];
        all.sort();
        let ids: Vec<&str> = all.iter().map(|l| l.as_str()).collect();
        assert_eq!(ids, ["intellectual", "receiving", "a-first", "my-sister"]);
        let json = serde_json::to_string(&mine).unwrap();
        assert_eq!(json, "\"my-sister\"");
        assert_eq!(serde_json::from_str::<Ladder>(&json).unwrap(), mine);
        for bad in ["", "-x", "Upper", "a b", &"x".repeat(MAX_LADDER_ID + 1)] {
            assert!(bad.parse::<Ladder>().is_err(), "{bad:?}");
        }
        assert!("x".repeat(MAX_LADDER_ID).parse::<Ladder>().is_ok());
    }

    #[test]
    fn a_personal_ladder_loads_with_its_steps_and_names() {
        let pack = Source::new(
            "mine.toml",
            "[[ladder]]\nid = \"sister\"\nname = \"Telling my sister\"\n\n[[prompt]]\nid = \"sister-1\"\ncategory = \"step\"\nladder = \"sister\"\nrung = 1\ndistress = 2\ntitle = \"Telling my sister\"\nbody = \"Send a photo.\"\n\n[[prompt]]\nid = \"stray-1\"\ncategory = \"step\"\nladder = \"nowhere\"\nrung = 1\ndistress = 2\ntitle = \"T\"\nbody = \"B\"\n",
        );
        let (library, diags) = Library::load([pack]);
        let sister: Ladder = "sister".parse().unwrap();
        assert_eq!(library.ladder_name(sister), "Telling my sister");
        assert!(library.ladder(sister).unwrap().personal);
        assert_eq!(library.get("sister-1").unwrap().ladder, Some(sister));
        // A step on a ladder nobody defined is reported where it is and left out.
        assert!(library.get("stray-1").is_none());
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|d| d.contains("mine.toml:14:1: `prompt.ladder`: no ladder `nowhere`")),
            "{text:#?}"
        );
        // A removed ladder's id still names itself; a shipped one goes by its id.
        assert_eq!(library.ladder_name("gone".parse().unwrap()), "gone");
        assert_eq!(library.ladder_name(Ladder::Emotional), "emotional");
    }

    #[test]
    fn shipped_packs_load_cleanly() {
        let (library, diags) = Library::load(None);
        assert!(diags.is_empty(), "{diags:#?}");
        assert!(library.len() > 50);
        for category in [Category::Step, Category::Compassion] {
            assert!(
                library.iter().any(|p| p.category == category),
                "no {category} prompt"
            );
        }
    }

    #[test]
    fn a_valid_step_and_message() {
        let (prompts, diags) = pack(
            r#"
[[prompt]]
id = "emotional-x"
category = "step"
ladder = "emotional"
rung = 2
distress = 1.5
title = "Name a feeling"
body = "Notice one feeling today and name it to yourself."

[[prompt]]
id = "compassion-x"
category = "compassion"
title = "A hard day"
discreet_title = "A pause"
fear = ["rejection"]
body = "This is hard, and many people find it hard too."
"#,
        );
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(prompts.len(), 2);
        assert_eq!(prompts[0].rung, Some(2));
        assert_eq!(prompts[0].position, (2, 1));
        assert_eq!(prompts[1].shown_title(true), "A pause");
        assert_eq!(prompts[1].shown_title(false), "A hard day");
        assert_eq!(prompts[0].shown_title(true), "A small step for today");
    }

    #[test]
    fn control_characters_are_refused_with_their_place() {
        let (prompts, diags) = pack(
            "[[prompt]]\nid = \"x\"\ncategory = \"learn\"\ntitle = \"Bell\\u0007\"\n\
             body = \"One line\\nand a second, with a tab:\\tthere.\"\n",
        );
        assert!(prompts.is_empty());
        assert_eq!(
            diags,
            [
                "user/my.toml:4:9: `prompt.title`: the title holds the control character \
                 U+0007 at character 5; write it without",
                "user/my.toml:5:8: `prompt.body`: the body holds the control character \
                 U+0009 at character 35; write it without",
            ]
        );
    }

    #[test]
    fn every_problem_in_a_prompt_is_reported_with_its_place() {
        let (prompts, diags) = pack(
            r#"[[prompt]]
id = "Bad Id"
category = "hug"
title = ""
body = 3
colour = "red"
"#,
        );
        assert!(prompts.is_empty());
        let expected = [
            "user/my.toml:6:1: `prompt.colour`: unknown key",
            "user/my.toml:2:6: `prompt.id`: `Bad Id` is not a valid id",
            "user/my.toml:3:12: `prompt.category`: `hug` is not one of",
            "user/my.toml:4:9: `prompt.title`: the title is empty",
            "user/my.toml:5:8: `prompt.body`: expected a string, found integer",
        ];
        for e in expected {
            assert!(
                diags.iter().any(|d| d.starts_with(e)),
                "missing {e:?} in {diags:#?}"
            );
        }
    }

    #[test]
    fn steps_need_their_ladder_and_messages_must_not_have_one() {
        let (prompts, diags) = pack(
            r#"[[prompt]]
id = "step-a"
category = "step"
title = "T"
body = "B"

[[prompt]]
id = "learn-a"
category = "learn"
rung = 3
title = "T"
body = "B"
"#,
        );
        assert!(prompts.is_empty());
        assert!(
            diags.iter().any(|d| d.contains("`prompt.ladder`: missing")),
            "{diags:#?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d.contains("10:8: `prompt.rung`: only steps")),
            "{diags:#?}"
        );
    }

    #[test]
    fn after_time_sensitive_and_series_are_read_and_checked() {
        let (prompts, diags) = pack(
            r#"[[prompt]]
id = "setback-a"
category = "setback"
after = ["skip", "return"]
time = "evening"
sensitive = true
series = "record-a"
part = 2
title = "T"
body = "B"
"#,
        );
        assert!(diags.is_empty(), "{diags:#?}");
        let p = &prompts[0];
        assert_eq!(p.after, [Event::Skip, Event::Return]);
        assert_eq!(p.time, Some(TimeOfDay::Evening));
        assert!(p.sensitive);
        let part = Part {
            series: "record-a".into(),
            part: 2,
        };
        assert_eq!(p.series, Some(part));

        let (prompts, diags) = pack(
            r#"[[prompt]]
id = "setback-b"
category = "setback"
after = ["skipped"]
time = "noon"
part = 1
title = "T"
body = "B"

[[prompt]]
id = "step-b"
category = "step"
ladder = "emotional"
rung = 1
distress = 1
after = ["done"]
title = "T"
body = "B"
"#,
        );
        assert!(prompts.is_empty());
        let expected = [
            "user/my.toml:4:9: `prompt.after`: `skipped` is not one of \"skip\", \"hard\", \"too-much\"",
            "user/my.toml:5:8: `prompt.time`: `noon` is not one of \"morning\", \"midday\", \"evening\"",
            "user/my.toml:6:8: `prompt.part`: `part` goes with `series`",
            "user/my.toml:16:9: `prompt.after`: steps have no `after`",
        ];
        for e in expected {
            assert!(
                diags.iter().any(|d| d.starts_with(e)),
                "missing {e:?} in {diags:#?}"
            );
        }
    }

    #[test]
    fn a_series_with_a_gap_is_reported_and_left_out_whole() {
        let part = |id: &str, n: u8| {
            format!(
                "[[prompt]]\nid = \"{id}\"\ncategory = \"critic\"\nseries = \"mine\"\npart = {n}\ntitle = \"T\"\nbody = \"Part {n}.\"\n\n"
            )
        };
        let text = [part("mine-a", 1), part("mine-c", 3)].concat();
        let (library, diags) = Library::load([Source::new("a.toml", text)]);
        assert!(library.get("mine-a").is_none() && library.get("mine-c").is_none());
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(
                |d| d.contains("a.toml:1:1: `prompt.series`: the series `mine` has parts 1, 3")
            ),
            "{text:#?}"
        );

        let text = [part("mine-a", 1), part("mine-b", 2)].concat();
        let (library, diags) = Library::load([Source::new("a.toml", text)]);
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(
            library.get("mine-b").unwrap().series.as_ref().unwrap().part,
            2
        );
    }

    #[test]
    fn long_bodies_are_refused() {
        let body = "a".repeat(MAX_BODY + 1);
        let (_, diags) = pack(&format!(
            "[[prompt]]\nid = \"c\"\ncategory = \"learn\"\ntitle = \"T\"\nbody = \"{body}\"\n"
        ));
        assert!(diags[0].contains("201 characters"), "{diags:#?}");
    }

    #[test]
    fn user_packs_override_by_id_and_broken_ones_are_skipped() {
        let shipped = Library::load(None).0;
        let some_step = shipped
            .iter()
            .find(|p| p.category == Category::Step)
            .unwrap()
            .clone();
        let a = Source::new(
            "a.toml",
            format!(
                "[[prompt]]\nid = \"{}\"\ncategory = \"step\"\nladder = \"emotional\"\nrung = 1\ndistress = 1\ntitle = \"Mine\"\nbody = \"My own step.\"\n\n[[prompt]]\nid = \"compassion-mine\"\ncategory = \"compassion\"\ntitle = \"Mine\"\nbody = \"My own words.\"\n",
                some_step.id
            ),
        );
        let b = Source::new("b.toml", "[[prompt]\nid = ");
        let (library, diags) = Library::load([a, b]);
        assert_eq!(library.get(&some_step.id).unwrap().title, "Mine");
        assert!(library.get("compassion-mine").is_some());
        assert_eq!(library.len(), shipped.len() + 1);
        // In id order without repeats, and each found by its id.
        let ids: Vec<&str> = library.iter().map(|p| p.id.as_str()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert!(
            ids.iter()
                .all(|id| library.get(id).is_some_and(|p| p.id == *id))
        );
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert!(text.iter().any(|d| d.contains("b.toml:1:")), "{text:#?}");
        assert!(
            text.iter()
                .any(|d| d.contains("b.toml: this pack was skipped")),
            "{text:#?}"
        );
    }
}
