//! `closer ladder`: the person's own say over the ladders — on, off, or a rung of their
//! choosing — and their own ladders, made, added to, shown and removed. Turning a ladder
//! on or off here overrides the config's list. A person's own ladder lives in a TOML file
//! in their content dir, edited in place (`ladder_file`) and replaced atomically; the
//! journal is never touched by removing one, so its history stays.

use chrono::Utc;

use crate::Status;
use crate::cli::{LadderAction, LadderArgs};
use std::collections::BTreeSet;
use std::io::Write as _;

use anyhow::Context as _;

use crate::config::Config;
use crate::content::{self, Fear, Ladder, LadderInfo, Library};
use crate::history::{History, keys};
use crate::paths::Paths;
use crate::progress::Move;
use crate::record::{record_move, top};
use crate::setup::{Setup, open_journal};
use crate::{files, ladder_file};

/// A ladder the library knows, by id, or one of the person's own by its name (case
/// aside): how every command that takes a LADDER finds it (`ladder`, `why`).
pub fn ladder(library: &Library, word: &str) -> anyhow::Result<Ladder> {
    if let Ok(l) = word.parse::<Ladder>()
        && library.ladder(l).is_some()
    {
        return Ok(l);
    }
    own(library, word).map(|info| info.id)
}

pub fn run(paths: &Paths, args: &LadderArgs) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    match &args.action {
        LadderAction::New {
            name,
            guided,
            description,
        } => {
            return match name {
                Some(name) if !guided => new(paths, &setup.library, name, description.as_deref()),
                _ => crate::cmd::builder::run(paths, &setup.library, name.as_deref()),
            };
        }
        LadderAction::Add {
            ladder,
            step,
            distress,
            fear,
        } => return add(paths, &setup.library, ladder, step, *distress, fear),
        LadderAction::Rm { ladder } => return rm(paths, &setup.config, &setup.library, ladder),
        LadderAction::Show { ladder } => return show(paths, &setup, ladder),
        _ => {}
    }
    let journal = open_journal(paths)?;
    match &args.action {
        LadderAction::Enable { ladder: word } => {
            let l = ladder(&setup.library, word)?;
            journal.set_setting(&keys::ladder(l), Some("on"))?;
            println!("The {} ladder is on.", setup.library.ladder_name(l));
            if l.off_by_default() {
                println!(
                    "Nothing in it is explicit, and every step can be skipped. `closer ladder disable {l}` turns it off."
                );
                if let Some(note) = crate::record::past_harm_note_once(&journal, &[l], Utc::now())?
                {
                    println!("{note}");
                }
            }
        }
        LadderAction::Disable { ladder: word } => {
            let l = ladder(&setup.library, word)?;
            journal.set_setting(&keys::ladder(l), Some("off"))?;
            println!(
                "The {} ladder is off. Where it stood is kept, for when you turn it on again.",
                setup.library.ladder_name(l)
            );
        }
        LadderAction::Set { ladder: word, rung } => {
            let l = ladder(&setup.library, word)?;
            let highest = top(&setup.library, l);
            if !(1..=highest).contains(rung) {
                anyhow::bail!(
                    "the {} ladder has rungs 1 to {highest}",
                    setup.library.ladder_name(l)
                );
            }
            let config = setup.config_as_set(Some(&journal))?;
            let history = History::load(&journal, &config, Utc::now())?;
            let from = history.standing(l).rung;
            let m = Move {
                ladder: l,
                from,
                to: *rung,
                reason: format!("set to rung {rung} by you"),
            };
            record_move(&journal, Utc::now(), &m)?;
            println!(
                "The {} ladder is on rung {rung} (it was on {from}).",
                setup.library.ladder_name(l)
            );
            if !config.ladders.contains(&l) {
                println!(
                    "It is off, so no step of it comes; `closer ladder enable {l}` turns it on."
                );
            }
        }
        LadderAction::New { .. }
        | LadderAction::Add { .. }
        | LadderAction::Rm { .. }
        | LadderAction::Show { .. } => {}
    }
    crate::lock::wake_daemon(&paths.runtime, &paths.data);
    Ok(Status::Success)
}

/// One of the person's own ladders, by id or name (case aside).
fn own<'l>(library: &'l Library, word: &str) -> anyhow::Result<&'l LadderInfo> {
    let by_id = word.parse::<Ladder>().ok().and_then(|l| library.ladder(l));
    let found = by_id
        .or_else(|| {
            library
                .ladders()
                .find(|l| l.personal && l.name.eq_ignore_ascii_case(word.trim()))
        })
        .or_else(|| {
            let id = ladder_file::slug(word).parse::<Ladder>().ok()?;
            library.ladder(id)
        });
    match found {
        Some(info) if info.personal => Ok(info),
        Some(info) => anyhow::bail!(
            "`{}` is a shipped ladder; only your own ladders are changed here (`closer ladder new NAME` makes one)",
            info.id
        ),
        None if word.parse::<Ladder>().is_ok_and(|l| library.is_broken(l)) => anyhow::bail!(
            "the ladder `{word}` has problems and was left out; `closer check` shows them"
        ),
        None => {
            let own: Vec<String> = library
                .ladders()
                .filter(|l| l.personal)
                .map(|l| format!("\"{}\"", l.id))
                .collect();
            if own.is_empty() {
                anyhow::bail!("you have no ladder `{word}` yet; `closer ladder new NAME` makes one")
            }
            anyhow::bail!("you have no ladder `{word}`; yours are {}", own.join(", "))
        }
    }
}

