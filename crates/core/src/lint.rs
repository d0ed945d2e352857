//! Checks on the content as a whole, beyond what one prompt can show: each ladder's rungs
//! are in order and closely spaced, discreet titles say nothing about closeness, and no
//! two bodies say the same thing. `closer check` runs these over the shipped packs and the
//! user's, after user packs have replaced shipped prompts. Pure.
//!
//! Steps with the same ladder and rung are wordings (variants) of one rung: a rung is
//! counted, ordered and spaced once, and its variants share its distress. No two ladders
//! ought to carry the same distress series, and the variants of a rung ought to touch the
//! same fears, being one exposure (`closer check` warns of both). Variants are held
//! to the near-duplicate check like any two prompts: wording that repeats itself is what
//! variants exist to avoid.

use std::collections::{BTreeMap, BTreeSet};

use crate::content::{Category, Ladder, Library, Prompt};
use crate::diag::Diagnostic;

/// The largest step in expected distress between neighbouring rungs.
pub const MAX_RUNG_STEP: f32 = 1.5;
/// The largest gap between neighbouring rungs of a person's own ladder before `check`
/// warns and proposes a step between them.
pub const MAX_PERSONAL_GAP: f32 = 2.0;
/// How many rungs a ladder has.
pub const RUNGS: std::ops::RangeInclusive<usize> = 10..=12;

/// Words that may not appear in a discreet title: they would tell anyone glancing at the
/// screen what the notification is about.
pub const NOT_DISCREET: &[&str] = &[
    "intimacy",
    "intimate",
    "love",
    "lover",
    "partner",
    "sex",
    "sexual",
    "touch",
    "hug",
    "kiss",
    "fear",
    "afraid",
    "anxiety",
    "anxious",
    "therapy",
    "lonely",
    "loneliness",
    "relationship",
    "closeness",
    "body",
    "critic",
    "shame",
    "date",
    "dating",
    "romance",
    "romantic",
];

/// Two bodies whose sets of words overlap this much say the same thing.
const NEAR_DUPLICATE: f64 = 0.8;

/// Every problem found in `library`.
pub fn lint(library: &Library) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    ladders(library, &mut problems);
    discreet_titles(library, &mut problems);
    duplicates(library, &mut problems);
    problems
}

fn at(prompt: &Prompt, key: &str, message: String) -> Diagnostic {
    Diagnostic {
        path: prompt.origin.clone(),
        line: prompt.position.0,
        column: prompt.position.1,
        key: key.to_owned(),
        message,
    }
}

fn ladders(library: &Library, problems: &mut Vec<Diagnostic>) {
    let mut by_ladder: BTreeMap<Ladder, BTreeMap<u8, Vec<&Prompt>>> = BTreeMap::new();
    for p in library.iter().filter(|p| p.category == Category::Step) {
        if let Some((ladder, rung)) = p.group() {
            by_ladder
                .entry(ladder)
                .or_default()
                .entry(rung)
                .or_default()
                .push(p);
        }
    }
    for (ladder, rungs) in by_ladder {
        // Variants of a rung are wordings of one step: the rung is counted, ordered and
        // spaced once, with the distress its first variant gives and the others share.
        let first: Vec<&Prompt> = rungs.values().map(|v| v[0]).collect();
        for variants in rungs.values() {
            for v in &variants[1..] {
                if v.distress != variants[0].distress {
                    problems.push(at(
                        v,
                        "prompt.distress",
                        format!(
                            "distress {} differs from {} given by `{}`, another wording of rung {}; the variants of a rung share its distress",
                            v.distress.unwrap_or(0.0),
                            variants[0].distress.unwrap_or(0.0),
                            variants[0].id,
                            v.rung.unwrap_or(0)
                        ),
                    ));
                }
            }
        }
        // A person's own ladder is theirs: any number of rungs, and a wide gap is a
        // warning (`warnings`), not a fault.
        let personal = library.ladder(ladder).is_some_and(|l| l.personal);
        if !personal && !RUNGS.contains(&first.len()) {
            problems.push(at(
                first[0],
                "prompt.rung",
                format!(
                    "the {ladder} ladder has {} rungs; a ladder has {} to {}",
                    first.len(),
                    RUNGS.start(),
                    RUNGS.end()
                ),
            ));
        }
        for (i, step) in first.iter().enumerate() {
            let expected = i as u8 + 1;
            if step.rung != Some(expected) {
                problems.push(at(
                    step,
                    "prompt.rung",
                    format!(
                        "the {ladder} ladder's rungs should run 1, 2, 3… without gaps; this one is {} where {expected} was expected",
                        step.rung.unwrap_or(0)
                    ),
                ));
                break;
            }
        }
        for pair in first.windows(2) {
            let (lower, upper) = (
                pair[0].distress.unwrap_or(0.0),
                pair[1].distress.unwrap_or(0.0),
            );
            if upper < lower {
                problems.push(at(
                    pair[1],
                    "prompt.distress",
                    format!("distress {upper} is below the rung beneath it ({lower}); rungs go from easy to hard"),
                ));
            } else if !personal && upper - lower > MAX_RUNG_STEP + f32::EPSILON {
                problems.push(at(
                    pair[1],
                    "prompt.distress",
                    format!(
                        "distress {upper} is {:.1} above the rung beneath it ({lower}); at most {MAX_RUNG_STEP}: add a step between them",
                        upper - lower
                    ),
                ));
            }
        }
    }
}

