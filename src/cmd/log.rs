//! `closer log` and `closer export`: what was sent and answered, and how the ladders
//! moved, in time order — the last days for reading, or everything to keep. A row closer
//! cannot read is left out of the log (the journal warns about it) and exported as it is
//! stored (`"event": "unreadable"`), so the person always gets all their data out.

use chrono::{TimeDelta, Utc};
use serde::Serialize;

use crate::Status;
use crate::cli::{ExportArgs, ExportFormat, LogArgs};
use crate::history::Words;
use crate::journal::{Distress, Entry, Happened};
use crate::paths::Paths;
use crate::session::Session;

/// One event, as `log --json` and `export` print it.
#[derive(Debug, Serialize)]
struct Event {
    time: String,
    event: &'static str,
    /// The sent prompt's number (for answers, the prompt answered).
    step: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    distress: Option<Distress>,
    /// For an answer given without a distress: the one the rules read, against the step's
    /// rung ("Did it" as the rung predicts, "It was hard" a point more).
    #[serde(skip_serializing_if = "Option::is_none")]
    assumed_distress: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    happened: Option<Happened>,
    /// "Too much": said so, or far more than the step's rung predicts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    too_much: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    /// The prompt's title, as sent (`history::Words` says where it comes from).
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    /// The prompt's words (its body), as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ladder: Option<String>,
    /// A person's own ladder's name: now, or the last it was sent under if it is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    ladder_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rung: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// For an unreadable row: its table, and the row as stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    table: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<serde_json::Value>,
}

/// The CSV export's columns; new ones go at the end, so existing ones keep their places.
const CSV_HEADER: [&str; 18] = [
    "time",
    "event",
    "step",
    "rule",
    "prompt",
    "category",
    "answer",
    "distress",
    "happened",
    "source",
    "ladder",
    "from",
    "rung",
    "reason",
    "title",
    "text",
    "ladder_name",
    "too_much",
];

/// Every event since `since`, with times in the config's time zone.
/// With `raw`, the rows closer cannot read come last, as stored.
fn events(
    paths: &Paths,
    session: &Session,
    since: Option<chrono::DateTime<Utc>>,
    raw: bool,
) -> anyhow::Result<Vec<Event>> {
    let Some(journal) = session.journal() else {
        return Ok(Vec::new());
    };
    let setup = &session.setup;
    let tz = setup.config.timezone;
    // Answers name the prompt they answer, which may be older than `since`.
    let all = journal.entries(None)?;
    let removed =
        crate::packs::removed_prompts(&paths.user_content.join(crate::content::REMOVED_DIR));
    // Which words win, the ones sent or the content's, is `Words`'s to say.
    let words = Words::new(&setup.library, &all, removed);
    let name = |l| words.ladder_name(l);
    let sent = Entry::sent_by_id(&all);
    let blank = |time: String, event| Event {
        time,
        event,
        step: None,
        rule: None,
        prompt: None,
        category: None,
        answer: None,
        distress: None,
        assumed_distress: None,
        happened: None,
        too_much: false,
        source: None,
        title: None,
        text: None,
        ladder: None,
        ladder_name: None,
        from: None,
        rung: None,
        reason: None,
        table: None,
        row: None,
    };
    let mut events: Vec<Event> = all
        .iter()
        .filter(|e| since.is_none_or(|s| e.at() >= s))
        .map(|e| {
            let time = e.at().with_timezone(&tz).to_rfc3339();
            match e {
                Entry::Sent(s) => Event {
                    step: Some(s.id),
                    rule: Some(s.rule.clone()),
                    prompt: s.prompt.clone(),
                    title: words.title(s),
                    text: words.body(s),
                    category: Some(s.category.to_string()),
                    ladder: s.ladder.map(|l| l.to_string()),
                    ladder_name: s.ladder.and_then(name),
                    rung: s.rung,
                    ..blank(time, "sent")
                },
                Entry::Answer(a) => {
                    let s = sent.get(&a.sent_id);
                    Event {
                        step: Some(a.sent_id),
                        prompt: s.and_then(|s| s.prompt.clone()),
                        title: s.and_then(|s| words.title(s)),
                        text: s.and_then(|s| words.body(s)),
                        category: s.map(|s| s.category.to_string()),
                        answer: Some(a.kind.as_str()),
                        distress: a.distress,
                        assumed_distress: match (a.distress, s) {
                            (None, Some(s)) if a.kind.done() && !a.too_much => {
                                Some(crate::progress::assumed(
                                    a.kind,
                                    crate::record::expected(&setup.library, s),
                                ))
                            }
                            _ => None,
                        },
                        happened: a.happened,
                        too_much: a.too_much,
                        source: Some(a.source.clone()),
                        ladder: s.and_then(|s| s.ladder).map(|l| l.to_string()),
                        ladder_name: s.and_then(|s| s.ladder).and_then(name),
                        rung: s.and_then(|s| s.rung),
                        ..blank(time, "answer")
                    }
                }
                Entry::Move(m) => Event {
                    ladder: Some(m.ladder.to_string()),
                    ladder_name: name(m.ladder),
                    from: Some(m.from),
                    rung: Some(m.to),
                    reason: Some(m.reason.clone()),
                    ..blank(time, "move")
                },
            }
        })
        .collect();
    if raw {
        for row in journal.unreadable()? {
            let time = row
                .columns
                .get("at")
                .and_then(|t| t.as_str())
                .unwrap_or("")
                .to_owned();
            let row_text = serde_json::Value::Object(row.columns.clone()).to_string();
            events.push(Event {
                step: Some(row.id),
                table: Some(row.table),
                reason: Some(format!(
                    "`{}` row {} as stored: {row_text}",
                    row.table, row.id
                )),
                row: Some(serde_json::Value::Object(row.columns)),
                ..blank(time, "unreadable")
            });
        }
    }
    Ok(events)
}

