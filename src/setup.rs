//! Reading the config and the content together, as every command does (through
//! `session::Session`), and checking that each schedule rule has something to send; and
//! [`inputs`], the one path from the config and the journal to what the planner plans
//! with, for `next`, `status` and the daemon alike, so a preview shows what the daemon
//! will send.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use toml::de::DeValue;

use crate::config::{self, Config, DEFAULT_TOML};
use crate::content::{Category, Ladder, Library};
use crate::diag::{Diagnostic, Source};
use crate::files::{self, ReadError};
use crate::history::History;
use crate::journal::{Journal, JournalError, Opened};
use crate::paths::Paths;
use crate::planner::Planner;
use crate::progress::{self, Move, Standing};

/// The config and content as they are on disk now, with every problem found.
#[derive(Debug)]
pub struct Setup {
    pub config: Config,
    pub library: Library,
    pub problems: Vec<Diagnostic>,
    /// Whether the config came from a file (not the built-in default).
    pub from_file: bool,
}

impl Setup {
    /// Reads the config (the built-in default when there is no file) and the content.
    pub fn load(paths: &Paths) -> Result<Setup, UnreadableConfig> {
        // `--defaults`: the built-in config and no user packs, whatever is on disk.
        let config_file = if paths.defaults {
            None
        } else {
            read_config(&paths.config)?
        };
        let (src, from_file) = match config_file {
            Some(src) => (src, true),
            None if paths.defaults => (Source::new("(built-in default)", DEFAULT_TOML), false),
            None => (
                Source::new(
                    format!("(built-in default; no file at {})", paths.config.display()),
                    DEFAULT_TOML,
                ),
                false,
            ),
        };
        let user_content = (!paths.defaults).then_some(paths.user_content.as_path());
        let local = LocalZone::read();
        let mut setup = Setup::validate(&src, user_content, local.zone);
        setup.from_file = from_file;
        // Said when "local" is what the config runs on (a zone named in it makes `TZ`
        // moot).
        if let Some(warning) = local.warning(&paths.config)
            && setup.config.timezone == local.zone.unwrap_or(Tz::UTC)
        {
            tracing::warn!("{warning}");
        }
        Ok(setup)
    }

    /// The one check of a config's text with the content beside it: what `check`
    /// reports, what `edit` refuses and what the daemon will not reload are the same.
    pub fn validate(src: &Source, user_content: Option<&Path>, local: Option<Tz>) -> Setup {
        let (mut config, mut problems) = config::load(src, local);
        let (library, content_problems) = crate::packs::load(user_content);
        problems.extend(content_problems);
        // The config names ladders by id; only with the content read is it known which
        // exist (a person's own are defined in their packs). A broken one is reported
        // where it is defined.
        config.ladders.retain(|l| {
            let known = library.ladder(*l).is_some();
            if !known && !library.is_broken(*l) {
                let message = format!(
                    "no ladder `{l}`; expected one of {} or the id of a `[[ladder]]` in your content dir",
                    Ladder::expected()
                );
                problems.push(match listed_at(src, *l) {
                    Some(span) => src.error(span, "content.ladders", message),
                    None => Diagnostic::file(&src.path, format!("`content.ladders`: {message}")),
                });
            }
            known
        });
        let planner = Planner::new(&config, &library, 0);
        for rule in &config.schedule {
            if planner.pool(rule.send, &BTreeMap::new()).is_empty() {
                let why = match rule.send {
                    Category::Support => {
                        "`[content] supporter` is false; set it to true to send these".to_owned()
                    }
                    Category::Step => {
                        "no ladder in `[content] ladders` has a first step".to_owned()
                    }
                    other => format!("no content pack has a `{other}` prompt"),
                };
                problems.push(src.error(
                    rule.send_at.clone(),
                    format!("schedule[{}].send", rule.table),
                    format!("rule \"{}\" would send nothing: {why}", rule.name),
                ));
            }
        }
        Setup {
            config,
            library,
            problems,
            from_file: false,
        }
    }

