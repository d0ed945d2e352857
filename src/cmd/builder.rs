//! `closer ladder new` without a name (or with `--guided`): builds a person's own fear
//! ladder with questions in the terminal, as a therapist would. The goal first, and its
//! name checked at once (it fits, gives an id, is not a ladder already); then 5 to 12
//! situations, each rated on a 0-10 scale whose anchors are said in words, with what the
//! person fears will happen there, how likely that feels (0-100 %) and what they usually
//! do to feel safer (the step's `feared`, `likely` and `fade`). Kind, concrete checks,
//! each with a suggestion and each asked once: a vague step, a step twice or nearly
//! twice, a ladder that starts above 4, jumps of more than 2 points (an in-between step
//! made from the person's own steps, never from unrelated shipped ones), more than 12
//! steps; and a caution with the help line for a step at 9-10 that tells of past harm.
//!
//! Yes/no questions wait for Enter; numbers are read as text, so a word gets "please
//! type a number", never a parser's message. It never waits on something that is not a
//! terminal: without one it says so and ends with exit 2. The file is written through
//! `ladder_file` under the edit lock, like `closer ladder add`, and only after "Save it?".

use std::collections::BTreeSet;
use std::fmt;
use std::io::IsTerminal as _;

use dialoguer::theme::Theme;
use dialoguer::{Confirm, Input, Select};

use crate::Status;
use crate::config::Config;
use crate::content::{self, Fear, Ladder, Library, MAX_BODY, MAX_FEARED, MAX_PERSONAL_STEPS};
use crate::ladder_file::{self, NewStep};
use crate::lint::MAX_PERSONAL_GAP;
use crate::paths::Paths;
use crate::setup::Setup;

/// The fewest and most situations the builder asks for.
pub const FEWEST: usize = 5;
pub const MOST: usize = 12;
/// The highest rating a first step should have: a ladder starts where it feels doable.
pub const FIRST_AT_MOST: u8 = 4;
/// The rating from which a step that tells of past harm gets a caution.
pub const HARDEST: u8 = 9;
/// The longest safety habit, in characters (a step's `fade`).
const MAX_FADE: usize = content::MAX_TITLE;

/// The 0-10 scale in words.
pub const SCALE: &str = "  0  calm\n  3  a little tense\n  5  clearly anxious, but manageable\n  7  very anxious\n 10  the worst you can imagine";

/// A situation as the person gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub text: String,
    pub distress: u8,
    pub fear: Option<Fear>,
    /// What they fear will happen, as a clause after "You feared that ".
    pub feared: Option<String>,
    /// How likely that feels, 0-100.
    pub likely: Option<u8>,
    /// What they usually do to feel safer there.
    pub fade: Option<String>,
}

impl Draft {
    fn new(text: &str, distress: u8) -> Draft {
        Draft {
            text: text.trim().to_owned(),
            distress,
            fear: None,
            feared: None,
            likely: None,
            fade: None,
        }
    }
}

/// The places (index of the upper step, in sorted order) where the ladder jumps by more
/// than [`MAX_PERSONAL_GAP`], with the middle distress to propose.
pub fn jumps(sorted: &[Draft]) -> Vec<(usize, u8)> {
    sorted
        .windows(2)
        .enumerate()
        .filter(|(_, w)| f32::from(w[1].distress.saturating_sub(w[0].distress)) > MAX_PERSONAL_GAP)
        .map(|(i, w)| (i + 1, w[0].distress + (w[1].distress - w[0].distress) / 2))
        .collect()
}

/// A rating typed as text: a whole number from 0 to `max` (a "%" after it allowed), or
/// a kind word on what to type.
pub fn number(text: &str, max: u8) -> Result<u8, String> {
    let text = text.trim().trim_end_matches('%').trim_end();
    let example = if max == 10 { "4" } else { "60" };
    match text.parse::<u8>() {
        Ok(n) if n <= max => Ok(n),
        _ if text
            .parse::<f32>()
            .is_ok_and(|n| (0.0..=f32::from(max)).contains(&n)) =>
        {
            Err(format!(
                "Please type a whole number from 0 to {max}, such as {example}."
            ))
        }
        _ => Err(format!(
            "Please type a number from 0 to {max}, such as {example}."
        )),
    }
}