/// What `closer check` points out without failing: two ladders carrying the same
/// distress series from their third rung up, a sign one was copied rather than estimated;
/// wordings of one rung that touch different fears; wide gaps on a person's own ladder.
pub fn warnings(library: &Library) -> Vec<Diagnostic> {
    let mut warnings = personal_gaps(library);
    warnings.extend(copied_series(library));
    warnings.extend(variant_fears(library));
    warnings
}

/// Wordings of one rung share its progression, so they must be one exposure: the same
/// fear, the same kind of act, the same expected distress. The fears are what a check
/// can read; a wording whose fears differ from the rung's first wording is pointed out.
fn variant_fears(library: &Library) -> Vec<Diagnostic> {
    let mut rungs: BTreeMap<(Ladder, u8), Vec<&Prompt>> = BTreeMap::new();
    for p in library.iter().filter(|p| p.category == Category::Step) {
        if let Some(group) = p.group() {
            rungs.entry(group).or_default().push(p);
        }
    }
    let fears = |p: &Prompt| -> BTreeSet<_> { p.fear.iter().copied().collect() };
    let named = |p: &Prompt| {
        let words: Vec<&str> = fears(p).iter().map(|f| f.as_str()).collect();
        if words.is_empty() {
            "none".to_owned()
        } else {
            words.join(", ")
        }
    };
    let mut warnings = Vec::new();
    for ((ladder, rung), mut variants) in rungs {
        // Measured against the shipped wordings first (their origin is relative), so a
        // wording in the person's own pack is the one pointed at.
        variants.sort_by_key(|p| (p.origin.is_absolute(), p.origin.clone(), p.position));
        let first = variants[0];
        for v in &variants[1..] {
            if fears(v) != fears(first) {
                warnings.push(at(
                    v,
                    "prompt.fear",
                    format!(
                        "touches {} where `{}`, another wording of rung {rung} of the {ladder} ladder, touches {}; the wordings of a rung are one exposure: give them the same fears, or move this one to a rung of its own",
                        named(v),
                        first.id,
                        named(first)
                    ),
                ));
            }
        }
    }
    warnings
}