    /// Where the config came from, as the daemon's log names it: the file, or the
    /// built-in default (`--defaults`, or no file yet).
    pub fn origin(&self, paths: &Paths) -> String {
        if self.from_file {
            paths.config.display().to_string()
        } else if paths.defaults {
            "the built-in default config".to_owned()
        } else {
            format!(
                "the built-in default config (there is no file at {} yet; `closer init` writes one)",
                paths.config.display()
            )
        }
    }
}

/// Where `[content] ladders` in `src` names `ladder`: the span of that string in the list,
/// as the parser saw it (never a word in a comment or another key).
fn listed_at(src: &Source, ladder: Ladder) -> Option<Range<usize>> {
    let top = crate::fields::parse(src, &mut Vec::new());
    let DeValue::Table(content) = top.get_ref().get("content")?.get_ref() else {
        return None;
    };
    let DeValue::Array(list) = content.get("ladders")?.get_ref() else {
        return None;
    };
    list.iter()
        .find(|item| {
            matches!(item.get_ref(), DeValue::String(id) if id.parse::<Ladder>().ok() == Some(ladder))
        })
        .map(|item| item.span())
}

/// What the planner plans with besides the content, the seed and `now`.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The config with the person's terminal changes (ladders turned on or off) applied.
    pub config: Config,
    /// What the journal says, with any restart after a long break applied.
    pub history: History,
    /// The ladders that restart one rung lower at `now`, after a long break.
    pub restarts: Vec<Move>,
}

/// Whether the restarts after a long break are written to the journal (the daemon), only
/// applied to what is planned with (a preview: `next`, `status`), or left out (`send`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restarts {
    Record,
    Preview,
    Ignore,
}

/// The planner's inputs at `now`: the config as the person set it, and the journal's
/// history with each ladder nobody answered on for two weeks restarted one rung lower.
/// Without a journal, the config and an empty history.
pub fn inputs(
    config: &Config,
    journal: Option<&Journal>,
    now: DateTime<Utc>,
    restarts: Restarts,
) -> Result<Inputs, JournalError> {
    let Some(journal) = journal else {
        return Ok(Inputs {
            config: config.clone(),
            history: History::default(),
            restarts: Vec::new(),
        });
    };
    let config = settled(config, journal)?;
    let mut history = crate::history::load(journal, &config, now)?;
    let moves = match restarts {
        Restarts::Record => crate::record::restarts(journal, &history, &config.ladders, now)?,
        Restarts::Ignore => Vec::new(),
        Restarts::Preview => config
            .ladders
            .iter()
            .filter_map(|l| {
                progress::after_a_break(*l, &history.standing(*l), history.last_activity(*l), now)
            })
            .collect(),
    };
    for m in &moves {
        apply_move(&mut history, m, now);
    }
    Ok(Inputs {
        config,
        history,
        restarts: moves,
    })
}

/// `config` with what the terminal keeps in the journal applied: a pause, ladders turned
/// on or off.
pub fn settled(config: &Config, journal: &Journal) -> Result<Config, JournalError> {
    let mut config = config.clone();
    crate::history::read_settings(journal)?.apply(&mut config);
    Ok(config)
}

/// `history` as it reads once `m`, made at `at`, is in the journal.
fn apply_move(history: &mut History, m: &Move, at: DateTime<Utc>) {
    history.state.rungs.insert(m.ladder, m.to);
    history.standings.insert(
        m.ladder,
        Standing {
            rung: m.to,
            reason: m.reason.clone(),
            since: Some(at),
        },
    );
}

/// The largest config closer reads: far more than any schedule needs.
pub const MAX_CONFIG: u64 = 1 << 20;

