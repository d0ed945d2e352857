//! The progress report: one self-contained HTML page (inline CSS and SVG, no scripts, no
//! fonts or anything else fetched) drawn from the journal — a plain summary, each
//! ladder's rung over time with how hard each answered step felt, and the answers as a
//! calendar — and the two or three lines of the weekly summary notification.
//!
//! Pure: the caller reads the journal and passes `now`; the same input gives the same
//! bytes (no clock, no hash-ordered maps, integers only in the text). Charts are drawn by
//! plotters' SVG backend; the calendar is an HTML grid (layout, not chart arithmetic), so
//! its dates stay text. The notification lines name no ladder and no prompt: they may be
//! read on a screen others see.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use plotters::coord::combinators::{BindKeyPoints, WithKeyPoints};
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;

use crate::content::{Category, Ladder, Library};
use crate::history::Words;
use crate::journal::{AnswerKind, Distress, Entry, Happened};
use crate::record::top;
use crate::say::{count, times};

/// Everything the report is drawn from; the caller reads it.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The whole journal (`Journal::entries(None)`): answers may name prompts sent
    /// before the window, and a ladder's rung at the window's start comes from older moves.
    pub entries: &'a [Entry],
    /// For ladder tops and the titles of steps.
    pub library: &'a Library,
    /// The ladders turned on, in the config's order.
    pub ladders: &'a [Ladder],
    /// Days start and end at local midnight in this zone.
    pub tz: Tz,
    pub now: DateTime<Utc>,
    /// How many days back, today included (at least 1).
    pub days: u32,
    /// Why steps are paused, while they are.
    pub steps_paused: Option<&'a str>,
}

/// The whole report, as HTML.
pub fn render(input: &ReportInput) -> String {
    let facts = Facts::digest(input);
    let mut out = String::with_capacity(64 * 1024);
    w(&mut out, format_args!("{HEAD_START}"));
    w(
        &mut out,
        format_args!(
            "<title>closer: {}</title>\n<style>\n{CSS}{}</style>\n</head>\n<body>\n<main>\n",
            facts.window(),
            dark_chart_css()
        ),
    );
    w(
        &mut out,
        format_args!(
            "<header>\n<p class=\"eyebrow\">closer · a picture of {}</p>\n<p class=\"range\">{} to {}</p>\n</header>\n",
            facts.window(),
            facts.first.format("%-d %B %Y"),
            facts.today.format("%-d %B %Y"),
        ),
    );
    if let Some(why) = input.steps_paused {
        w(
            &mut out,
            format_args!(
                "<section class=\"paused\">\n<h2>Steps are paused</h2>\n<p>Steps are paused ({}); only kind \
                 words come for now. A doctor or therapist can help: <code>closer about</code> says where. \
                 <code>closer resume</code> restarts steps when you are ready.</p>\n</section>\n",
                escape(why)
            ),
        );
    }
    if facts.answers.is_empty() {
        empty_state(&mut out, &facts);
    } else {
        summary(&mut out, &facts);
        ladders(&mut out, &facts, input);
        feared(&mut out, input, &facts);
        calendar(&mut out, &facts);
    }
    w(
        &mut out,
        format_args!("{FOOTER}</main>\n</body>\n</html>\n"),
    );
    out
}

/// Two or three short lines (each under 90 characters) for the weekly summary
/// notification, over the same window as the report (the daemon passes `days: 7`). They
/// name no ladder and no prompt, so they suit a discreet notification.
pub fn summary_lines(input: &ReportInput) -> Vec<String> {
    let f = Facts::digest(input);
    let during = f.during();
    let t = &f.totals;
    if f.answers.is_empty() {
        return vec![
            format!("Nothing answered {during}, and that is fine."),
            "The next small step is there when you're ready.".to_owned(),
        ];
    }
    let mut lines = Vec::new();
    lines.push(if t.taken() > 0 {
        let felt = match t.hard {
            0 => String::new(),
            h if h == t.taken() && h == 1 => ", and it felt hard".to_owned(),
            h if h == t.taken() => ", and all of them felt hard".to_owned(),
            h => format!("; {h} felt hard"),
        };
        format!(
            "{} you took {}{felt}.",
            capitalized(&during),
            count(t.taken(), "step")
        )
    } else {
        format!(
            "{} you skipped {}, and that is fine.",
            capitalized(&during),
            count(t.skipped, "step")
        )
    });
    let climbed = t.climbed;
    match (climbed, t.skipped > 0 && t.taken() > 0) {
        (0, false) => {}
        (0, true) => lines.push(format!(
            "You skipped {}; skipped steps are part of it.",
            t.skipped
        )),
        (c, false) => lines.push(format!("You climbed {}.", count(c, "rung"))),
        (c, true) => lines.push(format!(
            "You climbed {} and skipped {}; skipped steps are part of it.",
            count(c, "rung"),
            t.skipped
        )),
    }
    let s = &f.setbacks;
    if s.count > 0 && s.recovered == s.count {
        lines.push(format!(
            "Each time a step was hard or skipped, you took another {}.",
            within(s.longest)
        ));
    } else if s.count > 0 {
        lines.push("After a hard or skipped step, the next one is there when you're ready.".into());
    }
    if lines.len() < 2 {
        lines.push("`closer report` draws a picture of the last weeks.".into());
    }
    lines.truncate(3);
    lines
}

/// Appends formatted text; writing to a String cannot fail.
fn w(out: &mut String, args: std::fmt::Arguments) {
    let _ = out.write_fmt(args);
}

// ---------------------------------------------------------------------------------------
// What the journal says about the window.

/// One answer to a step, inside the window.
#[derive(Debug, Clone)]
struct Answered {
    date: NaiveDate,
    /// Minutes since the window's first midnight (local wall-clock time).
    x: i32,
    ladder: Option<Ladder>,
    rung: Option<u8>,
    kind: AnswerKind,
    distress: Option<Distress>,
}

/// Counts over the window, for all ladders or one.
#[derive(Debug, Clone, Default)]
struct Totals {
    done: usize,
    hard: usize,
    skipped: usize,
    /// Rungs gone up, summed over every move up.
    climbed: usize,
    /// Rungs gone down, summed over every move down.
    back: usize,
}

impl Totals {
    fn taken(&self) -> usize {
        self.done + self.hard
    }

    fn add(&mut self, kind: AnswerKind) {
        match kind {
            AnswerKind::Done => self.done += 1,
            AnswerKind::Hard => self.hard += 1,
            AnswerKind::Skip => self.skipped += 1,
            AnswerKind::Snooze | AnswerKind::NoChance => {}
        }
    }
}

/// Hard or skipped steps, and how they passed: an episode starts with a hard or skipped
/// step and ends with the next step done.
#[derive(Debug, Clone, Default)]
struct Setbacks {
    count: usize,
    recovered: usize,
    /// The most days from an episode's start to the step that ended it.
    longest: i64,
}