/// The words of a step, for comparing steps: lowercase, without the small words that
/// do not make one step another.
fn words(text: &str) -> BTreeSet<String> {
    const SMALL: &[&str] = &["a", "an", "the", "to", "and", "of", "for", "on", "in", "at"];
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !SMALL.contains(&w.as_str()))
        .collect()
}

/// Whether two steps say nearly the same: most of their words shared, or one of them
/// the other with a word more ("Call my sister" and "Call my sister tonight").
pub fn alike(a: &str, b: &str) -> bool {
    let (a, b) = (words(a), words(b));
    let shared = a.intersection(&b).count();
    let all = a.union(&b).count().max(1);
    let (small, large) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    shared * 4 >= all * 3
        || (small.len() >= 2 && small.is_subset(large) && large.len() == small.len() + 1)
}

/// How a step is too vague to do on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vague {
    /// A state to reach rather than an act: "Be more open", "feel less anxious".
    Wish,
    /// An act with no one (who with) and no place, time or means (where, when, how):
    /// "Share feelings". A "what" alone does not make a step concrete.
    Open,
}

impl Vague {
    /// What is missing, after the step's words.
    pub fn said(self) -> &'static str {
        match self {
            Vague::Wish => {
                "is more a wish than a step: it does not say what you would do, with whom, or where"
            }
            Vague::Open => "does not yet say who with, where, or when",
        }
    }
}

/// Whether, and how, a step is too vague to do on a given day.
pub fn vague(text: &str) -> Option<Vague> {
    /// Who with, where, when or by what means.
    const CONCRETE: &[&str] = &[
        // who
        "her",
        "him",
        "them",
        "he",
        "she",
        "they",
        "we",
        "us",
        "you",
        "someone",
        "somebody",
        "anyone",
        "everyone",
        "friend",
        "sister",
        "brother",
        "mum",
        "mom",
        "mother",
        "dad",
        "father",
        "parent",
        "partner",
        "wife",
        "husband",
        "boyfriend",
        "girlfriend",
        "son",
        "daughter",
        "child",
        "children",
        "kid",
        "aunt",
        "uncle",
        "cousin",
        "grandma",
        "grandmother",
        "grandpa",
        "grandfather",
        "family",
        "colleague",
        "coworker",
        "boss",
        "manager",
        "neighbour",
        "neighbor",
        "classmate",
        "teacher",
        "team",
        "group",
        "stranger",
        "people",
        "person",
        "roommate",
        "flatmate",
        "housemate",
        "guest",
        "host",
        // where, when, how
        "call",
        "phone",
        "text",
        "message",
        "email",
        "letter",
        "note",
        "card",
        "video",
        "photo",
        "picture",
        "gift",
        "lunch",
        "dinner",
        "breakfast",
        "coffee",
        "tea",
        "party",
        "meeting",
        "class",
        "work",
        "office",
        "home",
        "house",
        "visit",
        "walk",
        "cafe",
        "café",
        "bar",
        "restaurant",
        "gym",
        "church",
        "club",
        "online",
        "chat",
        "meal",
        "weekend",
        "tonight",
        "today",
        "tomorrow",
        "morning",
        "evening",
        "minute",
        "hour",
        "birthday",
        "shop",
        "store",
        "bakery",
        "park",
        "street",
        "bus",
        "train",
        "concert",
        "wedding",
        "trip",
        "table",
        "game",
    ];
    let lower = text.to_lowercase();
    let all: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    // "Be more open", "feel less anxious": a state to reach, not a thing to do.
    if matches!(all.first(), Some(&("be" | "become" | "feel" | "seem"))) {
        return Some(Vague::Wish);
    }
    let named = text.split_whitespace().skip(1).any(|w| {
        w.chars().next().is_some_and(char::is_uppercase) && w != "I" && !w.starts_with("I'")
    });
    let concrete = |w: &&str| {
        let one = w.strip_suffix('s').unwrap_or(w);
        CONCRETE.contains(w) || CONCRETE.contains(&one) || w.chars().any(|c| c.is_ascii_digit())
    };
    (all.len() < 2 || !(named || all.iter().any(concrete))).then_some(Vague::Open)
}