/// Reads the config at `path`: None when there is no file (nor a link) there. A link to
/// nothing, a device or a FIFO, a directory and a huge file are errors that name the path:
/// never silently the built-in default, never a read that does not end.
pub fn read_config(path: &Path) -> Result<Option<Source>, UnreadableConfig> {
    let problem = match files::read_text(path, MAX_CONFIG) {
        Ok(text) => return Ok(text.map(|text| Source::new(path, text))),
        Err(e) => e,
    };
    let fix = match problem {
        ReadError::Dangling(_) => {
            "; restore the file it points to, or remove the link to use the built-in default"
                .to_owned()
        }
        ReadError::NotAFile(_) => "; expected a TOML file".to_owned(),
        ReadError::TooLarge => format!("; a config is at most {MAX_CONFIG} bytes"),
        ReadError::NotUtf8(_) | ReadError::Io(_) => String::new(),
    };
    Err(UnreadableConfig {
        path: path.to_owned(),
        problem,
        fix,
    })
}

/// A config that is there but cannot be read: what it is instead, and what would do.
#[derive(Debug, thiserror::Error)]
#[error("the config {} {problem}{fix}", path.display())]
pub struct UnreadableConfig {
    path: PathBuf,
    problem: ReadError,
    fix: String,
}

impl UnreadableConfig {
    /// As a problem with the file, as the daemon reports it: the path said once, before it.
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::file(
            &self.path,
            format!("this config {}{}", self.problem, self.fix),
        )
    }
}

/// This machine's time zone, for "local": `TZ` when it names one, else the system setting.
/// Read here, at the edge, and passed to the pure config loader.
pub fn local_zone() -> Option<Tz> {
    LocalZone::read().zone
}

/// What "local" means on this machine, and whether `TZ` said something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalZone {
    pub zone: Option<Tz>,
    /// `TZ`, when it is set in a form closer cannot follow, and why not.
    pub unfollowed: Option<(String, &'static str)>,
}

impl LocalZone {
    /// `TZ` in each form glibc reads that names a zone closer knows: an IANA name (with or
    /// without a leading `:`), a path to a zone file (`/usr/share/zoneinfo/Asia/Tokyo`,
    /// a link to one such as `/etc/localtime`), a fixed offset in whole hours (`JST-9`,
    /// `UTC0`), and empty (UTC). Otherwise, or when it is not set, the system's zone.
    pub fn read() -> LocalZone {
        let system = || iana_time_zone::get_timezone().ok()?.parse().ok();
        match std::env::var("TZ") {
            Err(_) => LocalZone {
                zone: system(),
                unfollowed: None,
            },
            Ok(tz) => match zone_from_tz(&tz, |p| std::fs::canonicalize(p).ok()) {
                Ok(zone) => LocalZone {
                    zone: Some(zone),
                    unfollowed: None,
                },
                Err(why) => LocalZone {
                    zone: system(),
                    unfollowed: Some((tz, why)),
                },
            },
        }
    }

    /// The warning to give when "local" is in use and `TZ` could not be followed.
    pub fn warning(&self, config: &Path) -> Option<String> {
        let (tz, why) = self.unfollowed.as_ref()?;
        let instead = self.zone.unwrap_or(Tz::UTC);
        Some(format!(
            "TZ=`{tz}` is {why}, which closer cannot follow; \"local\" is {instead} instead. \
             Set `timezone` in {} to an IANA name, such as \"Asia/Tokyo\"",
            config.display()
        ))
    }
}