#[derive(Debug, Clone)]
struct LadderFacts {
    ladder: Ladder,
    /// A person's own ladder's name (`history::Words`: also once the content no longer
    /// has it); None for a shipped ladder.
    own_name: Option<String>,
    /// What it is about, in a few words.
    what: String,
    top: u8,
    start_rung: u8,
    now_rung: u8,
    /// The rung over the window as (x, rung) corners of a step line.
    line: Vec<(i32, u8)>,
    totals: Totals,
    answers: Vec<Answered>,
}

#[derive(Debug, Clone)]
struct Facts {
    days: u32,
    first: NaiveDate,
    today: NaiveDate,
    /// Whether the journal holds any answer to a step at all.
    ever: bool,
    answers: Vec<Answered>,
    totals: Totals,
    setbacks: Setbacks,
    ladders: Vec<LadderFacts>,
}

impl Facts {
    fn digest(input: &ReportInput) -> Facts {
        let days = input.days.max(1);
        let local_now = input.now.with_timezone(&input.tz);
        let today = local_now.date_naive();
        let first = today - TimeDelta::days(i64::from(days) - 1);
        let place = |at: DateTime<Utc>| {
            let local = at.with_timezone(&input.tz);
            let date = local.date_naive();
            let days = i32::try_from((date - first).num_days()).unwrap_or(i32::MIN / 2);
            let x = days.saturating_mul(DAY) + (local.num_seconds_from_midnight() / 60) as i32;
            (date, x)
        };
        let inside = |date: NaiveDate| first <= date && date <= today;

        let sent = Entry::sent_by_id(input.entries);
        let mut ever = false;
        let mut answers = Vec::new();
        for e in input.entries {
            let Entry::Answer(a) = e else { continue };
            let Some(s) = sent.get(&a.sent_id) else {
                continue;
            };
            if s.category != Category::Step || a.kind == AnswerKind::Snooze {
                continue;
            }
            ever = true;
            let (date, x) = place(a.at);
            if inside(date) {
                answers.push((
                    a.at,
                    a.id,
                    Answered {
                        date,
                        x,
                        ladder: s.ladder,
                        rung: s.rung,
                        kind: a.kind,
                        distress: a.distress,
                    },
                ));
            }
        }
        answers.sort_by_key(|a| (a.0, a.1));
        let answers: Vec<Answered> = answers.into_iter().map(|(_, _, a)| a).collect();

        let mut moves: Vec<(DateTime<Utc>, i64, Ladder, u8, u8)> = input
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Move(m) => Some((m.at, m.id, m.ladder, m.from, m.to)),
                _ => None,
            })
            .collect();
        moves.sort();

        // The ladders turned on, then any other with answers or moves in the window.
        let mut shown: Vec<Ladder> = Vec::new();
        for l in input.ladders {
            if !shown.contains(l) {
                shown.push(*l);
            }
        }
        let active: BTreeSet<Ladder> = answers
            .iter()
            .filter_map(|a| a.ladder)
            .chain(moves.iter().filter(|m| inside(place(m.0).0)).map(|m| m.2))
            .collect();
        for l in active {
            if !shown.contains(&l) {
                shown.push(l);
            }
        }

        let words = Words::new(input.library, input.entries, BTreeMap::new());
        let now_x = place(input.now).1;
        let mut totals = Totals::default();
        for a in &answers {
            totals.add(a.kind);
        }
        let ladders: Vec<LadderFacts> = shown
            .into_iter()
            .map(|ladder| {
                let mut start_rung = 1u8;
                let mut in_window = Vec::new();
                let mut t = Totals::default();
                for &(at, _, l, from, to) in &moves {
                    if l != ladder {
                        continue;
                    }
                    let (date, x) = place(at);
                    if date < first {
                        start_rung = to;
                    } else if date <= today {
                        in_window.push((x, to));
                        if to > from {
                            t.climbed += usize::from(to - from);
                        } else {
                            t.back += usize::from(from - to);
                        }
                    }
                }
                let (line, rung) = step_line(start_rung, &in_window, now_x);
                let answers: Vec<Answered> = answers
                    .iter()
                    .filter(|a| a.ladder == Some(ladder))
                    .cloned()
                    .collect();
                for a in &answers {
                    t.add(a.kind);
                }
                let own_name = words.ladder_name(ladder);
                let description = input
                    .library
                    .ladder(ladder)
                    .and_then(|i| i.description.clone().filter(|_| i.personal));
                LadderFacts {
                    ladder,
                    what: description.unwrap_or_else(|| about(ladder).to_owned()),
                    own_name,
                    top: top(input.library, ladder).max(rung),
                    start_rung,
                    now_rung: rung,
                    line,
                    totals: t,
                    answers,
                }
            })
            .collect();
        for l in &ladders {
            totals.climbed += l.totals.climbed;
            totals.back += l.totals.back;
        }
        let setbacks = setbacks(&answers);
        Facts {
            days,
            first,
            today,
            ever,
            answers,
            totals,
            setbacks,
            ladders,
        }
    }

    /// "in the last 4 weeks", "in the last 10 days", "in the last week", "today".
    fn during(&self) -> String {
        match self.days {
            1 => "today".to_owned(),
            _ => format!("in {}", self.window()),
        }
    }

    /// "the last 4 weeks", "the last 10 days", "the last week", "today".
    fn window(&self) -> String {
        match self.days {
            1 => "today".to_owned(),
            7 => "the last week".to_owned(),
            d if d % 7 == 0 => format!("the last {} weeks", d / 7),
            d => format!("the last {d} days"),
        }
    }
}

/// The rung as the corners of a step line from the window's start to now, given the
/// moves in the window as (x, new rung); and the rung it ends on.
fn step_line(start: u8, moves: &[(i32, u8)], now_x: i32) -> (Vec<(i32, u8)>, u8) {
    let mut line = vec![(0, start)];
    let mut current = start;
    for &(x, to) in moves {
        line.push((x, current));
        line.push((x, to));
        current = to;
    }
    line.push((now_x, current));
    (line, current)
}

fn setbacks(answers: &[Answered]) -> Setbacks {
    let mut s = Setbacks::default();
    let mut open: Option<NaiveDate> = None;
    for a in answers {
        match a.kind {
            AnswerKind::Hard | AnswerKind::Skip => {
                if open.is_none() {
                    open = Some(a.date);
                    s.count += 1;
                }
            }
            AnswerKind::Done => {
                if let Some(since) = open.take() {
                    s.recovered += 1;
                    s.longest = s.longest.max((a.date - since).num_days());
                }
            }
            AnswerKind::Snooze | AnswerKind::NoChance => {}
        }
    }
    s
}

// ---------------------------------------------------------------------------------------
// Words.

/// "the same day", "by the next day", "within 3 days".
fn within(days: i64) -> String {
    match days {
        0 => "the same day".to_owned(),
        1 => "by the next day".to_owned(),
        d => format!("within {d} days"),
    }
}

fn title_case(ladder: Ladder) -> String {
    capitalized(ladder.as_str())
}