/// Whether a step tells someone about harm from the past ("tell him about dad's
/// drinking"): one to take with a therapist when it is rated among the hardest.
pub fn tells_of_past_harm(text: &str) -> bool {
    const TELLING: &[&str] = &[
        "tell", "talk", "say", "share", "confront", "bring", "ask", "admit", "confess", "mention",
        "write", "open", "explain", "speak", "discuss", "raise",
    ];
    const HARM: &[&str] = &[
        "drinking",
        "drunk",
        "alcohol",
        "alcoholic",
        "abuse",
        "abused",
        "abusive",
        "hit",
        "hitting",
        "beat",
        "beating",
        "beaten",
        "violence",
        "violent",
        "assault",
        "assaulted",
        "rape",
        "raped",
        "molested",
        "harm",
        "harmed",
        "hurt",
        "trauma",
        "traumatic",
        "affair",
        "cheated",
        "cheating",
        "bullied",
        "bullying",
        "neglect",
        "neglected",
        "addiction",
        "addicted",
        "drugs",
        "overdose",
        "suicide",
        "self-harm",
        "prison",
        "childhood",
    ];
    let lower = text.to_lowercase();
    let all: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(|w| w.strip_suffix("'s").unwrap_or(w))
        .collect();
    let telling = all
        .iter()
        .any(|w| TELLING.contains(w) || TELLING.contains(&w.strip_suffix('s').unwrap_or(w)));
    let harm = all.iter().any(|w| HARM.contains(w))
        || [
            "what happened",
            "what he did",
            "what she did",
            "what they did",
        ]
        .iter()
        .any(|p| lower.contains(p));
    telling && harm
}

/// Where to turn, in the words of the pause note: the person's own crisis contact when
/// the config has one, `closer about` otherwise.
pub fn help_line(config: &Config) -> String {
    if config.crisis.is_empty() {
        "`closer about` says where to find a therapist, and a crisis line for when it feels like too much.".to_owned()
    } else {
        format!(
            "If it ever feels like too much, your crisis contact is there: {}.",
            config.crisis
        )
    }
}

pub fn run(paths: &Paths, setup: &Setup, name: Option<&str>) -> anyhow::Result<Status> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        eprintln!(
            "error: the guided builder asks questions in a terminal, and there is none here; \
             give the ladder a name instead: `closer ladder new NAME`, then \
             `closer ladder add NAME \"STEP\" --distress N`"
        );
        return Ok(Status::Usage);
    }
    let mut builder = Builder {
        paths,
        library: &setup.library,
        config: &setup.config,
        steps: Vec::new(),
    };
    match builder.build(name) {
        Ok(status) => Ok(status),
        // Ctrl-C or a closed terminal: nothing was written.
        Err(BuildError::Prompt(e)) => {
            eprintln!("Stopped; nothing was written ({e}).");
            Ok(Status::Failure)
        }
        Err(BuildError::Other(e)) => Err(e),
    }
}

#[derive(Debug)]
enum BuildError {
    Prompt(dialoguer::Error),
    Other(anyhow::Error),
}

impl From<dialoguer::Error> for BuildError {
    fn from(e: dialoguer::Error) -> Self {
        BuildError::Prompt(e)
    }
}

impl From<anyhow::Error> for BuildError {
    fn from(e: anyhow::Error) -> Self {
        BuildError::Other(e)
    }
}

type Asked<T> = Result<T, BuildError>;

/// dialoguer's plain look, with a problem said as a sentence rather than "error: …".
#[derive(Debug)]
struct Gentle;

impl Theme for Gentle {
    fn format_error(&self, f: &mut dyn fmt::Write, err: &str) -> fmt::Result {
        write!(f, "  {err}")
    }
}

/// A yes/no question that waits for Enter: a "y" typed by itself answers nothing yet, so
/// the Enter after it never answers the next question.
fn yes(prompt: &str, default: bool) -> Asked<bool> {
    Ok(Confirm::with_theme(&Gentle)
        .with_prompt(prompt)
        .default(default)
        .wait_for_newline(true)
        .interact()?)
}

/// A line of text; `Ok(None)` when `optional` and left empty.
fn line(
    prompt: &str,
    optional: bool,
    check: impl FnMut(&String) -> Result<(), String>,
) -> Asked<Option<String>> {
    let typed: String = Input::with_theme(&Gentle)
        .with_prompt(prompt)
        .allow_empty(optional)
        .validate_with(check)
        .interact_text()?;
    let typed = typed.trim();
    Ok((!typed.is_empty()).then(|| typed.to_owned()))
}