/// A prompt's words as `log` shows them after its id.
fn quoted(text: Option<&str>) -> String {
    text.map(|t| format!(" \"{t}\"")).unwrap_or_default()
}

pub fn log(paths: &Paths, args: &LogArgs) -> anyhow::Result<Status> {
    let since = Utc::now() - TimeDelta::days(i64::from(args.days));
    let session = Session::open(paths)?;
    let events = events(paths, &session, Some(since), false)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&events)?);
        return Ok(Status::Success);
    }
    if events.is_empty() {
        println!("Nothing in the last {} days.", args.days);
    }
    for e in &events {
        let when = format!("{} {}", &e.time[..10], &e.time[11..16]);
        let what = match e.event {
            "sent" => format!(
                "#{:<4} sent    {} {}{}",
                e.step.unwrap_or(0),
                e.category.as_deref().unwrap_or(""),
                e.prompt.as_deref().unwrap_or(""),
                quoted(e.text.as_deref())
            ),
            "answer" => {
                let mut s = format!(
                    "#{:<4} {:7} {}{}",
                    e.step.unwrap_or(0),
                    e.answer.unwrap_or(""),
                    e.prompt.as_deref().unwrap_or(""),
                    quoted(e.text.as_deref())
                );
                if let Some(d) = e.distress {
                    s += &format!(", how hard it felt: {d} of 10");
                } else if let Some(d) = e.assumed_distress {
                    s += &format!(", how hard it felt: {d} of 10 (assumed)");
                }
                if e.too_much {
                    s += ", too much";
                }
                if let Some(h) = e.happened {
                    s += match h {
                        Happened::Yes => ", what you feared happened",
                        Happened::Partly => ", what you feared partly happened",
                        Happened::No => ", what you feared did not happen",
                    };
                }
                s
            }
            _ => format!(
                "      move    {} ladder {} → {}: {}",
                e.ladder_name
                    .as_deref()
                    .or(e.ladder.as_deref())
                    .unwrap_or(""),
                e.from.unwrap_or(0),
                e.rung.unwrap_or(0),
                e.reason.as_deref().unwrap_or("")
            ),
        };
        println!("{when}  {what}");
    }
    if let Some(journal) = session.journal()
        && let Some(why) = journal.setting(crate::history::keys::STEPS_PAUSED)?
    {
        println!("Steps are paused ({why}); `closer resume` restarts them.");
    }
    Ok(Status::Success)
}

pub fn export(paths: &Paths, args: &ExportArgs) -> anyhow::Result<Status> {
    let events = events(paths, &Session::open(paths)?, None, true)?;
    match args.format {
        ExportFormat::Json => println!("{}", serde_json::to_string_pretty(&events)?),
        ExportFormat::Csv => {
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            out.write_record(CSV_HEADER)?;
            for e in &events {
                out.write_record([
                    e.time.clone(),
                    e.event.to_owned(),
                    opt(e.step),
                    e.rule.clone().unwrap_or_default(),
                    e.prompt.clone().unwrap_or_default(),
                    e.category.clone().unwrap_or_default(),
                    e.answer.unwrap_or_default().to_owned(),
                    opt(e.distress),
                    opt(e.happened),
                    e.source.clone().unwrap_or_default(),
                    e.ladder.clone().unwrap_or_default(),
                    opt(e.from),
                    opt(e.rung),
                    e.reason.clone().unwrap_or_default(),
                    e.title.clone().unwrap_or_default(),
                    e.text.clone().unwrap_or_default(),
                    e.ladder_name.clone().unwrap_or_default(),
                    if e.too_much { "true" } else { "" }.to_owned(),
                ])?;
            }
            out.flush()?;
        }
    }
    Ok(Status::Success)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}