/// Two ladders carrying the same distress series from their third rung up.
fn copied_series(library: &Library) -> Vec<Diagnostic> {
    // Each ladder's distress, rung by rung, as its first wording of each rung gives it.
    let mut series: BTreeMap<Ladder, (&Prompt, BTreeMap<u8, f32>)> = BTreeMap::new();
    for p in library.iter().filter(|p| p.category == Category::Step) {
        if let Some((ladder, rung)) = p.group() {
            let (first, rungs) = series.entry(ladder).or_insert((p, BTreeMap::new()));
            if p.rung < first.rung {
                *first = p;
            }
            rungs.entry(rung).or_insert(p.distress.unwrap_or(0.0));
        }
    }
    let series: Vec<(Ladder, &Prompt, Vec<f32>)> = series
        .into_iter()
        .map(|(l, (first, rungs))| (l, first, rungs.into_values().collect()))
        .collect();
    let mut warnings = Vec::new();
    for (i, (a, _, da)) in series.iter().enumerate() {
        for (b, first, db) in &series[i + 1..] {
            if copied(da, db) {
                warnings.push(at(
                    first,
                    "prompt.distress",
                    format!(
                        "the {b} ladder's distress runs {} from its third rung, as the {a} ladder's does; estimate each ladder's rungs on their own",
                        db[2..].iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    warnings
}

/// Gaps of more than [`MAX_PERSONAL_GAP`] points between neighbouring rungs of a
/// person's own ladder: a step in between makes the climb gentler.
fn personal_gaps(library: &Library) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for info in library.ladders().filter(|l| l.personal) {
        let mut steps: Vec<&Prompt> = library
            .iter()
            .filter(|p| p.ladder == Some(info.id))
            .collect();
        steps.sort_by(|a, b| a.rung.cmp(&b.rung).then(a.position.cmp(&b.position)));
        steps.dedup_by_key(|p| p.rung);
        for pair in steps.windows(2) {
            let (lower, upper) = (
                pair[0].distress.unwrap_or(0.0),
                pair[1].distress.unwrap_or(0.0),
            );
            if upper - lower > MAX_PERSONAL_GAP + f32::EPSILON {
                warnings.push(at(
                    pair[1],
                    "prompt.distress",
                    format!(
                        "a jump of {:.1} points from \"{}\" ({lower}) on the `{}` ladder; a step near {:.1} in between makes the climb gentler (`closer ladder add {} \"…\" --distress {:.0}`)",
                        upper - lower,
                        pair[0].body,
                        info.id,
                        f32::midpoint(lower, upper),
                        info.id,
                        f32::midpoint(lower, upper).round()
                    ),
                ));
            }
        }
    }
    warnings
}

/// Whether two ladders carry the same distress series from their third rung up (the
/// first rungs, done alone, are alike by nature).
fn copied(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.len() > 4 && a[2..] == b[2..]
}

fn discreet_titles(library: &Library, problems: &mut Vec<Diagnostic>) {
    for p in library.iter() {
        if let Some(title) = &p.discreet_title
            && let Some(word) = not_discreet(title)
        {
            problems.push(at(
                p,
                "prompt.discreet_title",
                format!("\"{title}\" says \"{word}\"; a discreet title must not hint at what the prompt is about"),
            ));
        }
    }
}

/// The first word of `NOT_DISCREET` in `title`, if any.
pub fn not_discreet(title: &str) -> Option<&'static str> {
    let words = words(title);
    NOT_DISCREET
        .iter()
        .copied()
        .find(|w| words.contains(*w) || words.contains(format!("{w}s").as_str()))
}

fn duplicates(library: &Library, problems: &mut Vec<Diagnostic>) {
    // A person's own steps are their own words, checked for exact repeats on loading.
    let personal = |p: &Prompt| {
        p.ladder
            .and_then(|l| library.ladder(l))
            .is_some_and(|l| l.personal)
    };
    let prompts: Vec<(&Prompt, BTreeSet<String>)> = library
        .iter()
        .filter(|p| !personal(p))
        .map(|p| (p, words(&p.body)))
        .collect();
    for (i, (a, aw)) in prompts.iter().enumerate() {
        for (b, bw) in &prompts[i + 1..] {
            let shared = aw.intersection(bw).count() as f64;
            let all = aw.union(bw).count().max(1) as f64;
            if shared / all >= NEAR_DUPLICATE {
                problems.push(at(
                    b,
                    "prompt.body",
                    format!(
                        "says nearly the same as `{}` ({}:{}); make each prompt its own idea",
                        a.id,
                        a.origin.display(),
                        a.position.0
                    ),
                ));
            }
        }
    }
}

fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::content::top;
    use crate::content::{Event, Fear, Needs};
    use crate::diag::Source;
    use crate::planner::Planner;

    fn library(text: &str) -> Library {
        let mut library = Library::default();
        let mut diags = Vec::new();
        library.add_pack(&Source::new("t.toml", text), false, &mut diags);
        assert!(diags.is_empty(), "{diags:#?}");
        library
    }

    fn step(id: &str, rung: u8, distress: f32, body: &str) -> String {
        format!(
            "[[prompt]]\nid = \"{id}\"\ncategory = \"step\"\nladder = \"emotional\"\nrung = {rung}\n\
             distress = {distress}\ntitle = \"T\"\nbody = \"{body}\"\n"
        )
    }

    #[test]
    fn the_shipped_content_passes_every_check() {
        let (library, diags) = Library::load(None);
        assert!(diags.is_empty(), "{diags:#?}");
        let problems = lint(&library);
        // Wordings that differ in fears are held by their own test below, until the
        // ladders' rungs are made one exposure each.
        let warnings: Vec<String> = warnings(&library)
            .iter()
            .filter(|w| w.key != "prompt.fear")
            .map(ToString::to_string)
            .collect();
        assert!(warnings.is_empty(), "{warnings:#?}");
        assert!(
            problems.is_empty(),
            "{:#?}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
        for category in Category::ALL {
            assert_eq!(not_discreet(category.discreet_title()), None, "{category}");
        }
    }

    #[test]
    fn the_shipped_content_has_every_ladder_and_enough_of_each_message() {
        let (library, _) = Library::load(None);
        for ladder in Ladder::ALL {
            let rungs: BTreeMap<u8, usize> = library
                .iter()
                .filter(|p| p.ladder == Some(*ladder))
                .fold(BTreeMap::new(), |mut m, p| {
                    *m.entry(p.rung.unwrap_or(0)).or_default() += 1;
                    m
                });
            assert!(
                RUNGS.contains(&rungs.len()),
                "{ladder}: {} rungs",
                rungs.len()
            );
            // Every rung has two or three wordings, so the same words do not wear out.
            for (rung, variants) in rungs {
                assert!(
                    (2..=3).contains(&variants),
                    "{ladder} rung {rung}: {variants} variants"
                );
            }
        }
        let minimum = [
            (Category::Compassion, 60),
            (Category::Setback, 20),
            (Category::Critic, 20),
            (Category::Reflect, 25),
            (Category::Learn, 15),
            (Category::Support, 25),
        ];
        for (category, least) in minimum {
            let n = library.iter().filter(|p| p.category == category).count();
            assert!(n >= least, "{category}: {n} < {least}");
        }
        for p in library.iter() {
            assert!(
                p.body.chars().count() <= crate::content::MAX_BODY,
                "{}",
                p.id
            );
        }
    }

    /// Shipped prompts the default config sends: on by default, and not sensitive (those
    /// wait for an opt-in).
    fn default_on<'a>(library: &'a Library, config: &Config) -> Vec<&'a Prompt> {
        library
            .iter()
            .filter(|p| config.enables(p) && !p.sensitive)
            .collect()
    }

    #[test]
    fn every_fear_has_at_least_six_default_steps() {
        let (library, _) = Library::load(None);
        let config = Config::default_config();
        let steps: Vec<&Prompt> = default_on(&library, &config)
            .into_iter()
            .filter(|p| p.category == Category::Step)
            .collect();
        for fear in Fear::ALL {
            let n = steps.iter().filter(|p| p.fear.contains(fear)).count();
            assert!(n >= 6, "{fear}: {n} default steps");
        }
    }

    #[test]
    fn every_step_says_why_what_it_lets_go_of_whom_it_needs_and_its_fear() {
        let (library, _) = Library::load(None);
        for p in library.iter().filter(|p| p.category == Category::Step) {
            assert!(p.why.is_some(), "{} has no `why`", p.id);
            assert!(p.fade.is_some(), "{} has no `fade`", p.id);
            assert!(p.needs.is_some(), "{} has no `needs`", p.id);
            assert!(!p.fear.is_empty(), "{} has no `fear`", p.id);
        }
    }

    #[test]
    fn every_shipped_step_names_what_people_fear_from_it() {
        // The follow-up asks whether the feared outcome happened, in these words.
        let (library, _) = Library::load(None);
        let missing: Vec<&str> = library
            .iter()
            .filter(|p| p.category == Category::Step && p.feared.is_none())
            .map(|p| p.id.as_str())
            .collect();
        assert!(missing.is_empty(), "no `feared`: {missing:?}");
    }

    #[test]
    fn the_wordings_of_each_shipped_rung_touch_the_same_fears() {
        let (library, _) = Library::load(None);
        let differing: Vec<String> = variant_fears(&library)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(differing.is_empty(), "{differing:#?}");
    }

    #[test]
    fn every_rung_of_every_shipped_ladder_has_a_wording_that_needs_nobody_close() {
        // With `people = "few"` that wording is always the one sent; without it, a
        // person with nobody close meets a dead end on that rung.
        let (library, _) = Library::load(None);
        let mut rungs: BTreeMap<(Ladder, u8), bool> = BTreeMap::new();
        for p in library.iter().filter(|p| p.category == Category::Step) {
            *rungs.entry(p.group().unwrap()).or_default() |= p.needs() != Needs::Close;
        }
        let dead_ends: Vec<String> = rungs
            .into_iter()
            .filter(|(_, open)| !open)
            .map(|((ladder, rung), _)| format!("{ladder} {rung}"))
            .collect();
        assert!(
            dead_ends.is_empty(),
            "rungs with no wording for someone with few people: {dead_ends:?}"
        );
    }

    #[test]
    fn wordings_of_a_rung_that_touch_different_fears_are_pointed_out() {
        let mut text = String::new();
        for (i, d) in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.5, 7.0, 7.5, 8.0]
            .iter()
            .enumerate()
        {
            text += &step(
                &format!("s{i}"),
                i as u8 + 1,
                *d,
                &format!("Step {i} alone"),
            );
            text += "fear = [\"rejection\"]\n";
        }
        text += &step("s6-same", 7, 6.5, "Another wording, the same fear");
        text += "fear = [\"rejection\"]\n";
        text += &step("s6-other", 7, 6.5, "A wording that says no");
        text += "fear = [\"engulfment\"]\n";
        let library = library(&text);
        assert!(lint(&library).is_empty());
        let warnings: Vec<String> = warnings(&library).iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0].contains(
                "`prompt.fear`: touches engulfment where `s6`, another wording of rung 7 of the emotional ladder, touches rejection"
            ),
            "{warnings:#?}"
        );
    }

    #[test]
    fn the_first_rungs_work_with_nobody_close_and_the_sexual_ladder_without_a_partner() {
        let (library, _) = Library::load(None);
        let config = Config::default_config();
        let has = |ladder: Ladder, rung: u8, ok: &dyn Fn(&Prompt) -> bool| {
            library
                .iter()
                .any(|p| p.group() == Some((ladder, rung)) && ok(p))
        };
        for ladder in &config.ladders {
            for rung in 1..=5 {
                assert!(
                    has(*ladder, rung, &|p| p.needs() != Needs::Close),
                    "{ladder} rung {rung} needs someone close in every wording"
                );
            }
        }
        for rung in 1..=top(&library, Ladder::Sexual) {
            assert!(
                has(Ladder::Sexual, rung, &|p| !p.body.contains("partner")),
                "sexual rung {rung} needs a partner in every wording"
            );
        }
    }

    #[test]
    fn every_rung_has_a_wording_that_waits_for_no_event() {
        // Moving up needs a rung done on two days; a wording that waits for someone else
        // to act first ("when someone compliments you") may not come twice, so each rung
        // has at least one that can be done on any day.
        const WAITING: &[&str] = &[
            "When someone ",
            "If someone ",
            "Next time ",
            "When you get ",
        ];
        let (library, _) = Library::load(None);
        let mut rungs: BTreeMap<(Ladder, u8), bool> = BTreeMap::new();
        for p in library.iter().filter(|p| p.category == Category::Step) {
            let any_day = !WAITING.iter().any(|w| p.body.starts_with(w));
            *rungs.entry(p.group().unwrap()).or_default() |= any_day;
        }
        for ((ladder, rung), any_day) in rungs {
            assert!(
                any_day,
                "{ladder} rung {rung} waits for an event in every wording"
            );
        }
    }

    /// Words that push, shame or promise: none may appear in a shipped body.
    const PRESSURE: &[&str] = &[
        "should",
        "must",
        "you have to",
        "you need to",
        "you ought",
        "streak",
        "failure",
        "failing",
        "lazy",
        "no excuses",
        "you'll feel better",
        "guaranteed",
        "cured",
        "don't give up",
    ];

    #[test]
    fn no_body_pressures_or_assumes_a_partner() {
        let (library, _) = Library::load(None);
        for p in library.iter() {
            let body = p.body.to_lowercase();
            for word in PRESSURE {
                let found = body.match_indices(word).any(|(i, w)| {
                    let letter = |c: char| c.is_alphanumeric();
                    !body[..i].ends_with(letter) && !body[i + w.len()..].starts_with(letter)
                });
                assert!(!found, "{} says \"{word}\": {}", p.id, p.body);
            }
            // A partner is only assumed in opt-in content; elsewhere friends and family
            // stand beside one.
            let opt_in =
                p.category == Category::Support || p.ladder.is_some_and(Ladder::off_by_default);
            if !opt_in && body.contains("partner") {
                assert!(
                    !body.contains("your partner") && body.contains("friend"),
                    "{} assumes a partner: {}",
                    p.id,
                    p.body
                );
            }
            assert!(
                p.body.chars().count() <= crate::content::MAX_BODY,
                "{}",
                p.id
            );
        }
    }

    /// What a message says happened, by the words it says it in, and the only events
    /// after which that is true. Only plain statements count: a sentence that begins
    /// "If…" or "When…" supposes rather than says. Words a claim matched are not read
    /// again by the claims below it ("part of what you feared happened" is not "what you
    /// feared happened").
    const CLAIMS: &[(&str, &[&str], &[Event])] = &[
        (
            "the step was too much",
            &["felt too hard", "was too much", "felt too much"],
            &[Event::TooMuch],
        ),
        (
            "the ladder stepped back",
            &["easier rung", "back a rung", "down a rung", "moved back"],
            &[Event::RungDown],
        ),
        (
            "the ladder restarted lower after time away",
            &["rung lower", "welcome back", "time away"],
            &[Event::Return],
        ),
        (
            "part of what was feared happened",
            &["part of what you feared", "some of what you dreaded"],
            &[Event::FearedPartly],
        ),
        (
            "what was feared happened",
            &[
                "what you feared happened",
                "what you were afraid of happened",
                "came true this time",
                "went the way you dreaded",
                "it went badly",
            ],
            &[Event::FearedHappened],
        ),
        (
            "what was feared did not happen",
            &["feared didn't happen", "dreaded didn't come"],
            &[Event::FearedDidNotHappen],
        ),
    ];

    /// The sentences of `text` that state rather than suppose, in lower case.
    fn statements(text: &str) -> Vec<String> {
        const SUPPOSING: &[&str] = &["if ", "even if ", "when ", "whether "];
        text.to_lowercase()
            .split_inclusive(['.', '?', '!', ':'])
            .map(|s| s.trim().to_owned())
            .filter(|s| !SUPPOSING.iter().any(|w| s.starts_with(w)))
            .collect()
    }

    /// The events after which a message may go out: its `after`; untagged, a setback
    /// message follows any skipped or hard step and a compassion message any moment.
    fn moments(p: &Prompt) -> Vec<Event> {
        match (p.after.is_empty(), p.category) {
            (false, _) => p.after.clone(),
            (true, Category::Setback) => vec![Event::Skip, Event::Hard],
            (true, _) => Event::ALL.to_vec(),
        }
    }

    #[test]
    fn no_shipped_exercise_is_spread_over_days() {
        // A series goes out one part per occurrence of its rule, and every shipped rule
        // comes once a day at most: a thought record in six parts asked on day 4 for the
        // facts of a thought from day 1. An exercise for one sitting is one message.
        let (library, _) = Library::load(None);
        for p in library.iter() {
            assert!(p.series.is_none(), "{} is part of a series", p.id);
        }
        let record = library.get("critic-one-minute-check").unwrap();
        for part in [
            "what happened",
            "felt",
            "thought",
            "for and against",
            "fairer",
        ] {
            assert!(
                record.body.contains(part),
                "the thought record lacks {part}"
            );
        }
    }

    #[test]
    fn every_message_says_only_what_its_events_make_true() {
        let (library, _) = Library::load(None);
        let messages = library
            .iter()
            .filter(|p| p.category != Category::Step && p.category != Category::Support);
        for p in messages {
            let events = moments(p);
            let mut said = statements(&format!("{}. {}", p.title, p.body));
            for (claim, words, true_after) in CLAIMS {
                let says = said.iter().any(|s| words.iter().any(|w| s.contains(w)));
                for s in &mut said {
                    for w in *words {
                        *s = s.replace(w, "…");
                    }
                }
                assert!(
                    !says || events.iter().all(|e| true_after.contains(e)),
                    "{} says {claim} (\"{}\") but may go out after {events:?}",
                    p.id,
                    p.body
                );
            }
            // It may follow the very first step: nothing presumes steps before it.
            let body = p.body.to_lowercase();
            for earlier in ["already taken", "the ones you've", "steps you've taken"] {
                assert!(!body.contains(earlier), "{} presumes earlier steps", p.id);
            }
            // A message for a step that was done, or where what was feared did not
            // happen, speaks of no setback, even as a supposition.
            if p.after
                .iter()
                .any(|e| matches!(e, Event::Done | Event::FearedDidNotHappen))
            {
                let text = format!("{} {}", p.title, p.body).to_lowercase();
                for word in [
                    "setback",
                    "too hard",
                    "too much",
                    "went badly",
                    "didn't work",
                ] {
                    assert!(
                        !text.contains(word),
                        "{} may follow a step that went well, yet says \"{word}\"",
                        p.id
                    );
                }
            }
        }
    }

    #[test]
    fn each_outcome_of_a_step_has_messages_of_its_own() {
        let (library, _) = Library::load(None);
        let answering = |event: Event, category: Category| {
            library
                .iter()
                .filter(|p| p.category == category && p.after.contains(&event))
                .count()
        };
        for category in [Category::Setback, Category::Compassion] {
            assert!(
                answering(Event::FearedDidNotHappen, category) >= 2,
                "{category}"
            );
            assert!(answering(Event::FearedPartly, category) >= 1, "{category}");
        }
        for event in [Event::TooMuch, Event::RungDown, Event::Return, Event::Skip] {
            assert!(answering(event, Category::Setback) >= 1, "{event}");
        }
    }

    #[test]
    fn when_it_went_badly_there_are_messages_that_say_so() {
        let (library, _) = Library::load(None);
        let after: Vec<&Prompt> = library
            .iter()
            .filter(|p| p.after.contains(&Event::FearedHappened))
            .collect();
        assert!(after.len() >= 5, "{} messages", after.len());
        // The ones that play it down wait for answers where the feared thing did not happen.
        for id in ["setback-did-it-happen", "setback-went-badly"] {
            let p = library.get(id).unwrap();
            assert!(
                !p.after.is_empty() && !p.after.contains(&Event::FearedHappened),
                "{id}"
            );
        }
        // A message that names today belongs to a part of the day.
        for p in library.iter().filter(|p| p.category != Category::Step) {
            let body = p.body.to_lowercase();
            if ["today", "tonight", "this morning", "this evening"]
                .iter()
                .any(|w| body.contains(w))
            {
                assert!(p.time.is_some(), "{} names the day without a `time`", p.id);
            }
        }
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Coverage {
        topic: Vec<Topic>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Topic {
        name: String,
        /// The topic lives only in content a person turns on.
        #[serde(default)]
        opt_in: bool,
        prompts: Vec<String>,
        /// Prompts of a default topic that are in opt-in content.
        #[serde(default)]
        opt_in_prompts: Vec<String>,
    }

    /// The topics of the article closer grew from, one by one.
    const TOPICS: &[&str] = &[
        "kinds of intimacy",
        "intimacy needs vulnerability",
        "warning signs: a run of short relationships",
        "warning signs: affairs",
        "warning signs: pushing a partner away",
        "warning signs: physical closeness used in place of emotional",
        "communicating needs",
        "fear of being left (abandonment)",
        "fear of being swallowed up (engulfment)",
        "fear of rejection and social anxiety",
        "childhood roots",
        "trouble taking in affection",
        "fear set off by good feelings",
        "naming emotions",
        "small steps and meeting new people",
        "talking openly about the fear with someone trusted",
        "the avoidance loop",
        "mindfulness and daily enjoyment",
        "CBT and reframing",
        "medication is a doctor's decision",
        "finding professional help and the right therapist",
        "depression, anxiety or substance use alongside the fear",
        "accepting uncertainty",
        "only with people you trust",
        "self-compassion and limits",
        "the past is not the only blueprint",
        "the inner voice",
        "goals",
        "patience and setbacks",
        "for supporters: patience",
        "for supporters: appreciating the commitment",
        "for supporters: not taking it personally",
        "for supporters: not prying",
        "for supporters: encouraging help",
    ];

    /// How many days of a default user's plan must hold every topic.
    const COVERAGE_DAYS: i64 = 60;

    /// The prompts planned for a default user in their first [`COVERAGE_DAYS`] days, as
    /// `closer next` plans them: the built-in config, the shipped content, the seed, a
    /// Monday start, and a person who answers nothing (so every ladder stays on its
    /// first rung and steps thin out to every other one).
    fn planned_for_a_default_user(seed: u64) -> BTreeSet<String> {
        let config = Config::default_config();
        let (library, _) = Library::load(None);
        let start = chrono::DateTime::parse_from_rfc3339("2027-01-04T00:00:00Z")
            .unwrap()
            .to_utc();
        let end = start + chrono::TimeDelta::days(COVERAGE_DAYS);
        Planner::new(&config, &library, seed)
            .through(&crate::planner::State::default(), start, end)
            .into_iter()
            .filter(|f| f.at <= end)
            .filter_map(|f| f.prompt)
            .collect()
    }

    /// The seed of the default user the coverage is planned for.
    const COVERAGE_SEED: u64 = 0;

    #[test]
    fn every_topic_of_the_article_is_planned_for_a_default_user_within_60_days() {
        let coverage: Coverage =
            toml::from_str(include_str!("../../../docs/coverage.toml")).unwrap();
        let names: Vec<&str> = coverage.topic.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, TOPICS);
        let (library, _) = Library::load(None);
        let config = Config::default_config();
        let on = default_on(&library, &config);
        let is_on = |id: &String| on.iter().any(|p| &p.id == id);
        for topic in &coverage.topic {
            assert!(!topic.prompts.is_empty(), "{}", topic.name);
            for id in topic.prompts.iter().chain(&topic.opt_in_prompts) {
                assert!(
                    library.get(id).is_some(),
                    "{}: no prompt `{id}`",
                    topic.name
                );
            }
            for id in &topic.prompts {
                assert_eq!(
                    is_on(id),
                    !topic.opt_in,
                    "{}: `{id}` is {} a default user can receive; the topic is {}",
                    topic.name,
                    if is_on(id) { "one" } else { "none" },
                    if topic.opt_in { "opt_in" } else { "not opt_in" }
                );
            }
            for id in &topic.opt_in_prompts {
                assert!(!is_on(id), "{}: `{id}` is on by default", topic.name);
            }
        }
        let planned = planned_for_a_default_user(COVERAGE_SEED);
        for topic in coverage.topic.iter().filter(|t| !t.opt_in) {
            assert!(
                topic.prompts.iter().any(|id| planned.contains(id)),
                "{}: none of its prompts is planned for a default user in {COVERAGE_DAYS} days; \
                 a compassion or reflect message on it makes that likely for any seed",
                topic.name
            );
        }
    }

    #[test]
    fn each_topic_reaches_nearly_every_default_user_not_only_a_lucky_seed() {
        // A person's seed is random, and messages are drawn from pools larger than 60
        // days of slots, so no seed is certain to see a topic; a topic with one learn
        // message reached only about one in five. Each must reach three in four of 32.
        let coverage: Coverage =
            toml::from_str(include_str!("../../../docs/coverage.toml")).unwrap();
        let plans: Vec<BTreeSet<String>> = (0..32).map(planned_for_a_default_user).collect();
        for topic in coverage.topic.iter().filter(|t| !t.opt_in) {
            let reached = plans
                .iter()
                .filter(|planned| topic.prompts.iter().any(|id| planned.contains(id)))
                .count();
            assert!(
                reached * 4 >= plans.len() * 3,
                "{}: planned in {COVERAGE_DAYS} days for {reached} of {} default users",
                topic.name,
                plans.len()
            );
        }
    }

    #[test]
    fn the_default_config_sends_every_kind_of_message() {
        // Critic and learn messages once reached nobody: the default config sent step,
        // compassion and reflect only.
        let (library, _) = Library::load(None);
        let planned = planned_for_a_default_user(COVERAGE_SEED);
        for category in [
            Category::Step,
            Category::Compassion,
            Category::Critic,
            Category::Reflect,
            Category::Learn,
        ] {
            let n = planned
                .iter()
                .filter(|id| library.get(id).is_some_and(|p| p.category == category))
                .count();
            assert!(n >= 4, "{category}: {n} in {COVERAGE_DAYS} days");
        }
    }

    #[test]
    fn nothing_off_by_default_can_be_chosen_with_the_default_config() {
        let config = Config::default_config();
        let (library, _) = Library::load(None);
        let planner = Planner::new(&config, &library, 5);
        let rungs = (1..=12).map(|r| Ladder::ALL.iter().map(move |l| (*l, r)));
        for rung in rungs {
            let rungs: BTreeMap<Ladder, u8> = rung.collect();
            for category in Category::ALL {
                for p in planner.pool(*category, &rungs) {
                    assert!(
                        !p.ladder.is_some_and(Ladder::off_by_default),
                        "{} is off by default",
                        p.id
                    );
                    assert_ne!(p.category, Category::Support, "{} is off by default", p.id);
                }
            }
        }
    }

    #[test]
    fn ladders_out_of_order_or_too_far_apart_are_reported() {
        let mut text = String::new();
        let distress = [1.0, 2.0, 3.5, 3.0, 4.0, 4.5, 5.0, 6.0, 7.0, 9.0];
        for (i, d) in distress.iter().enumerate() {
            text += &step(
                &format!("s{i}"),
                i as u8 + 1,
                *d,
                &format!("Step number {i} alone"),
            );
        }
        let problems: Vec<String> = lint(&library(&text))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].contains("distress 3 is below the rung beneath it (3.5)"),
            "{problems:#?}"
        );
        assert!(
            problems[1].contains("distress 9 is 2.0 above"),
            "{problems:#?}"
        );

        let short = step("a", 1, 1.0, "One") + &step("b", 3, 2.0, "Two");
        let problems: Vec<String> = lint(&library(&short))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(problems[0].contains("has 2 rungs"), "{problems:#?}");
        assert!(
            problems[1].contains("this one is 3 where 2 was expected"),
            "{problems:#?}"
        );
    }

    #[test]
    fn variants_share_their_rung_and_copied_series_are_reported() {
        let distress = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 5.5, 6.0, 7.0];
        let mut text = String::new();
        for ladder in ["emotional", "spiritual"] {
            for (i, d) in distress.iter().enumerate() {
                text += &step(
                    &format!("{ladder}-{i}"),
                    i as u8 + 1,
                    *d,
                    &format!("{ladder} {i} one"),
                )
                .replace("\"emotional\"", &format!("\"{ladder}\""));
            }
        }
        // A second wording of emotional rung 2: counted once, but its distress must match.
        text += &step("emotional-1b", 2, 1.5, "Another wording entirely");
        text += &step("emotional-2b", 3, 2.5, "Yet a third wording here");
        let library = library(&text);
        let problems: Vec<String> = lint(&library).iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].contains(
                "distress 2.5 differs from 2 given by `emotional-2`, another wording of rung 3"
            ),
            "{problems:#?}"
        );
        let warnings: Vec<String> = warnings(&library).iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0].contains("the spiritual ladder's distress runs 2, 2.5, 3, 4, 5, 5.5, 6, 7 from its third rung, as the emotional ladder's does"),
            "{warnings:#?}"
        );
    }

    #[test]
    fn telling_titles_and_repeated_bodies_are_reported() {
        let text = "[[prompt]]\nid = \"a\"\ncategory = \"learn\"\ntitle = \"T\"\ndiscreet_title = \"About your partners\"\n\
                    body = \"Fear tends to shrink when you meet it in small steps.\"\n\n\
                    [[prompt]]\nid = \"b\"\ncategory = \"learn\"\ntitle = \"T\"\n\
                    body = \"Fear tends to shrink when you meet it in small, steps!\"\n";
        let problems: Vec<String> = lint(&library(text))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].contains("says \"partner\""), "{problems:#?}");
        assert!(
            problems[1].contains("t.toml:8:1: `prompt.body`: says nearly the same as `a`"),
            "{problems:#?}"
        );
    }
}