/// The zone `tz` (the value of `TZ`) names, or what it is instead. `resolve` follows a
/// path's links (the filesystem, passed in).
fn zone_from_tz(tz: &str, resolve: impl Fn(&Path) -> Option<PathBuf>) -> Result<Tz, &'static str> {
    // glibc: a leading colon means "a file, or whatever the library makes of it".
    let tz = tz.strip_prefix(':').unwrap_or(tz);
    if tz.is_empty() {
        return Ok(Tz::UTC);
    }
    if let Ok(zone) = tz.parse() {
        return Ok(zone);
    }
    // A path, or a name under glibc's zone dir (`posix/Asia/Tokyo`); a rule's `/` comes
    // after a comma.
    if tz.contains('/') && !tz.contains(',') {
        let path = Path::new(tz);
        let named = |p: &Path| -> Option<Tz> {
            let text = p.to_str()?;
            let name = match text.rsplit_once("zoneinfo/") {
                Some((_, name)) => name,
                None if !text.starts_with('/') => text,
                None => return None,
            };
            let name = name
                .strip_prefix("posix/")
                .or_else(|| name.strip_prefix("right/"))
                .unwrap_or(name);
            name.parse().ok()
        };
        return named(path)
            .or_else(|| resolve(path).as_deref().and_then(named))
            .ok_or("not a zone file closer knows");
    }
    fixed_offset(tz)
}

/// A POSIX `TZ` of a name and a whole-hour offset only (`JST-9`, `<+03>-3`, `UTC0`): the
/// `Etc/GMT` zone of that offset (whose sign is POSIX's: `Etc/GMT-9` is UTC+9).
fn fixed_offset(tz: &str) -> Result<Tz, &'static str> {
    let rest = if let Some(quoted) = tz.strip_prefix('<') {
        quoted.split_once('>').map(|(_, rest)| rest)
    } else {
        let letters = tz
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tz.len());
        (letters >= 3).then(|| &tz[letters..])
    };
    let Some(offset) = rest.filter(|r| !r.is_empty()) else {
        return Err("not a time zone name");
    };
    let (sign, digits) = match offset.as_bytes()[0] {
        b'-' => ("-", &offset[1..]),
        b'+' => ("+", &offset[1..]),
        _ => ("+", offset),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            if digits.contains(',') || digits.bytes().any(|b| b.is_ascii_alphabetic()) {
                "a rule with daylight saving time"
            } else {
                "an offset that is not whole hours"
            },
        );
    }
    let hours: u8 = digits.parse().map_err(|_| "not a time zone name")?;
    let name = match hours {
        0 => "Etc/GMT".to_owned(),
        1..=12 => format!("Etc/GMT{sign}{hours}"),
        13 | 14 if sign == "-" => format!("Etc/GMT-{hours}"),
        _ => return Err("an offset no zone has"),
    };
    name.parse().map_err(|_| "an offset no zone has")
}

/// Opens the journal for a terminal command that only reads it: read-only, so a read-only
/// data dir or journal is read as it is and left as it is; the usual way when it must be
/// migrated or moved aside first.
pub fn open_journal_to_read(paths: &Paths) -> anyhow::Result<Journal> {
    let path = paths.journal();
    match Journal::open_to_read(&path)
        .with_context(|| format!("cannot open the journal {}", path.display()))?
    {
        Some(journal) => Ok(journal),
        None => open_journal(paths),
    }
}