fn new(
    paths: &Paths,
    library: &Library,
    name: &str,
    description: Option<&str>,
) -> anyhow::Result<Status> {
    let id = ladder_file::slug(name);
    let id: Ladder = id.parse().map_err(|_| {
        anyhow::anyhow!(
            "`{name}` gives no ladder id; use letters or digits in the name, such as \"Telling my sister\""
        )
    })?;
    if let Some(info) = library.ladder(id) {
        if info.personal {
            anyhow::bail!(
                "you already have the ladder `{id}` ({}), in {}",
                info.name,
                info.origin.display()
            );
        }
        anyhow::bail!("`{id}` is a shipped ladder; name yours otherwise, such as \"My {name}\"");
    }
    let path = paths.user_content.join(format!("ladder-{id}.toml"));
    if path.exists() {
        anyhow::bail!(
            "{} is already there; edit it, or choose another name",
            path.display()
        );
    }
    let text = ladder_file::new_ladder(id, name, description)
        .map_err(|e| anyhow::anyhow!("cannot make the ladder `{id}`: {e}"))?;
    write(&path, &text)?;
    println!(
        "Made your ladder `{id}` ({}) in {}.",
        name.trim(),
        path.display()
    );
    println!(
        "Add its steps, easiest to hardest in any order: `closer ladder add {id} \"A situation\" --distress 3`. Then `closer ladder enable {id}` turns it on."
    );
    // The daemon's watcher sees the new file too; this is for when it cannot watch.
    crate::lock::reload_daemon(&paths.runtime, &paths.data);
    Ok(Status::Success)
}

fn add(
    paths: &Paths,
    library: &Library,
    word: &str,
    step: &str,
    distress: f32,
    fear: &[String],
) -> anyhow::Result<Status> {
    let info = own(library, word)?;
    let fear = fear
        .iter()
        .map(|f| f.parse::<Fear>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("`--fear`: {e}"))?;
    let text = read(&info.origin)?;
    let used = used_ids(paths)?;
    let new_step = ladder_file::NewStep {
        text: step,
        distress,
        fear: &fear,
        used: &used,
    };
    let text = ladder_file::add_step(&text, info.id, &new_step)
        .map_err(|e| anyhow::anyhow!("{}: cannot add this step: {e}", info.origin.display()))?;
    write(&info.origin, &text)?;
    println!(
        "Added to `{}` (how hard it would feel: {distress} of 10). `closer ladder show {}` shows its rungs.",
        info.id, info.id
    );
    crate::lock::reload_daemon(&paths.runtime, &paths.data);
    Ok(Status::Success)
}

fn rm(paths: &Paths, config: &Config, library: &Library, word: &str) -> anyhow::Result<Status> {
    let info = own(library, word)?;
    let text = read(&info.origin)?;
    // Its words are kept beside the content dir, never sent again, for `log` and `export`.
    let archive = paths.user_content.join(content::REMOVED_DIR).join(format!(
        "ladder-{}-{}.toml",
        info.id,
        Utc::now().format("%Y%m%d%H%M%S")
    ));
    write(&archive, &text)?;
    let left = ladder_file::remove_ladder(&text, info.id)
        .map_err(|e| anyhow::anyhow!("{}: {e}", info.origin.display()))?;
    match left {
        Some(text) => write(&info.origin, &text)?,
        None => std::fs::remove_file(&info.origin)
            .with_context(|| format!("cannot remove {}", info.origin.display()))?,
    }
    println!(
        "Removed your ladder `{}` ({}). What you did on it stays in `closer log`, `closer export` and the report.",
        info.id, info.name
    );
    if config.ladders.contains(&info.id) {
        println!(
            "Your config still lists it under `[content] ladders` in {}: take it out there.",
            paths.config.display()
        );
    }
    crate::lock::reload_daemon(&paths.runtime, &paths.data);
    Ok(Status::Success)
}

fn show(paths: &Paths, setup: &Setup, word: &str) -> anyhow::Result<Status> {
    let library = &setup.library;
    let l = ladder(library, word)?;
    let info = library
        .ladder(l)
        .ok_or_else(|| anyhow::anyhow!("no ladder `{word}`"))?;
    let (config, history) = setup.history(paths)?;
    let on = config.ladders.contains(&info.id);
    let standing = history.standing(info.id);
    println!(
        "{} (`{}`){}",
        info.name,
        info.id,
        if on { "" } else { ", off" }
    );
    if let Some(d) = &info.description {
        println!("{d}");
    }
    if info.personal {
        println!("{}", info.origin.display());
    }
    let mut steps: Vec<&crate::content::Prompt> = library
        .iter()
        .filter(|p| p.ladder == Some(info.id))
        .collect();
    steps.sort_by_key(|p| (p.rung, p.id.clone()));
    steps.dedup_by_key(|p| p.rung);
    if steps.is_empty() {
        println!(
            "No steps yet: `closer ladder add {} \"A situation\" --distress 3`.",
            info.id
        );
    }
    for p in steps {
        let here = if p.rung == Some(standing.rung) {
            ">"
        } else {
            " "
        };
        println!(
            "{here} {:>2}  {:>4.1}  {}",
            p.rung.unwrap_or(0),
            p.distress.unwrap_or(0.0),
            p.body
        );
    }
    Ok(Status::Success)
}

/// Every prompt id used before: sent (the journal) or on a removed ladder.
pub(crate) fn used_ids(paths: &Paths) -> anyhow::Result<BTreeSet<String>> {
    let mut used: BTreeSet<String> =
        content::removed_prompts(&paths.user_content.join(content::REMOVED_DIR))
            .into_keys()
            .collect();
    if paths.journal().exists() {
        for entry in open_journal(paths)?.entries(None)? {
            if let crate::journal::Entry::Sent(s) = entry
                && let Some(id) = s.prompt
            {
                used.insert(id);
            }
        }
    }
    Ok(used)
}

fn read(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    files::open_nofollow(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text)
}

pub(crate) fn write(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    files::write_private(path, |f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))
}