/// A whole number from 0 to `max`, typed as text.
fn ask_number(prompt: &str, max: u8, default: Option<u8>) -> Asked<u8> {
    // Empty is let through to the check, so Enter alone is answered too.
    let mut input = Input::<String>::with_theme(&Gentle)
        .with_prompt(prompt)
        .allow_empty(true)
        .validate_with(move |s: &String| number(s, max).map(|_| ()));
    if let Some(d) = default {
        input = input.default(d.to_string());
    }
    let typed = input.interact_text()?;
    Ok(number(&typed, max).unwrap_or_default())
}

/// At most `max` characters, said kindly.
fn fits(text: &str, max: usize) -> Result<(), String> {
    let chars = text.trim().chars().count();
    if chars > max {
        Err(format!(
            "A little shorter, please: at most {max} characters (this is {chars})."
        ))
    } else {
        Ok(())
    }
}

struct Builder<'a> {
    paths: &'a Paths,
    library: &'a Library,
    config: &'a Config,
    /// The steps so far, sorted by distress once all situations are in.
    steps: Vec<Draft>,
}

impl Builder<'_> {
    fn build(&mut self, name: Option<&str>) -> Asked<Status> {
        eprintln!(
            "A fear ladder: situations on the way to something you want, from easiest to hardest.\n\
             You rate each by how anxious it would make you, from 0 to 10:\n{SCALE}\n"
        );
        let goal = self.ask_name(name)?;

        eprintln!("\nNow {FEWEST} to {MOST} situations on the way there, in any order.");
        while self.steps.len() < MOST {
            let n = self.steps.len() + 1;
            let optional = n > FEWEST;
            let prompt = if optional {
                format!("Situation {n} (empty to finish)")
            } else {
                format!("Situation {n} of at least {FEWEST}")
            };
            let Some(text) = self.ask_situation(&prompt, optional)? else {
                break;
            };
            if let Some(step) = self.ask_about(text, None)? {
                self.steps.push(step);
            }
        }
        if self.steps.len() == MOST {
            eprintln!("\nThat is {MOST}: a full ladder.");
        }
        self.steps.sort_by_key(|s| s.distress);

        self.check_alike()?;
        self.check_start()?;
        self.check_gaps()?;
        self.check_length()?;
        self.ask_fears()?;
        self.save(&goal)
    }

    /// The goal, which names the ladder: checked here, before any step is typed.
    fn ask_name(&self, given: Option<&str>) -> Asked<String> {
        if let Some(name) = given {
            match super::ladder::new_id(self.paths, self.library, name) {
                Ok(_) => return Ok(name.trim().to_owned()),
                Err(why) => eprintln!("\"{}\": {why}.\n", name.trim()),
            }
        }
        let (paths, library) = (self.paths, self.library);
        let name = line(
            "What would you like to be able to do? (the ladder's name)",
            false,
            |s: &String| super::ladder::new_id(paths, library, s).map(|_| ()),
        )?;
        Ok(name.unwrap_or_default())
    }

    /// A situation's words: not empty unless `optional`, not too long, not a step
    /// already given. Then, for a vague one, a chance to say it more concretely.
    fn ask_situation(&self, prompt: &str, optional: bool) -> Asked<Option<String>> {
        let check = |s: &String| self.fresh(s);
        let Some(typed) = line(prompt, optional, check)? else {
            return Ok(None);
        };
        let Some(how) = vague(&typed) else {
            return Ok(Some(typed));
        };
        eprintln!(
            "\"{typed}\" {}. A step you could take on a given day works better, such as \"Tell \
             Sam one thing about my week, over lunch\".",
            how.said()
        );
        let again = line(
            "Say it more concretely (or press Enter to keep it as it is)",
            true,
            check,
        )?;
        Ok(Some(again.unwrap_or(typed)))
    }

    /// Whether `text` fits as a step's words and is not a step already given (case and
    /// spacing aside, as the loader compares them).
    fn fresh(&self, text: &str) -> Result<(), String> {
        fits(text, MAX_BODY)?;
        let given = content::normalized(text);
        match self
            .steps
            .iter()
            .find(|d| content::normalized(&d.text) == given)
        {
            Some(d) if !given.is_empty() => Err(format!(
                "\"{}\" is on your ladder already. If this is another step, say what makes it different: who, where or how long.",
                d.text
            )),
            _ => Ok(()),
        }
    }

    /// How hard the situation would feel (`default`, for an in-between step), what the
    /// person fears will happen there and how likely it feels, and what they do to feel
    /// safer; `None` when a step that tells of past harm is left out.
    fn ask_about(&self, text: String, default: Option<u8>) -> Asked<Option<Draft>> {
        let distress = ask_number(
            &format!("How anxious would \"{text}\" make you, 0-10?"),
            crate::journal::Distress::MAX,
            default,
        )?;
        if distress >= HARDEST && tells_of_past_harm(&text) {
            eprintln!(
                "\n\"{text}\" touches hurt from the past. A step like this is often best taken \
                 with a therapist, who can help you prepare for it and be there for what comes \
                 after. {}",
                help_line(self.config)
            );
            if !yes("Keep it on your ladder?", true)? {
                eprintln!("It is left out; it can wait for a time when you have support.\n");
                return Ok(None);
            }
        }
        let mut step = Draft::new(&text, distress);
        step.feared = ask_feared()?;
        if step.feared.is_some() {
            step.likely = Some(ask_number(
                "How likely does that feel, 0-100 %?",
                100,
                None,
            )?);
        }
        step.fade = line(
            "What do you usually do there to feel safer? (such as \"keep it short\"; Enter to skip)",
            true,
            |s: &String| fits(s, MAX_FADE),
        )?;
        Ok(Some(step))
    }

    /// Steps that say nearly the same: keep both, or one.
    fn check_alike(&mut self) -> Asked<()> {
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        loop {
            let pair = self.steps.iter().enumerate().find_map(|(i, a)| {
                self.steps[i + 1..]
                    .iter()
                    .position(|b| {
                        alike(&a.text, &b.text) && !seen.contains(&(a.text.clone(), b.text.clone()))
                    })
                    .map(|j| (i, i + 1 + j))
            });
            let Some((i, j)) = pair else {
                return Ok(());
            };
            let (a, b) = (self.steps[i].text.clone(), self.steps[j].text.clone());
            seen.insert((a.clone(), b.clone()));
            eprintln!(
                "\n\"{a}\" ({}) and \"{b}\" ({}) are much alike. If they would feel the same, one \
                 is enough; if not, a word on what makes one harder tells them apart (who is \
                 there, how long, face to face or by message).",
                self.steps[i].distress, self.steps[j].distress
            );
            let choices = [
                "Keep both".to_owned(),
                format!("Keep only \"{a}\""),
                format!("Keep only \"{b}\""),
            ];
            let pick = Select::with_theme(&Gentle)
                .with_prompt("Which to keep?")
                .items(&choices)
                .default(0)
                .interact()?;
            match pick {
                1 => {
                    self.steps.remove(j);
                }
                2 => {
                    self.steps.remove(i);
                }
                _ => {}
            }
        }
    }

    /// A ladder whose easiest step is above [`FIRST_AT_MOST`]: an easier first step,
    /// while the person wants one.
    fn check_start(&mut self) -> Asked<()> {
        while let Some(first) = self.steps.first().filter(|s| s.distress > FIRST_AT_MOST)
            && self.steps.len() < MAX_PERSONAL_STEPS
        {
            eprintln!(
                "\nYour easiest step, \"{}\", is rated {}. A ladder climbs best from a first step \
                 that feels manageable, about 2 to {FIRST_AT_MOST}: a smaller version of one on it, \
                 such as a part of it, a shorter time, a message instead of face to face, or \
                 someone you trust nearby.",
                first.text, first.distress
            );
            if !yes("Add an easier first step?", true)? {
                return Ok(());
            }
            let Some(text) = self.ask_situation("The easier step", false)? else {
                return Ok(());
            };
            if let Some(step) = self.ask_about(text, None)? {
                self.steps.push(step);
                self.steps.sort_by_key(|s| s.distress);
            }
        }
        Ok(())
    }

    /// Jumps of more than [`MAX_PERSONAL_GAP`]: a step in between, each gap asked about
    /// once (a gap declined is not asked about again, whatever is added elsewhere).
    fn check_gaps(&mut self) -> Asked<()> {
        let mut declined: BTreeSet<(String, String)> = BTreeSet::new();
        loop {
            let gap = jumps(&self.steps).into_iter().find(|(at, _)| {
                !declined.contains(&(
                    self.steps[at - 1].text.clone(),
                    self.steps[*at].text.clone(),
                ))
            });
            let Some((at, middle)) = gap.filter(|_| self.steps.len() < MAX_PERSONAL_STEPS) else {
                return Ok(());
            };
            let (lower, upper) = (&self.steps[at - 1], &self.steps[at]);
            eprintln!(
                "\nFrom \"{}\" ({}) to \"{}\" ({}) is a jump of {} points. A step near {middle} in \
                 between makes the climb gentler. It is often \"{}\" made smaller: a part of it, \
                 a shorter time, in writing first, or with someone you trust nearby.",
                lower.text,
                lower.distress,
                upper.text,
                upper.distress,
                upper.distress - lower.distress,
                upper.text,
            );
            let key = (lower.text.clone(), upper.text.clone());
            if !yes(&format!("Add a step near {middle} between them?"), true)? {
                declined.insert(key);
                continue;
            }
            let Some(text) = self.ask_situation("The step in between", false)? else {
                continue;
            };
            match self.ask_about(text, Some(middle))? {
                Some(step) => {
                    self.steps.push(step);
                    self.steps.sort_by_key(|s| s.distress);
                }
                None => {
                    declined.insert(key);
                }
            }
        }
    }

    /// More than [`MOST`] steps: leave some out, while the person wants to.
    fn check_length(&mut self) -> Asked<()> {
        while self.steps.len() > MOST {
            eprintln!(
                "\nYour ladder has {} steps. Up to {MOST} is easier to keep in view: steps that \
                 feel alike can be one, and the hardest can start a second ladder once this one \
                 feels easier.",
                self.steps.len()
            );
            if !yes("Leave a step out?", false)? {
                return Ok(());
            }
            let items: Vec<String> = self
                .steps
                .iter()
                .map(|s| format!("{:>2}  {}", s.distress, s.text))
                .collect();
            let pick = Select::with_theme(&Gentle)
                .with_prompt("Which one?")
                .items(&items)
                .default(0)
                .interact()?;
            self.steps.remove(pick);
        }
        Ok(())
    }

    /// Which fear each step touches, if the person likes.
    fn ask_fears(&mut self) -> Asked<()> {
        if !yes(
            "Note which fear each step touches? (you can skip this)",
            false,
        )? {
            return Ok(());
        }
        let choices = ["none", "abandonment", "engulfment", "rejection"];
        for step in &mut self.steps {
            let pick = Select::with_theme(&Gentle)
                .with_prompt(format!("\"{}\"", step.text))
                .items(choices)
                .default(0)
                .interact()?;
            step.fear = choices[pick].parse().ok();
        }
        Ok(())
    }

    /// The ladder shown, and written when the person says so.
    fn save(&self, goal: &str) -> Asked<Status> {
        eprintln!("\nYour ladder, easiest first:");
        for (i, s) in self.steps.iter().enumerate() {
            eprintln!("  {:>2}  {:>2}  {}", i + 1, s.distress, s.text);
            let mut about = Vec::new();
            if let Some(feared) = &s.feared {
                let likely = s.likely.map(|l| format!(" ({l} %)")).unwrap_or_default();
                about.push(format!("you fear that {feared}{likely}"));
            }
            if let Some(fade) = &s.fade {
                about.push(format!("to feel safer: {fade}"));
            }
            if !about.is_empty() {
                eprintln!("          {}", about.join("; "));
            }
        }
        if !yes("Save it?", true)? {
            eprintln!("Nothing was written.");
            return Ok(Status::Failure);
        }
        let used = super::ladder::used_ids(self.paths)?;
        let _lock = super::ladder::lock_edits(self.paths)?;
        // The id was checked at the first question; a ladder made since then may have
        // taken it, so it is chosen again, under the lock.
        let id: Ladder = super::ladder::new_id(self.paths, self.library, goal)
            .map_err(|e| anyhow::anyhow!("{e}; nothing was written"))?;
        let fears: Vec<Vec<Fear>> = self
            .steps
            .iter()
            .map(|s| s.fear.into_iter().collect())
            .collect();
        let steps: Vec<NewStep> = self
            .steps
            .iter()
            .zip(&fears)
            .map(|(s, fear)| NewStep {
                fear,
                feared: s.feared.as_deref(),
                likely: s.likely,
                fade: s.fade.as_deref(),
                ..NewStep::new(&s.text, f32::from(s.distress), &used)
            })
            .collect();
        let text = ladder_file::new_ladder(id, goal, None)
            .and_then(|text| ladder_file::add_steps(&text, id, &steps))
            .map_err(|e| anyhow::anyhow!("cannot save the ladder: {e}; nothing was written"))?;
        let path = super::ladder::file_of(self.paths, id);
        super::ladder::create(&path, &text)?;
        println!("Saved your ladder `{id}` in {}.", path.display());
        println!("`closer ladder enable {id}` turns it on; `closer ladder show {id}` shows it.");
        crate::lock::reload_daemon(&self.paths.runtime, &self.paths.data);
        Ok(Status::Success)
    }
}

