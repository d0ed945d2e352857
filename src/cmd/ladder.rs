//! `closer ladder`: the person's own say over the ladders — on, off, or a rung of their
//! choosing — and their own ladders, made, added to, shown and removed. Turning a ladder
//! on or off here overrides the config's list. A person's own ladder lives in a TOML file
//! in their content dir, edited in place (`ladder_file`) and replaced atomically; the
//! journal is never touched by removing one, so its history stays.
//!
//! Invariants: every read-change-write of a ladder file happens under one lock
//! (`.ladders.lock` in the content dir, flock), so commands run at once never lose a
//! step; a file the loader would refuse is never written; a removed ladder is taken out
//! of the config's `[content] ladders` before its file goes, so a running daemon's
//! reload never meets a list naming a ladder that is gone.

use chrono::Utc;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::PathBuf;

use crate::Status;
use crate::cli::{AddArgs, LadderAction, LadderArgs};

use anyhow::Context as _;

use crate::content::{self, Fear, Ladder, LadderInfo, Library, MAX_LADDER_NAME};
use crate::history::keys;
use crate::paths::Paths;
use crate::progress::Move;
use crate::record::{record_move, top};
use crate::session::{Session, journal_if_any};
use crate::setup::{Setup, settled};
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
                _ => crate::cmd::builder::run(paths, &setup, name.as_deref()),
            };
        }
        LadderAction::Add(add_args) => return add(paths, &setup.library, add_args),
        LadderAction::Rm { ladder } => return rm(paths, &setup, ladder),
        LadderAction::Show { ladder } => return show(&Session::look(setup, paths)?, ladder),
        _ => {}
    }
    let session = Session::write(setup, paths)?;
    let (setup, journal) = (&session.setup, &session.journal);
    match &args.action {
        LadderAction::Enable { ladder: word } => {
            let l = ladder(&setup.library, word)?;
            journal.set_setting(&keys::ladder(l), Some("on"))?;
            println!("The {} ladder is on.", setup.library.ladder_name(l));
            if l.off_by_default() {
                println!(
                    "Nothing in it is explicit, and every step can be skipped. `closer ladder disable {l}` turns it off."
                );
                if setup.config.discreet != crate::config::Discreet::All {
                    println!("{}", crate::record::DISCREET_HINT);
                }
                if let Some(note) = crate::record::past_harm_note_once(journal, &[l], Utc::now())? {
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
            // Where it stands and the move from there, in one transaction: a move the
            // daemon or another `ladder set` records meanwhile comes wholly before or
            // after, so every move starts where the one before it ended.
            let (config, from) = journal.write(|j| -> anyhow::Result<_> {
                let now = Utc::now();
                let config = settled(&setup.config, j)?;
                let from = crate::history::load(j, &config, now)?.standing(l).rung;
                let m = Move {
                    ladder: l,
                    from,
                    to: *rung,
                    cause: crate::journal::Cause::Set,
                    reason: format!("set to rung {rung} by you"),
                };
                record_move(j, now, &m)?;
                Ok((config, from))
            })?;
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
        | LadderAction::Add(_)
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
                .find(|l| l.personal && l.name.to_lowercase() == word.trim().to_lowercase())
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

/// The id a new ladder called `name` gets, or why it cannot be made (what `ladder new`
/// refuses, and what the guided builder's first question asks again): a name that fits,
/// not one of the person's own ladders already, and no shipped ladder's id. An id taken
/// by another name, or a name in an alphabet with no plain letters, gets a number.
pub(crate) fn new_id(paths: &Paths, library: &Library, name: &str) -> Result<Ladder, String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(
            "the name is empty; say in a few words what you would like to be able to do, such as \"Telling my sister\"".into(),
        );
    }
    if chars > MAX_LADDER_NAME {
        return Err(format!(
            "the name has {chars} characters; at most {MAX_LADDER_NAME} fit, so a shorter one, please, such as \"Telling my sister\""
        ));
    }
    if let Some(mine) = library
        .ladders()
        .find(|l| l.personal && l.name.to_lowercase() == name.to_lowercase())
    {
        return Err(format!(
            "you already have the ladder \"{}\" (`{}`, in {}); `closer ladder add {} \"…\" --distress N` adds a step to it, or choose another name",
            mine.name,
            mine.id,
            mine.origin.display(),
            mine.id
        ));
    }
    if let Ok(shipped) = ladder_file::slug(name).parse::<Ladder>()
        && shipped.is_shipped()
    {
        return Err(format!(
            "`{shipped}` is a shipped ladder; name yours otherwise, such as \"My {name}\""
        ));
    }
    let id = ladder_file::fresh_id(name, |id| {
        library.ladder(id).is_some()
            || library.is_broken(id)
            || file_of(paths, id).symlink_metadata().is_ok()
    });
    ladder_file::new_ladder(id, name, None)?;
    Ok(id)
}

/// Where `ladder new` puts the ladder `id`.
pub(crate) fn file_of(paths: &Paths, id: Ladder) -> PathBuf {
    paths.user_content.join(format!("ladder-{id}.toml"))
}

fn new(
    paths: &Paths,
    library: &Library,
    name: &str,
    description: Option<&str>,
) -> anyhow::Result<Status> {
    let _lock = lock_edits(paths)?;
    let id = new_id(paths, library, name).map_err(anyhow::Error::msg)?;
    let path = file_of(paths, id);
    let text = ladder_file::new_ladder(id, name, description)
        .map_err(|e| anyhow::anyhow!("cannot make the ladder `{id}`: {e}"))?;
    create(&path, &text)?;
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

fn add(paths: &Paths, library: &Library, args: &AddArgs) -> anyhow::Result<Status> {
    let info = own(library, &args.ladder)?;
    let fear = args
        .fear
        .iter()
        .map(|f| f.parse::<Fear>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("`--fear`: {e}"))?;
    let used = used_ids(paths)?;
    let new_step = ladder_file::NewStep {
        fear: &fear,
        feared: args.feared.as_deref(),
        likely: args.likely,
        fade: args.fade.as_deref(),
        occasion: args.occasion,
        ..ladder_file::NewStep::new(&args.step, args.distress, &used)
    };
    // Read, changed and written under the lock: another `add` at the same moment waits,
    // then adds to what this one wrote.
    let _lock = lock_edits(paths)?;
    let text = read(&info.origin)?;
    let text = ladder_file::add_step(&text, info.id, &new_step).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot add this step: {e}; nothing was written",
            info.origin.display()
        )
    })?;
    write(&info.origin, &text)?;
    println!(
        "Added to `{}` (how hard it would feel: {} of 10). `closer ladder show {}` shows its rungs.",
        info.id, args.distress, info.id
    );
    crate::lock::reload_daemon(&paths.runtime, &paths.data);
    Ok(Status::Success)
}