impl LadderFacts {
    /// The ladder as a heading: a person's own by its name, a shipped one capitalized.
    fn heading(&self) -> String {
        self.own_name
            .clone()
            .unwrap_or_else(|| title_case(self.ladder))
    }

    /// The ladder in a sentence: a person's own by its name, a shipped one by its id.
    fn named(&self) -> String {
        self.own_name
            .clone()
            .unwrap_or_else(|| self.ladder.to_string())
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What each face of intimacy is about, in a few words.
fn about(ladder: Ladder) -> &'static str {
    match ladder {
        Ladder::Intellectual => "sharing ideas and opinions",
        Ladder::Emotional => "sharing feelings",
        Ladder::Experiential => "doing things together",
        Ladder::Physical => "non-sexual touch and closeness",
        Ladder::Sexual => "talking about boundaries and preferences",
        Ladder::Spiritual => "sharing values and meaning",
        Ladder::Social => "meeting people",
        Ladder::Receiving => "taking in kindness and naming the fear",
        // A person's own ladder: its name says what it is about.
        _ => "your own ladder",
    }
}

fn names(ladders: &[String]) -> String {
    let words: Vec<&str> = ladders.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => format!("the {one} ladder"),
        [init @ .., last] => format!("the {} and {last} ladders", init.join(", ")),
    }
}