/// What the person fears will happen, as a clause after "You feared that "; skipped
/// with Enter.
fn ask_feared() -> Asked<Option<String>> {
    let feared = line(
        "What do you fear will happen? (such as \"she'll think it's odd\"; Enter to skip)",
        true,
        |s: &String| fits(&ladder_file::feared_clause(s), MAX_FEARED),
    )?;
    Ok(feared
        .map(|f| ladder_file::feared_clause(&f))
        .filter(|f| !f.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str, distress: u8) -> Draft {
        Draft::new(text, distress)
    }

    #[test]
    fn jumps_over_two_points_are_flagged_with_their_middle() {
        let steps = [d("a", 1), d("b", 3), d("c", 7), d("d", 8), d("e", 10)];
        assert_eq!(jumps(&steps), [(2, 5)]);
        assert!(jumps(&[d("a", 0), d("b", 2)]).is_empty());
    }

    #[test]
    fn numbers_in_words_get_a_kind_word_never_a_parsers() {
        assert_eq!(number(" 7 ", 10), Ok(7));
        assert_eq!(number("60 %", 100), Ok(60));
        assert_eq!(number("0", 10), Ok(0));
        for typed in ["seven", "", "11", "-1", "7 or 8"] {
            assert_eq!(
                number(typed, 10),
                Err("Please type a number from 0 to 10, such as 4.".into()),
                "{typed:?}"
            );
        }
        assert_eq!(
            number("6.5", 10),
            Err("Please type a whole number from 0 to 10, such as 4.".into())
        );
        assert_eq!(
            number("a lot", 100),
            Err("Please type a number from 0 to 100, such as 60.".into())
        );
    }

    #[test]
    fn a_step_without_who_where_or_what_is_vague() {
        for wish in [
            "Be more open",
            "Be more open with my sister",
            "Feel less anxious",
            "Share feelings",
            "Dance",
            "Try harder",
            "Stop hiding",
        ] {
            assert!(vague(wish).is_some(), "{wish:?}");
        }
        assert_eq!(vague("Be more open"), Some(Vague::Wish));
        assert_eq!(vague("Share feelings"), Some(Vague::Open));
        for step in [
            "Call her",
            "Send my sister a photo",
            "Tell Sam one thing about my week",
            "Hug mum",
            "Go to the party on Friday",
            "Say hello to a neighbour",
            "Talk for 5 minutes",
            "Tell him about dad's drinking",
            "Stop at the bakery and chat",
        ] {
            assert_eq!(vague(step), None, "{step:?}");
        }
    }

    #[test]
    fn steps_that_say_nearly_the_same_are_alike() {
        assert!(alike("Call my sister", "Call my sister tonight"));
        assert!(alike(
            "Ask my sister how her week was",
            "ask my sister how her day was"
        ));
        assert!(!alike("Call her", "Call him"));
        assert!(!alike("Ask about her week", "Ask about her day"));
        assert!(!alike(
            "Send her a photo",
            "Send her a photo of the dog we met"
        ));
        assert!(!alike("Say I missed her", "Tell her one thing I feel"));
    }

    #[test]
    fn telling_of_past_harm_is_told_apart_from_other_hard_steps() {
        for harm in [
            "tell him about dad's drinking",
            "Talk to my mother about what happened when I was small",
            "Confront my brother about the bullying",
            "Share with her that I was abused",
        ] {
            assert!(tells_of_past_harm(harm), "{harm:?}");
        }
        for other in [
            "Tell her I love her",
            "Go for drinks with the team",
            "Ask him out to dinner",
            "Think about my childhood",
        ] {
            assert!(!tells_of_past_harm(other), "{other:?}");
        }
    }

    #[test]
    fn the_help_line_is_the_persons_own_contact_or_closer_about() {
        let mut config = Config::default_config();
        assert!(help_line(&config).contains("`closer about`"));
        config.crisis = "Samaritans, 116 123".into();
        assert_eq!(
            help_line(&config),
            "If it ever feels like too much, your crisis contact is there: Samaritans, 116 123."
        );
    }
}
