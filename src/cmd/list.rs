//! `closer list`: the prompts and ladders the user's config lets closer send, so they can
//! see what they will get and which ids to replace in their own packs.

use serde::Serialize;

use crate::Status;
use crate::cli::ListArgs;
use crate::content::{Category, Event, Fear, Ladder, Library, Needs, Part, Prompt, TimeOfDay};
use crate::paths::Paths;
use crate::session::Session;

#[derive(Debug, Serialize)]
struct Row<'a> {
    id: &'a str,
    category: Category,
    title: &'a str,
    discreet_title: &'a str,
    body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ladder: Option<Ladder>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rung: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    distress: Option<f32>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    after: &'a [Event],
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<TimeOfDay>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    sensitive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<&'a Part>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fear: &'a [Fear],
    /// The rung this step is a wording of, as "ladder:rung": steps with the same group
    /// are variants of one step.
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    needs: Option<Needs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fade: Option<&'a str>,
    /// What people often fear will happen, asked about after the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    feared: Option<&'a str>,
    /// The step needs an occasion: "No chance yet" is offered in place of "Later".
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    occasion: bool,
}

/// What `closer list` was asked to show.
enum Filter {
    All,
    Category(Category),
    Ladder(Ladder),
}

impl Filter {
    fn parse(word: Option<&str>, library: &Library) -> anyhow::Result<Filter> {
        let Some(word) = word else {
            return Ok(Filter::All);
        };
        if let Ok(c) = word.parse() {
            return Ok(Filter::Category(c));
        }
        if let Ok(l) = word.parse()
            && library.ladder(l).is_some()
        {
            return Ok(Filter::Ladder(l));
        }
        anyhow::bail!(
            "`{word}` is neither a category ({}) nor a ladder ({})",
            Category::expected(),
            Ladder::expected()
        )
    }

    fn admits(&self, p: &Prompt) -> bool {
        match self {
            Filter::All => true,
            Filter::Category(c) => p.category == *c,
            Filter::Ladder(l) => p.ladder == Some(*l),
        }
    }
}

pub fn run(paths: &Paths, args: &ListArgs) -> anyhow::Result<Status> {
    // The ladders as the person turned them on or off, here as in `status` and `next`.
    let Session { setup, config, .. } = Session::open(paths)?;
    let config = &config;
    let filter = Filter::parse(args.filter.as_deref(), &setup.library)?;
    for problem in &setup.problems {
        eprintln!("warning: {problem}");
    }
    let mut prompts: Vec<&Prompt> = setup
        .library
        .iter()
        .filter(|p| config.enables(p) && filter.admits(p))
        .collect();
    // Ladders first, rung by rung; then each category in its own order.
    prompts.sort_by_key(|p| (p.category, p.ladder, p.rung, p.id.clone()));

    if args.json {
        let rows: Vec<Row> = prompts
            .iter()
            .map(|p| Row {
                id: &p.id,
                category: p.category,
                title: &p.title,
                discreet_title: p.shown_title(true),
                body: &p.body,
                ladder: p.ladder,
                rung: p.rung,
                distress: p.distress,
                after: &p.after,
                time: p.time,
                sensitive: p.sensitive,
                series: p.series.as_ref(),
                fear: &p.fear,
                group: p.group().map(|(l, r)| format!("{l}:{r}")),
                needs: p.group().map(|_| p.needs()),
                why: p.why.as_deref(),
                fade: p.fade.as_deref(),
                feared: p.feared.as_deref(),
                occasion: p.occasion,
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(Status::Success);
    }
    if prompts.is_empty() {
        match filter {
            Filter::Ladder(l) => println!(
                "The {} ladder is off. `closer ladder enable {l}` turns it on.",
                setup.library.ladder_name(l)
            ),
            _ => println!("Nothing here is turned on in {}.", paths.config.display()),
        }
        return Ok(Status::Success);
    }
    let mut heading = String::new();
    for p in prompts {
        let this = match p.ladder {
            // A person's own ladder by its name.
            Some(l) => match setup.library.ladder(l) {
                Some(info) if info.personal => format!("{} (your `{l}` ladder)", info.name),
                _ => format!("{l} ladder"),
            },
            None => p.category.to_string(),
        };
        if this != heading {
            println!("{}{this}", if heading.is_empty() { "" } else { "\n" });
            heading = this;
        }
        match (p.rung, p.distress) {
            (Some(r), Some(d)) => println!("  {r:>2}  {d:>4.1}  {:<40}  {}", p.id, p.title),
            _ => println!("  {:<40}  {}", p.id, p.title),
        }
    }
    Ok(Status::Success)
}