/// The step on `rung` of `ladder` as it is named on screen (`Library::step_name`), if
/// the content has one.
fn step_title(library: &Library, ladder: Ladder, rung: u8) -> Option<&str> {
    library
        .iter()
        .find(|p| p.category == Category::Step && p.ladder == Some(ladder) && p.rung == Some(rung))
        .map(|p| library.step_name(p))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The sentences at the top of the report.
fn summary_sentences(f: &Facts) -> Vec<String> {
    let t = &f.totals;
    let during = f.during();
    let mut out = Vec::new();
    if t.taken() > 0 {
        let felt = match t.hard {
            0 => ".".to_owned(),
            h if h == t.taken() && h == 1 => ", and it felt hard.".to_owned(),
            h if h == t.taken() => ", and all of them felt hard.".to_owned(),
            h => format!("; {h} of them felt hard."),
        };
        out.push(format!(
            "You took {} {during}{felt}",
            count(t.taken(), "step")
        ));
        if t.skipped > 0 {
            out.push(format!(
                "You skipped {}, and skipped steps are part of it.",
                t.skipped
            ));
        }
    } else {
        out.push(format!(
            "{} you skipped {}. Skipped steps are part of it.",
            capitalized(&during),
            count(t.skipped, "step")
        ));
    }
    let up: Vec<String> = f
        .ladders
        .iter()
        .filter(|l| l.totals.climbed > 0)
        .map(LadderFacts::named)
        .collect();
    if t.climbed > 0 {
        out.push(format!(
            "You climbed {} on {}.",
            count(t.climbed, "rung"),
            names(&up)
        ));
    } else if t.taken() > 0 {
        out.push(
            "No ladder moved up in this time; repeating a step is part of the practice.".into(),
        );
    }
    if t.back > 0 {
        out.push(format!(
            "Along the way a ladder stepped back {}, to make the next step smaller.",
            count(t.back, "rung")
        ));
    }
    let s = &f.setbacks;
    if s.count > 0 && s.recovered == s.count {
        out.push(format!(
            "Each time a step was hard or skipped, you took another {}.",
            within(s.longest)
        ));
    } else if s.recovered > 0 {
        out.push(format!(
            "Hard and skipped steps came and passed: each time you took another {}. After the \
             latest, the next step is there when you're ready.",
            within(s.longest)
        ));
    } else if s.count > 0 {
        out.push(
            "Setbacks are a normal part of this; the next step is there when you're ready.".into(),
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// The page.

fn empty_state(out: &mut String, f: &Facts) {
    let heading = if f.ever {
        format!("Nothing from {} yet.", f.window())
    } else {
        "Nothing here yet.".to_owned()
    };
    w(
        out,
        format_args!(
            "<section class=\"empty\">\n<h1>{heading}</h1>\n<p>When you answer a step, it will show up here.</p>\n\
             <p>There is no hurry. Each step can be skipped, and the next one comes at the times you chose; \
             <code>closer next</code> shows when.</p>\n"
        ),
    );
    if !f.ladders.is_empty() {
        w(
            out,
            format_args!("<p>Where your ladders stand:</p>\n<ul class=\"standing\">\n"),
        );
        for l in &f.ladders {
            w(
                out,
                format_args!(
                    "<li><strong>{}</strong> ({}): rung {} of {}</li>\n",
                    escape(&l.heading()),
                    escape(&l.what),
                    l.now_rung,
                    l.top
                ),
            );
        }
        w(out, format_args!("</ul>\n"));
    }
    w(out, format_args!("</section>\n"));
}

fn summary(out: &mut String, f: &Facts) {
    let sentences = summary_sentences(f);
    let (first, rest) = sentences.split_first().expect("a headline");
    w(
        out,
        format_args!("<section class=\"summary\">\n<h1>{}</h1>\n", escape(first)),
    );
    for s in rest {
        w(out, format_args!("<p>{}</p>\n", escape(s)));
    }
    w(out, format_args!("</section>\n"));
}

fn ladders(out: &mut String, f: &Facts, input: &ReportInput) {
    w(
        out,
        format_args!("<section class=\"ladders\">\n<h2>Your ladders</h2>\n"),
    );
    w(out, format_args!("{LEGEND}"));
    for l in &f.ladders {
        // A person's own ladder by its name and description, in their words.
        let (name, what) = (escape(&l.heading()), escape(&l.what));
        w(
            out,
            format_args!("<article class=\"ladder\">\n<h3>{name} <span>{what}</span></h3>\n"),
        );
        let t = &l.totals;
        let mut line = if l.start_rung == l.now_rung {
            format!("On rung {} of {}", l.now_rung, l.top)
        } else {
            format!(
                "On rung {} of {}, from rung {} at the start",
                l.now_rung, l.top, l.start_rung
            )
        };
        if t.taken() > 0 {
            line += &format!(". {} taken", count(t.taken(), "step"));
            if t.hard > 0 {
                line += &format!(", {} of them hard", t.hard);
            }
        }
        if t.skipped > 0 {
            line += &format!(
                "{} {} skipped",
                if t.taken() > 0 { ";" } else { "." },
                t.skipped
            );
        }
        line.push('.');
        w(
            out,
            format_args!("<p class=\"where\">{}</p>\n", escape(&line)),
        );
        if let Some(title) = step_title(input.library, l.ladder, l.now_rung) {
            w(
                out,
                format_args!("<p class=\"now\">Now: {}</p>\n", escape(title)),
            );
        }
        if l.answers.is_empty() {
            w(
                out,
                format_args!(
                    "<p class=\"quiet\">No steps on this ladder {}.</p>\n",
                    f.during()
                ),
            );
        } else {
            let label = format!(
                "The {} ladder: rung over time, and how hard each answered step felt",
                l.named()
            );
            match ladder_chart(l, f) {
                Ok(svg) => w(
                    out,
                    format_args!(
                        "<figure class=\"chart\">\n{}</figure>\n",
                        tidy_svg(&svg, &label)
                    ),
                ),
                Err(e) => w(
                    out,
                    format_args!(
                        "<p class=\"quiet\">This chart could not be drawn ({}).</p>\n",
                        escape(&e.to_string())
                    ),
                ),
            }
        }
        w(out, format_args!("</article>\n"));
    }
    w(out, format_args!("</section>\n"));
}

/// What the person feared against what happened, from the steps where they said so
/// (a "how did it go" answer or `--happened`), newest first: only their own rows, and
/// nothing at all when there are none.
fn feared(out: &mut String, input: &ReportInput, f: &Facts) {
    let sent = Entry::sent_by_id(input.entries);
    let words = Words::new(input.library, &[], BTreeMap::new());
    let mut rows: Vec<(NaiveDate, String, Option<Distress>, Happened)> = Vec::new();
    for e in input.entries {
        let Entry::Answer(a) = e else { continue };
        let (Some(happened), Some(s)) = (a.happened, sent.get(&a.sent_id)) else {
            continue;
        };
        let date = a.at.with_timezone(&input.tz).date_naive();
        if s.category != Category::Step || date < f.first || date > f.today {
            continue;
        }
        // The title it was sent with, also once the content no longer has it.
        // A person's own step by its words, not its ladder's name (`Library::step_name`).
        let own = s.ladder.is_some_and(Ladder::personal);
        let title = own
            .then(|| words.body(s))
            .flatten()
            .or_else(|| words.title(s))
            .unwrap_or_else(|| "a step".to_owned());
        rows.push((date, title, a.distress, happened));
    }
    if rows.is_empty() {
        return;
    }
    let not = rows.iter().filter(|r| r.3 == Happened::No).count();
    let did = rows.iter().filter(|r| r.3 == Happened::Yes).count();
    let partly = rows.len() - not - did;
    let noted = match (not, did) {
        (0, did) => format!("You noted {} that what you feared happened.", times(did)),
        (not, 0) => format!(
            "You noted {} that what you feared did not happen.",
            times(not)
        ),
        (not, did) => format!(
            "You noted {} that what you feared did not happen, and {} that it did.",
            times(not),
            times(did)
        ),
    };
    let partly = match partly {
        0 => String::new(),
        n => format!(" Partly, {}.", times(n)),
    };
    w(
        out,
        format_args!(
            "<section class=\"feared\">\n<h2>What you feared, and what happened</h2>\n\
             <p>{noted}{partly}</p>\n"
        ),
    );
    // Step by step: what was predicted against what happened, over time.
    let mut steps: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (_, title, _, happened) in &rows {
        let (n, yes, part) = steps.entry(title).or_default();
        *n += 1;
        match happened {
            Happened::Yes => *yes += 1,
            Happened::Partly => *part += 1,
            Happened::No => {}
        }
    }
    w(
        out,
        format_args!("<h3>Step by step</h3>\n<ul class=\"by-step\">\n"),
    );
    for (title, (n, yes, part)) in &steps {
        let part = match part {
            0 => String::new(),
            p => format!(", partly {p}"),
        };
        w(
            out,
            format_args!(
                "<li>{}: you expected it to go badly; it did {yes} of {}{part}</li>\n",
                escape(title),
                crate::say::count(*n, "time")
            ),
        );
    }
    w(out, format_args!("</ul>\n<h3>Each time</h3>\n<ul>\n"));
    for (date, title, distress, happened) in rows.iter().rev() {
        let what = match happened {
            Happened::Yes => "what you feared happened, and you met it",
            Happened::Partly => "what you feared partly happened, and you met it",
            Happened::No => "what you feared did not happen",
        };
        // How hard it felt, only when the person said so.
        let felt = distress.map_or_else(String::new, |d| format!(" (how hard it felt: {d} of 10)"));
        w(
            out,
            format_args!(
                "<li>{}: {} — {what}{felt}</li>\n",
                date.format("%-d %B"),
                escape(title)
            ),
        );
    }
    w(out, format_args!("</ul>\n</section>\n"));
}

fn calendar(out: &mut String, f: &Facts) {
    w(
        out,
        format_args!(
            "<section class=\"calendar\">\n<h2>Day by day</h2>\n\
             <p class=\"quiet\">Each square is a day; the deeper its colour, the more steps you answered.</p>\n\
             <div class=\"cal\" role=\"table\" aria-label=\"Answers per day\">\n"
        ),
    );
    for d in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
        w(out, format_args!("<div class=\"dow\">{d}</div>\n"));
    }
    let mut per_day: BTreeMap<NaiveDate, Totals> = BTreeMap::new();
    for a in &f.answers {
        per_day.entry(a.date).or_default().add(a.kind);
    }
    let lead = f.first.weekday().num_days_from_monday();
    for _ in 0..lead {
        w(out, format_args!("<div class=\"day out\"></div>\n"));
    }
    let mut day = f.first;
    while day <= f.today {
        let t = per_day.get(&day).cloned().unwrap_or_default();
        let n = t.taken() + t.skipped;
        let level = n.min(4);
        let mut parts = Vec::new();
        if t.done > 0 {
            parts.push(format!("{} done", t.done));
        }
        if t.hard > 0 {
            parts.push(format!("{} hard", t.hard));
        }
        if t.skipped > 0 {
            parts.push(format!("{} skipped", t.skipped));
        }
        let what = if parts.is_empty() {
            "nothing answered".to_owned()
        } else {
            parts.join(", ")
        };
        let label = if day.day() == 1 || day == f.first {
            day.format("%-d %b").to_string()
        } else {
            day.format("%-d").to_string()
        };
        let today = if day == f.today { " today" } else { "" };
        w(
            out,
            format_args!(
                "<div class=\"day l{level}{today}\" title=\"{}: {what}\"><span>{label}</span>{}</div>\n",
                day.format("%a %-d %b"),
                if n > 0 {
                    format!("<b>{n}</b>")
                } else {
                    String::new()
                }
            ),
        );
        day += TimeDelta::days(1);
    }
    let trail = (7 - (lead + f.days) % 7) % 7;
    for _ in 0..trail {
        w(out, format_args!("<div class=\"day out\"></div>\n"));
    }
    w(
        out,
        format_args!(
            "</div>\n<p class=\"scale\">none <i class=\"l0\"></i><i class=\"l1\"></i><i class=\"l2\"></i>\
             <i class=\"l3\"></i><i class=\"l4\"></i> 4 or more</p>\n</section>\n"
        ),
    );
}

// ---------------------------------------------------------------------------------------
// Charts (plotters, SVG backend).

/// The chart colours: plotters writes them as `#RRGGBB` attributes; the page's CSS
/// swaps each for its dark-mode twin (`dark_chart_css`).
struct Swatch {
    light: RGBColor,
    dark: &'static str,
}

const LINE: Swatch = Swatch {
    light: RGBColor(0x3B, 0x6E, 0xA5),
    dark: "#8DB4E2",
};
const DONE: Swatch = Swatch {
    light: RGBColor(0x2E, 0x7D, 0x5B),
    dark: "#6CCB9F",
};
const HARD: Swatch = Swatch {
    light: RGBColor(0xB5, 0x65, 0x1D),
    dark: "#E3A869",
};
const SKIP: Swatch = Swatch {
    light: RGBColor(0x7A, 0x82, 0x8C),
    dark: "#9AA4AE",
};
const GRID: Swatch = Swatch {
    light: RGBColor(0xE1, 0xE5, 0xEA),
    dark: "#30363D",
};
const AXIS: Swatch = Swatch {
    light: RGBColor(0xA9, 0xB1, 0xBA),
    dark: "#5A626B",
};
const LABEL: Swatch = Swatch {
    light: RGBColor(0x57, 0x60, 0x6A),
    dark: "#AEB7C0",
};
/// The card behind the charts, to fill the ring of a skipped step.
const CARD: Swatch = Swatch {
    light: RGBColor(0xFF, 0xFF, 0xFF),
    dark: "#1C2026",
};
const SWATCHES: [&Swatch; 8] = [&LINE, &DONE, &HARD, &SKIP, &GRID, &AXIS, &LABEL, &CARD];

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn dark_chart_css() -> String {
    let mut css = String::from("@media (prefers-color-scheme: dark) {\n");
    for s in SWATCHES {
        let light = hex(s.light);
        w(
            &mut css,
            format_args!(
                "  svg [fill=\"{light}\"] {{ fill: {d}; }}\n  svg [stroke=\"{light}\"] {{ stroke: {d}; }}\n",
                d = s.dark
            ),
        );
    }
    css.push_str("}\n");
    css
}

const WIDTH: u32 = 760;
const RUNG_HEIGHT: u32 = 200;
const FELT_HEIGHT: u32 = 130;
const Y_LABELS: u32 = 56;
/// Minutes in a day: the x axis counts minutes from the window's first midnight.
const DAY: i32 = 24 * 60;
/// The y axes count tenths (of a rung, of a distress point), so a little room can be left
/// above and below the values while every coordinate stays an integer.
const TENTH: i32 = 10;

type ChartError = Box<dyn std::error::Error>;
type Axis = WithKeyPoints<RangedCoordi32>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// One ladder: the rung over time above, how hard each answered step felt below, on one
/// time axis.
fn ladder_chart(l: &LadderFacts, f: &Facts) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, RUNG_HEIGHT + FELT_HEIGHT))
            .into_drawing_area();
        let (upper, lower) = root.split_vertically(RUNG_HEIGHT);
        let width = i32::try_from(f.days).unwrap_or(i32::MAX / DAY) * DAY;
        let first = f.first;
        let date_label = move |x: &i32| {
            (first + TimeDelta::days(i64::from(x.div_euclid(DAY))))
                .format("%-d %b")
                .to_string()
        };
        let tenths = |y: &i32| (y / TENTH).to_string();
        let font = |size: u32| ("sans-serif", size).into_font().color(&LABEL.light);

        // The rung: up to two above the highest reached (at least five), not always the
        // ladder's top, so that a move of one rung can be seen.
        let peak = l
            .line
            .iter()
            .map(|p| p.1)
            .chain(l.answers.iter().filter_map(|a| a.rung))
            .max()
            .unwrap_or(1);
        let shown = l.top.min(peak.saturating_add(2).max(5));
        let top = i32::from(shown) * TENTH;
        let rung_ticks: Vec<i32> = (1..=i32::from(shown))
            .filter(|r| shown <= 8 || r % 2 == 1)
            .map(|r| r * TENTH)
            .collect();
        let floor = TENTH / 2;
        let mut chart = ChartBuilder::on(&upper)
            .margin_top(12)
            .margin_right(18)
            .margin_left(6)
            .x_label_area_size(0)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(
                (0..width).with_key_points(day_ticks(f.days)),
                (floor..top + TENTH / 2).with_key_points(rung_ticks),
            )?;
        chart
            .configure_mesh()
            .bold_line_style(GRID.light.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS.light.stroke_width(1))
            .y_desc("rung")
            .y_label_formatter(&tenths)
            .y_label_style(font(13))
            .axis_desc_style(font(13))
            .draw()?;
        let line: Vec<(i32, i32)> = l
            .line
            .iter()
            .map(|&(x, rung)| (x, i32::from(rung) * TENTH))
            .collect();
        chart.draw_series(AreaSeries::new(
            line.iter().copied(),
            floor,
            LINE.light.mix(0.12).filled(),
        ))?;
        chart.draw_series(LineSeries::new(
            line.iter().copied(),
            LINE.light.stroke_width(3),
        ))?;
        for a in &l.answers {
            let y = i32::from(a.rung.unwrap_or(l.now_rung)) * TENTH;
            draw_marker(&mut chart, a.kind, (a.x, y))?;
        }

        // How hard each step felt.
        let mut chart = ChartBuilder::on(&lower)
            .margin_top(8)
            .margin_right(18)
            .margin_left(6)
            .x_label_area_size(30)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(
                (0..width).with_key_points(day_ticks(f.days)),
                (-8..108).with_key_points(vec![0, 50, 100]),
            )?;
        chart
            .configure_mesh()
            .bold_line_style(GRID.light.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS.light.stroke_width(1))
            .y_desc("how hard")
            .x_label_formatter(&date_label)
            .y_label_formatter(&tenths)
            .x_label_style(font(13))
            .y_label_style(font(13))
            .axis_desc_style(font(13))
            .draw()?;
        for a in &l.answers {
            if let Some(d) = a.distress {
                draw_marker(&mut chart, a.kind, (a.x, i32::from(d.get()) * TENTH))?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// Where the dates go: at noon of today and of every week (or day) before it.
fn day_ticks(days: u32) -> Vec<i32> {
    let step = if days <= 8 { 1 } else { 7 * days.div_ceil(56) };
    let mut ticks: Vec<i32> = (0..days)
        .rev()
        .step_by(step as usize)
        .filter_map(|d| i32::try_from(d).ok())
        .map(|d| d * DAY + DAY / 2)
        .collect();
    ticks.reverse();
    ticks
}

/// A filled circle for done, a triangle for hard, a ring for skipped: told apart by
/// shape as well as colour.
fn draw_marker(chart: &mut Chart, kind: AnswerKind, at: (i32, i32)) -> Result<(), ChartError> {
    match kind {
        AnswerKind::Done => {
            chart.draw_series(std::iter::once(Circle::new(at, 5, DONE.light.filled())))?;
        }
        AnswerKind::Hard => {
            chart.draw_series(std::iter::once(TriangleMarker::new(
                at,
                7,
                HARD.light.filled(),
            )))?;
        }
        AnswerKind::Skip => {
            chart.draw_series(std::iter::once(Circle::new(at, 5, CARD.light.filled())))?;
            chart.draw_series(std::iter::once(Circle::new(
                at,
                5,
                SKIP.light.stroke_width(2),
            )))?;
        }
        AnswerKind::Snooze | AnswerKind::NoChance => {}
    }
    Ok(())
}

/// Makes plotters' standalone SVG fit inline HTML: no namespace URL (inline SVG needs
/// none, and the page holds no address), a role and a label for screen readers.
fn tidy_svg(svg: &str, label: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(label)),
            1,
        )
}

const HEAD_START: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"color-scheme\" content=\"light dark\">
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">
";

const LEGEND: &str = "<p class=\"legend\"><span class=\"k done\">●</span> done \
<span class=\"k hard\">▲</span> it was hard <span class=\"k skip\">○</span> skipped \
<span class=\"k line\">━</span> the rung you were on. Below the rung, how hard each step felt \
(0 to 10), where you said.</p>\n";

const FOOTER: &str = "<footer>\n<p>Made from the journal on this computer; nothing was sent anywhere. \
Only you can read this file.</p>\n<p>closer is self-help, not therapy. If fear of closeness weighs on \
your life, <code>closer about</code> says where to find help.</p>\n</footer>\n";

const CSS: &str = ":root {
  --bg: #FBFAF7; --card: #FFFFFF; --ink: #1F2328; --muted: #57606A; --rule: #E1E5EA;
  --accent: #3B6EA5; --done: #2E7D5B; --hard: #B5651D; --skip: #7A828C;
  --l0: #EEF1F4; --l1: #CFE6D9; --l2: #9ACDB2; --l3: #5DAE86; --l4: #2E7D5B; --on4: #FFFFFF;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15181C; --card: #1C2026; --ink: #E6EDF3; --muted: #AEB7C0; --rule: #30363D;
    --accent: #8DB4E2; --done: #6CCB9F; --hard: #E3A869; --skip: #9AA4AE;
    --l0: #22272E; --l1: #1E4636; --l2: #28664A; --l3: #3A9467; --l4: #6CCB9F; --on4: #0B1F16;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--ink); }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, \"Segoe UI\", Roboto, \"Noto Sans\", sans-serif; }
main { max-width: 860px; margin: 0 auto; padding: 32px 20px 48px; }
h1 { font-size: 1.6rem; line-height: 1.3; font-weight: 600; margin: 0 0 12px; }
h2 { font-size: 1.2rem; font-weight: 600; margin: 40px 0 8px; }
h3 { font-size: 1.1rem; font-weight: 600; margin: 0 0 4px; }
h3 span { font-weight: 400; color: var(--muted); font-size: 0.95rem; margin-left: 6px; }
p { margin: 0 0 8px; }
code { font-family: ui-monospace, \"SFMono-Regular\", Menlo, Consolas, monospace; font-size: 0.92em; }
.eyebrow { color: var(--muted); font-size: 0.9rem; margin: 0; }
.range { color: var(--muted); font-size: 0.9rem; margin-bottom: 20px; }
.summary p { font-size: 1.05rem; }
.empty { background: var(--card); border: 1px solid var(--rule); border-radius: 12px; padding: 24px; }
.standing { padding-left: 20px; margin: 12px 0 0; }
.ladder { background: var(--card); border: 1px solid var(--rule); border-radius: 12px; padding: 18px 18px 10px; margin: 14px 0; }
.where { margin: 0; }
.now, .quiet, .legend, .scale { color: var(--muted); font-size: 0.92rem; }
.chart { margin: 8px 0 0; }
.chart svg { display: block; width: 100%; height: auto; }
.chart svg text { font-family: system-ui, -apple-system, \"Segoe UI\", Roboto, \"Noto Sans\", sans-serif; }
.k { font-style: normal; margin: 0 2px 0 10px; }
.k.done { color: var(--done); } .k.hard { color: var(--hard); } .k.skip { color: var(--skip); } .k.line { color: var(--accent); }
.cal { display: grid; grid-template-columns: repeat(7, minmax(0, 1fr)); gap: 6px; max-width: 560px; margin: 12px 0; }
.dow { color: var(--muted); font-size: 0.8rem; text-align: center; }
.day { position: relative; aspect-ratio: 1 / 1; border-radius: 8px; background: var(--l0); }
.day span { position: absolute; top: 4px; left: 6px; font-size: 0.75rem; color: var(--muted); }
.day b { position: absolute; right: 7px; bottom: 4px; font-size: 0.95rem; font-weight: 600; }
.day.out { background: transparent; }
.day.today { outline: 2px solid var(--accent); outline-offset: 1px; }
.l1 { background: var(--l1); } .l2 { background: var(--l2); } .l3 { background: var(--l3); }
.l4 { background: var(--l4); }
.day.l3 span, .day.l4 span, .day.l3 b, .day.l4 b { color: var(--on4); }
.scale i { display: inline-block; width: 14px; height: 14px; border-radius: 3px; vertical-align: -2px; margin: 0 1px; }
.scale .l0 { background: var(--l0); }
footer { margin-top: 40px; padding-top: 16px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 0.9rem; }
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::journal::{AnswerRow, MoveRow, SentRow};

    /// A small fixed pack: two short ladders and one kind message.
    const PACK: &str = r#"
[[prompt]]
id = "e1"
category = "step"
ladder = "emotional"
rung = 1
distress = 1.0
title = "Name one feeling"
body = "Name one feeling to yourself."
[[prompt]]
id = "e2"
category = "step"
ladder = "emotional"
rung = 2
distress = 2.0
title = "Write a feeling down"
body = "Write one sentence about a feeling."
[[prompt]]
id = "e3"
category = "step"
ladder = "emotional"
rung = 3
distress = 3.0
title = "Thank someone for something small"
body = "Thank someone for one small thing."
[[prompt]]
id = "e4"
category = "step"
ladder = "emotional"
rung = 4
distress = 4.0
title = "Say what you appreciate <in person>"
body = "Tell someone one thing you appreciate about them."
[[prompt]]
id = "e5"
category = "step"
ladder = "emotional"
rung = 5
distress = 5.0
title = "Share a worry"
body = "Share one small worry with someone you trust."
[[prompt]]
id = "e6"
category = "step"
ladder = "emotional"
rung = 6
distress = 6.0
title = "Ask for support"
body = "Ask someone you trust for a little support."
[[prompt]]
id = "i1"
category = "step"
ladder = "intellectual"
rung = 1
distress = 1.0
title = "Notice an opinion"
body = "Notice one opinion you keep to yourself."
[[prompt]]
id = "i2"
category = "step"
ladder = "intellectual"
rung = 2
distress = 2.0
title = "Share a small opinion"
body = "Share one small opinion with someone."
[[prompt]]
id = "i3"
category = "step"
ladder = "intellectual"
rung = 3
distress = 3.0
title = "Say why you like something"
body = "Tell someone why you like a book or a song."
[[prompt]]
id = "i4"
category = "step"
ladder = "intellectual"
rung = 4
distress = 4.0
title = "Disagree gently"
body = "Disagree gently once, and stay in the conversation."
[[prompt]]
id = "x1"
category = "step"
ladder = "experiential"
rung = 1
distress = 1.0
title = "Suggest a short walk"
body = "Suggest a short walk to a friend."
[[prompt]]
id = "c1"
category = "compassion"
title = "A kind word"
body = "This is hard, and others find it hard too."
"#;

    fn library() -> Library {
        let mut diags = Vec::new();
        let mut library = Library::default();
        library.add_pack(&Source::new("fixture.toml", PACK), false, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        library
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Builds a journal: `sent(id, at, ladder, rung)`, `answer(...)`, `moved(...)`.
    #[derive(Default)]
    struct Book {
        entries: Vec<Entry>,
        next: i64,
    }

    impl Book {
        fn id(&mut self) -> i64 {
            self.next += 1;
            self.next
        }

        fn sent(&mut self, at: &str, ladder: Option<Ladder>, rung: Option<u8>) -> i64 {
            let id = self.id();
            let category = if ladder.is_some() {
                Category::Step
            } else {
                Category::Compassion
            };
            self.entries.push(Entry::Sent(SentRow {
                id,
                at: t(at),
                due: t(at),
                rule: "step".into(),
                category,
                prompt: None,
                ladder,
                rung,
                notification: None,
                shown: Default::default(),
            }));
            id
        }

        fn answer(&mut self, sent_id: i64, at: &str, kind: AnswerKind, distress: Option<u8>) {
            let id = self.id();
            self.entries.push(Entry::Answer(AnswerRow {
                id,
                sent_id,
                at: t(at),
                kind,
                distress: distress.and_then(Distress::new),
                happened: None,
                too_much: false,
                source: "terminal".into(),
            }));
        }

        fn moved(&mut self, at: &str, ladder: Ladder, from: u8, to: u8) {
            let id = self.id();
            self.entries.push(Entry::Move(MoveRow {
                id,
                at: t(at),
                ladder,
                from,
                to,
                cause: if to > from {
                    crate::journal::Cause::Up
                } else {
                    crate::journal::Cause::Back
                },
                reason: String::new(),
            }));
        }

        fn done(mut self) -> Vec<Entry> {
            self.entries.sort_by_key(|e| e.at());
            self.entries
        }
    }

    /// Four weeks on two ladders, with hard and skipped steps, a step back, an answer
    /// without a rating, a snooze and a kind message; a third ladder stays quiet.
    fn four_weeks() -> Vec<Entry> {
        use AnswerKind::{Done, Hard, Skip, Snooze};
        const E: Ladder = Ladder::Emotional;
        const I: Ladder = Ladder::Intellectual;
        let mut b = Book::default();
        b.moved("2027-01-20T18:00:00Z", I, 1, 2);
        let s = b.sent("2027-02-06T08:00:00Z", Some(E), Some(1));
        b.answer(s, "2027-02-06T18:00:00Z", Done, Some(5));
        b.answer(s, "2027-02-08T18:30:00Z", Done, Some(3));
        b.moved("2027-02-08T18:30:00Z", E, 1, 2);
        let s = b.sent("2027-02-09T08:00:00Z", Some(E), Some(2));
        b.answer(s, "2027-02-10T19:00:00Z", Hard, Some(7));
        b.answer(s, "2027-02-11T09:00:00Z", Snooze, None);
        b.answer(s, "2027-02-11T19:00:00Z", Skip, None);
        let k = b.sent("2027-02-12T08:00:00Z", None, None);
        b.answer(k, "2027-02-12T08:05:00Z", Done, None);
        b.answer(s, "2027-02-13T17:00:00Z", Done, Some(4));
        b.answer(s, "2027-02-15T17:00:00Z", Done, Some(2));
        b.moved("2027-02-15T17:00:00Z", E, 2, 3);
        let s = b.sent("2027-02-16T08:00:00Z", Some(E), Some(3));
        b.answer(s, "2027-02-17T20:00:00Z", Done, Some(6));
        b.answer(s, "2027-02-18T20:00:00Z", Hard, Some(8));
        b.moved("2027-02-18T20:00:00Z", E, 3, 2);
        let s = b.sent("2027-02-19T08:00:00Z", Some(E), Some(2));
        b.answer(s, "2027-02-20T12:00:00Z", Done, Some(3));
        b.answer(s, "2027-02-23T12:00:00Z", Done, Some(2));
        b.moved("2027-02-23T12:00:00Z", E, 2, 3);
        let s = b.sent("2027-02-24T08:00:00Z", Some(E), Some(3));
        b.answer(s, "2027-02-26T19:00:00Z", Done, Some(4));
        b.answer(s, "2027-03-01T19:00:00Z", Done, Some(3));
        b.moved("2027-03-01T19:00:00Z", E, 3, 4);
        let s = b.sent("2027-03-02T08:00:00Z", Some(E), Some(4));
        b.answer(s, "2027-03-03T19:00:00Z", Done, Some(5));
        let s = b.sent("2027-02-12T10:00:00Z", Some(I), Some(2));
        b.answer(s, "2027-02-12T19:00:00Z", Skip, None);
        b.answer(s, "2027-02-22T19:00:00Z", Done, Some(4));
        b.answer(s, "2027-02-27T19:00:00Z", Done, Some(2));
        b.moved("2027-02-27T19:00:00Z", I, 2, 3);
        let s = b.sent("2027-03-04T08:00:00Z", Some(I), Some(3));
        b.answer(s, "2027-03-05T17:00:00Z", Done, None);
        // Before the window: not counted.
        let s = b.sent("2027-01-10T08:00:00Z", Some(I), Some(1));
        b.answer(s, "2027-01-10T19:00:00Z", Done, Some(6));
        b.done()
    }

    const LADDERS: &[Ladder] = &[
        Ladder::Intellectual,
        Ladder::Emotional,
        Ladder::Experiential,
    ];

    fn input<'a>(entries: &'a [Entry], library: &'a Library, days: u32) -> ReportInput<'a> {
        ReportInput {
            entries,
            library,
            ladders: LADDERS,
            tz: "Europe/Berlin".parse().unwrap(),
            now: t("2027-03-05T20:00:00Z"),
            days,
            steps_paused: None,
        }
    }

    /// Compares `actual` with the committed snapshot; `UPDATE_SNAPSHOTS=1` rewrites it.
    fn assert_snapshot(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(name);
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read the snapshot {}: {e}; UPDATE_SNAPSHOTS=1 cargo test --lib report writes it",
                path.display()
            )
        });
        if expected == actual {
            return;
        }
        let (line, (want, got)) = expected
            .lines()
            .chain(std::iter::repeat("<end of file>"))
            .zip(actual.lines().chain(std::iter::repeat("<end of file>")))
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, pair)| (i + 1, pair))
            .unwrap_or((0, ("", "")));
        panic!(
            "the report differs from the snapshot {} first at line {line}:\n  snapshot: {want}\n  now:      {got}\n\
             If the change is intended, look at the new report and run \
             UPDATE_SNAPSHOTS=1 cargo test --lib report",
            path.display()
        );
    }

    #[test]
    fn the_report_of_a_fixed_journal_matches_its_snapshot() {
        let (entries, library) = (four_weeks(), library());
        let html = render(&input(&entries, &library, 28));
        assert_eq!(html, render(&input(&entries, &library, 28)));
        assert_snapshot("report.html", &html);
    }

    #[test]
    fn the_report_holds_no_address_and_no_script() {
        let (entries, library) = (four_weeks(), library());
        for days in [1, 7, 28, 365] {
            let html = render(&input(&entries, &library, days));
            let lower = html.to_lowercase();
            for needle in [
                "http:", "https:", "//", "<script", "url(", "@import", "<link", "src=",
            ] {
                assert!(!lower.contains(needle), "{needle} in the {days}-day report");
            }
        }
    }

    #[test]
    fn the_summary_counts_steps_rungs_and_setbacks() {
        let (entries, library) = (four_weeks(), library());
        let html = render(&input(&entries, &library, 28));
        for sentence in [
            "You took 15 steps in the last 4 weeks; 2 of them felt hard.",
            "You skipped 2, and skipped steps are part of it.",
            "You climbed 5 rungs on the intellectual and emotional ladders.",
            "Along the way a ladder stepped back 1 rung, to make the next step smaller.",
            "Each time a step was hard or skipped, you took another within 3 days.",
        ] {
            assert!(html.contains(sentence), "no {sentence:?} in:\n{html}");
        }
        // One chart per ladder with answers; the quiet ladder says so instead.
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(html.contains("No steps on this ladder in the last 4 weeks."));
        assert!(html.contains("On rung 4 of 6, from rung 1 at the start."));
        assert!(html.contains("Now: Say what you appreciate &lt;in person&gt;"));
        // The calendar: 28 days, and the padding of its first and last weeks.
        assert_eq!(html.matches("class=\"day l").count(), 28);
        assert!(html.contains("title=\"Thu 18 Feb: 1 hard\""));
        assert!(html.contains("title=\"Fri 12 Feb: 1 skipped\""));
    }

    #[test]
    fn feared_against_what_happened_comes_only_from_the_persons_own_rows() {
        let library = library();
        let mut entries = four_weeks();
        let html = render(&input(&entries, &library, 28));
        assert!(!html.contains("What you feared"), "no rows, no panel");

        let mut b = Book {
            next: 1000,
            ..Book::default()
        };
        let s = b.sent("2027-03-02T08:00:00Z", Some(Ladder::Emotional), Some(2));
        b.answer(s, "2027-03-02T19:00:00Z", AnswerKind::Done, Some(2));
        let s2 = b.sent("2027-03-03T08:00:00Z", Some(Ladder::Emotional), Some(2));
        b.answer(s2, "2027-03-03T19:00:00Z", AnswerKind::Done, Some(6));
        for (e, happened) in b
            .entries
            .iter_mut()
            .filter_map(|e| match e {
                Entry::Answer(a) => Some(a),
                _ => None,
            })
            .zip([Happened::No, Happened::Yes])
        {
            e.happened = Some(happened);
        }
        entries.extend(b.entries);
        let html = render(&input(&entries, &library, 28));
        assert!(
            html.contains("<h2>What you feared, and what happened</h2>"),
            "{html}"
        );
        assert!(
            html.contains(
                "<p>You noted once that what you feared did not happen, and once that it did.</p>"
            ),
            "{html}"
        );
        assert!(
            html.contains("2 March: ")
                && html.contains("what you feared did not happen (how hard it felt: 2 of 10)"),
            "{html}"
        );
        assert!(html.contains("3 March: "), "{html}");

        let paused = ReportInput {
            steps_paused: Some("very high distress three times in a row"),
            ..input(&entries, &library, 28)
        };
        let html = render(&paused);
        assert!(
            html.contains("Steps are paused (very high distress three times in a row)"),
            "{html}"
        );
    }

    #[test]
    fn the_window_names_its_length() {
        let (entries, library) = (four_weeks(), library());
        let f = |days| Facts::digest(&input(&entries, &library, days)).window();
        assert_eq!(f(1), "today");
        assert_eq!(f(7), "the last week");
        assert_eq!(f(14), "the last 2 weeks");
        assert_eq!(f(10), "the last 10 days");
        assert_eq!(f(0), "today");
    }

    #[test]
    fn an_empty_journal_gives_the_empty_state() {
        let library = library();
        let html = render(&input(&[], &library, 28));
        assert!(html.contains("Nothing here yet."), "{html}");
        assert!(html.contains("When you answer a step, it will show up here."));
        assert!(!html.contains("<svg"));
        assert!(html.contains("closer is self-help, not therapy"));
        // Answers only before the window: the same, said a little differently.
        let entries = four_weeks();
        let mut later = input(&entries, &library, 7);
        later.now = t("2027-06-01T12:00:00Z");
        let html = render(&later);
        assert!(html.contains("Nothing from the last week yet."), "{html}");
        assert!(html.contains("When you answer a step, it will show up here."));
    }

    #[test]
    fn the_notification_lines_are_short_kind_and_name_no_ladder() {
        let (entries, library) = (four_weeks(), library());
        let cases: &[(u32, &[&str])] = &[
            (
                28,
                &[
                    "In the last 4 weeks you took 15 steps; 2 felt hard.",
                    "You climbed 5 rungs and skipped 2; skipped steps are part of it.",
                    "Each time a step was hard or skipped, you took another within 3 days.",
                ],
            ),
            (
                7,
                &["In the last week you took 4 steps.", "You climbed 2 rungs."],
            ),
            (
                1,
                &[
                    "Today you took 1 step.",
                    "`closer report` draws a picture of the last weeks.",
                ],
            ),
        ];
        for (days, want) in cases {
            let lines = summary_lines(&input(&entries, &library, *days));
            assert_eq!(&lines, want, "{days} days");
        }
        let empty = summary_lines(&input(&[], &library, 7));
        assert_eq!(
            empty,
            [
                "Nothing answered in the last week, and that is fine.",
                "The next small step is there when you're ready."
            ]
        );
        for days in [1, 3, 7, 14, 28, 365] {
            let lines = summary_lines(&input(&entries, &library, days));
            assert!((2..=3).contains(&lines.len()), "{lines:?}");
            for line in &lines {
                assert!(line.chars().count() < 90, "too long: {line}");
                let lower = line.to_lowercase();
                for word in Ladder::ALL {
                    assert!(!lower.contains(word.as_str()), "{line}");
                }
                for word in ["streak", "should", "must", "fail"] {
                    assert!(!lower.contains(word), "{line}");
                }
            }
        }
    }
}