/// Opens the journal for a terminal command, saying so if it had to start afresh.
pub fn open_journal(paths: &Paths) -> anyhow::Result<Journal> {
    let path = paths.journal();
    let (journal, opened) = Journal::open_for_command(&path)
        .with_context(|| format!("cannot open the journal {}", path.display()))?;
    if let Opened::Recovered { moved_to, why } = opened {
        // Not `eprintln!`: `send` keeps SIGPIPE ignored, and a closed stderr is no panic.
        let _ = writeln!(
            std::io::stderr(),
            "warning: the journal {} was damaged ({why}); it was moved to {} and a fresh one started",
            path.display(),
            moved_to.display()
        );
    }
    Ok(journal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_ladder_is_placed_where_the_list_names_it_not_where_a_comment_does() {
        // "ladders" and the id both come first in comments, and as a schedule's name.
        let text = "# Which \"ladders\" to climb; \"not-made-yet\" is one I have not made.\n\
                    [content]\n\
                    # ladders = [\"not-made-yet\"]\n\
                    ladders = [\"emotional\",   \"not-made-yet\"]\n\
                    [[schedule]]\n\
                    name = \"ladders\"\n\
                    send = \"compassion\"\n\
                    at = \"09:00\"\n";
        let setup = Setup::validate(&Source::new("closer.toml", text), None, None);
        let problem = setup
            .problems
            .iter()
            .find(|p| p.key == "content.ladders")
            .unwrap_or_else(|| panic!("{:?}", setup.problems));
        assert!(
            problem
                .message
                .starts_with("no ladder `not-made-yet`; expected one of "),
            "{problem}"
        );
        assert_eq!((problem.line, problem.column), (4, 27), "{problem}");
        assert_eq!(setup.config.ladders, [Ladder::Emotional]);
    }

    #[test]
    fn tz_is_read_in_every_form_glibc_reads_that_names_a_zone() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        let none = |_: &Path| None;
        for (tz, zone) in [
            ("Asia/Tokyo", tokyo),
            (":Asia/Tokyo", tokyo),
            ("/usr/share/zoneinfo/Asia/Tokyo", tokyo),
            ("/usr/share/zoneinfo/right/Asia/Tokyo", tokyo),
            ("posix/Asia/Tokyo", tokyo),
            ("JST-9", "Etc/GMT-9".parse().unwrap()),
            ("<+03>-3", "Etc/GMT-3".parse().unwrap()),
            ("HST10", "Etc/GMT+10".parse().unwrap()),
            ("NZST-12", "Etc/GMT-12".parse().unwrap()),
            ("LINT-14", "Etc/GMT-14".parse().unwrap()),
            ("UTC0", "Etc/GMT".parse().unwrap()),
            ("", Tz::UTC),
        ] {
            assert_eq!(zone_from_tz(tz, none), Ok(zone), "TZ={tz:?}");
        }
        // A link followed: `/etc/localtime` names its zone by where it points.
        let link = |_: &Path| Some(PathBuf::from("/usr/share/zoneinfo/Asia/Tokyo"));
        assert_eq!(zone_from_tz("/etc/localtime", link), Ok(tokyo));
        for (tz, why) in [
            (
                "CET-1CEST,M3.5.0,M10.5.0/3",
                "a rule with daylight saving time",
            ),
            ("IST-5:30", "an offset that is not whole hours"),
            ("XYZ+13", "an offset no zone has"),
            ("/etc/localtime", "not a zone file closer knows"),
            ("Mars", "not a time zone name"),
            ("X-1", "not a time zone name"),
        ] {
            assert_eq!(zone_from_tz(tz, none), Err(why), "TZ={tz:?}");
        }
    }
    use crate::journal::NewMove;

    #[test]
    fn a_preview_plans_with_what_the_daemon_records() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, _) = Journal::open(&dir.path().join("j.sqlite3")).unwrap();
        let now: DateTime<Utc> = "2027-03-01T12:00:00Z".parse().unwrap();
        journal
            .record_move(&NewMove {
                at: now - chrono::TimeDelta::days(20),
                ladder: Ladder::Emotional,
                from: 2,
                to: 3,
                cause: crate::journal::Cause::Up,
                reason: "three steps done".into(),
            })
            .unwrap();
        let config = Config::default_config();
        let preview = inputs(&config, Some(&journal), now, Restarts::Preview).unwrap();
        assert_eq!(journal.entries(None).unwrap().len(), 1, "a preview wrote");
        let daemon = inputs(&config, Some(&journal), now, Restarts::Record).unwrap();
        assert_eq!(
            journal.entries(None).unwrap().len(),
            2,
            "the daemon did not record"
        );
        let reread = inputs(&config, Some(&journal), now, Restarts::Preview).unwrap();
        assert_eq!(preview.restarts, daemon.restarts);
        assert!(reread.restarts.is_empty());
        for inputs in [&preview, &daemon, &reread] {
            assert_eq!(inputs.history.state.rungs[&Ladder::Emotional], 2);
            assert_eq!(
                inputs.history.standing(Ladder::Emotional),
                reread.history.standing(Ladder::Emotional)
            );
        }
    }
}
