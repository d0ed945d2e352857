//! The page: one self-contained HTML document (the CSS in `report.css`, the charts
//! inline, no scripts, nothing fetched), every text in it escaped (`markup::html`).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, TimeDelta};

use super::charts::{dark_chart_css, ladder_chart, tidy_svg};
use super::facts::{Facts, Totals};
use super::summary::summary_sentences;
use super::{ReportInput, append};
use crate::content::{Category, Ladder, Library};
use crate::history::Words;
use crate::journal::{Distress, Entry, Happened};
use crate::markup::html as escape;
use crate::say::{count, times};

/// The whole report, as HTML.
pub fn render(input: &ReportInput) -> String {
    let facts = Facts::digest(input);
    let mut out = String::with_capacity(64 * 1024);
    append(&mut out, format_args!("{HEAD_START}"));
    append(
        &mut out,
        format_args!(
            "<title>closer: {}</title>\n<style>\n{CSS}{}</style>\n</head>\n<body>\n<main>\n",
            facts.window(),
            dark_chart_css()
        ),
    );
    append(
        &mut out,
        format_args!(
            "<header>\n<p class=\"eyebrow\">closer · a picture of {}</p>\n<p class=\"range\">{} to {}</p>\n</header>\n",
            facts.window(),
            facts.first.format("%-d %B %Y"),
            facts.today.format("%-d %B %Y"),
        ),
    );
    if let Some(why) = input.steps_paused {
        append(
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
    append(
        &mut out,
        format_args!("{FOOTER}</main>\n</body>\n</html>\n"),
    );
    out
}

/// The step on `rung` of `ladder` as it is named on screen (`Library::step_name`), if
/// the content has one.
fn step_title(library: &Library, ladder: Ladder, rung: u8) -> Option<&str> {
    library
        .iter()
        .find(|p| p.category == Category::Step && p.ladder == Some(ladder) && p.rung == Some(rung))
        .map(|p| library.step_name(p))
}

fn empty_state(out: &mut String, f: &Facts) {
    let heading = if f.ever {
        format!("Nothing from {} yet.", f.window())
    } else {
        "Nothing here yet.".to_owned()
    };
    append(
        out,
        format_args!(
            "<section class=\"empty\">\n<h1>{heading}</h1>\n<p>When you answer a step, it will show up here.</p>\n\
             <p>There is no hurry. Each step can be skipped, and the next one comes at the times you chose; \
             <code>closer next</code> shows when.</p>\n"
        ),
    );
    if !f.ladders.is_empty() {
        append(
            out,
            format_args!("<p>Where your ladders stand:</p>\n<ul class=\"standing\">\n"),
        );
        for l in &f.ladders {
            append(
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
        append(out, format_args!("</ul>\n"));
    }
    append(out, format_args!("</section>\n"));
}

fn summary(out: &mut String, f: &Facts) {
    let sentences = summary_sentences(f);
    let (first, rest) = sentences.split_first().expect("a headline");
    append(
        out,
        format_args!("<section class=\"summary\">\n<h1>{}</h1>\n", escape(first)),
    );
    for s in rest {
        append(out, format_args!("<p>{}</p>\n", escape(s)));
    }
    append(out, format_args!("</section>\n"));
}

fn ladders(out: &mut String, f: &Facts, input: &ReportInput) {
    append(
        out,
        format_args!("<section class=\"ladders\">\n<h2>Your ladders</h2>\n"),
    );
    append(out, format_args!("{LEGEND}"));
    for l in &f.ladders {
        // A person's own ladder by its name and description, in their words.
        let (name, what) = (escape(&l.heading()), escape(&l.what));
        append(
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
        append(
            out,
            format_args!("<p class=\"where\">{}</p>\n", escape(&line)),
        );
        if let Some(title) = step_title(input.library, l.ladder, l.now_rung) {
            append(
                out,
                format_args!("<p class=\"now\">Now: {}</p>\n", escape(title)),
            );
        }
        if l.answers.is_empty() {
            append(
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
                Ok(svg) => append(
                    out,
                    format_args!(
                        "<figure class=\"chart\">\n{}</figure>\n",
                        tidy_svg(&svg, &label)
                    ),
                ),
                Err(e) => append(
                    out,
                    format_args!(
                        "<p class=\"quiet\">This chart could not be drawn ({}).</p>\n",
                        escape(&e.to_string())
                    ),
                ),
            }
        }
        append(out, format_args!("</article>\n"));
    }
    append(out, format_args!("</section>\n"));
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
    append(
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
    append(
        out,
        format_args!("<h3>Step by step</h3>\n<ul class=\"by-step\">\n"),
    );
    for (title, (n, yes, part)) in &steps {
        let part = match part {
            0 => String::new(),
            p => format!(", partly {p}"),
        };
        append(
            out,
            format_args!(
                "<li>{}: you expected it to go badly; it did {yes} of {}{part}</li>\n",
                escape(title),
                crate::say::count(*n, "time")
            ),
        );
    }
    append(out, format_args!("</ul>\n<h3>Each time</h3>\n<ul>\n"));
    for (date, title, distress, happened) in rows.iter().rev() {
        let what = match happened {
            Happened::Yes => "what you feared happened, and you met it",
            Happened::Partly => "what you feared partly happened, and you met it",
            Happened::No => "what you feared did not happen",
        };
        // How hard it felt, only when the person said so.
        let felt = distress.map_or_else(String::new, |d| format!(" (how hard it felt: {d} of 10)"));
        append(
            out,
            format_args!(
                "<li>{}: {} — {what}{felt}</li>\n",
                date.format("%-d %B"),
                escape(title)
            ),
        );
    }
    append(out, format_args!("</ul>\n</section>\n"));
}

fn calendar(out: &mut String, f: &Facts) {
    append(
        out,
        format_args!(
            "<section class=\"calendar\">\n<h2>Day by day</h2>\n\
             <p class=\"quiet\">Each square is a day; the deeper its colour, the more steps you answered.</p>\n\
             <div class=\"cal\" role=\"table\" aria-label=\"Answers per day\">\n"
        ),
    );
    for d in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
        append(out, format_args!("<div class=\"dow\">{d}</div>\n"));
    }
    let mut per_day: BTreeMap<NaiveDate, Totals> = BTreeMap::new();
    for a in &f.answers {
        per_day.entry(a.date).or_default().add(a.kind);
    }
    let lead = f.first.weekday().num_days_from_monday();
    for _ in 0..lead {
        append(out, format_args!("<div class=\"day out\"></div>\n"));
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
        append(
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
        append(out, format_args!("<div class=\"day out\"></div>\n"));
    }
    append(
        out,
        format_args!(
            "</div>\n<p class=\"scale\">none <i class=\"l0\"></i><i class=\"l1\"></i><i class=\"l2\"></i>\
             <i class=\"l3\"></i><i class=\"l4\"></i> 4 or more</p>\n</section>\n"
        ),
    );
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

/// The page's style sheet, with the charts' dark colours after it (`dark_chart_css`).
const CSS: &str = include_str!("report.css");