fn rm(paths: &Paths, setup: &Setup, word: &str) -> anyhow::Result<Status> {
    let info = own(&setup.library, word)?;
    let _lock = lock_edits(paths)?;
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
    // Out of the config's list first: a daemon reloading between the two writes then
    // reads a list and a content dir that agree.
    let unlisted = unlist(paths, info.id)?;
    match left {
        Some(text) => write(&info.origin, &text)?,
        None => std::fs::remove_file(&info.origin)
            .with_context(|| format!("cannot remove {}", info.origin.display()))?,
    }
    println!(
        "Removed your ladder `{}` ({}). What you did on it stays in `closer log`, `closer export` and the report.",
        info.id, info.name
    );
    if unlisted {
        println!(
            "It is out of `[content] ladders` in {} too; the rest of the file is as it was.",
            paths.config.display()
        );
    }
    crate::lock::reload_daemon(&paths.runtime, &paths.data);
    // What the config lacks now (a step rule with no ladder left, say) is said here,
    // not first by a daemon that keeps its schedule.
    if let Ok(after) = Setup::load(paths) {
        for problem in after
            .problems
            .iter()
            .filter(|p| !setup.problems.contains(p))
        {
            println!("warning: {problem}");
        }
    }
    Ok(Status::Success)
}

/// Takes `ladder` out of the config file's `[content] ladders` (through a link to the
/// file it names), its comments and layout kept; whether it was listed.
fn unlist(paths: &Paths, ladder: Ladder) -> anyhow::Result<bool> {
    let Some(src) = crate::setup::read_config(&paths.config)? else {
        return Ok(false);
    };
    let Some(text) = ladder_file::unlisted(&src.text, ladder).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot take `{ladder}` out of `[content] ladders`: {e}",
            paths.config.display()
        )
    })?
    else {
        return Ok(false);
    };
    let target = if paths.config.is_symlink() {
        std::fs::canonicalize(&paths.config)
            .with_context(|| format!("cannot follow the link {}", paths.config.display()))?
    } else {
        paths.config.clone()
    };
    write(&target, &text)?;
    Ok(true)
}

fn show(session: &Session, word: &str) -> anyhow::Result<Status> {
    let library = &session.setup.library;
    let l = ladder(library, word)?;
    let info = library
        .ladder(l)
        .ok_or_else(|| anyhow::anyhow!("no ladder `{word}`"))?;
    let (config, history) = session.history()?;
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
        crate::packs::removed_prompts(&paths.user_content.join(content::REMOVED_DIR))
            .into_keys()
            .collect();
    if let Some(journal) = journal_if_any(paths)? {
        for entry in journal.entries(None)? {
            if let crate::journal::Entry::Sent(s) = entry
                && let Some(id) = s.prompt
            {
                used.insert(id);
            }
        }
    }
    Ok(used)
}

/// The lock file that serialises edits of the person's ladder files, in their content
/// dir (hidden, and not a `.toml`: no loader or watcher reads it).
pub(crate) const EDIT_LOCK: &str = ".ladders.lock";

/// Waits for, then holds, the lock on edits of the person's ladder files: every command
/// that reads a ladder file to write it again does so under it. Released on drop (and by
/// the kernel, however the process ends).
pub(crate) fn lock_edits(paths: &Paths) -> anyhow::Result<std::fs::File> {
    let dir = &paths.user_content;
    let path = dir.join(EDIT_LOCK);
    files::create_private_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = files::nofollow(&mut options)
        .open(&path)
        .with_context(|| format!("cannot open the lock {}", path.display()))?;
    file.lock()
        .with_context(|| format!("cannot take the lock {}", path.display()))?;
    Ok(file)
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

/// Writes a new file at `path`, never over one that is there.
pub(crate) fn create(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    files::create_private(path, |f| f.write_all(text.as_bytes())).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{} is already there; nothing was written", path.display())
        } else {
            anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
        }
    })
}
