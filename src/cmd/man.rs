//! `closer man --dir DIR` (hidden, for packagers): writes the manual pages — closer(1)
//! with its exit status, files and environment, one page per subcommand
//! (closer-run(1), …), and closer(5), the config file with every key, its default and an
//! example.
//!
//! The command pages come from the clap definitions (clap_mangen), so they say what the
//! binary parses. closer(5) comes from `CONFIG_KEYS` below; tests check it against the key
//! lists `config.rs` reads with, the shipped default config and the config checker, so a
//! key cannot be added, renamed or given a new default without its documentation (and
//! docs/content-packs.md against the keys a prompt may have). Writes only into the
//! directory it is given; rendering is pure.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::CommandFactory as _;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

use crate::Status;
use crate::cli::Cli;

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The directory to write the pages into (created when missing).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn run(args: &ManArgs) -> anyhow::Result<Status> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    for (name, text) in pages() {
        let path = args.dir.join(&name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(Status::Success)
}

/// Every page, as (file name, roff text): closer.1, closer-*.1 and closer.5.
pub fn pages() -> Vec<(String, String)> {
    let mut cli = Cli::command().disable_help_subcommand(true);
    cli.build();
    let mut pages = vec![("closer.1".to_owned(), main_page(&cli))];
    subcommand_pages(&cli, &mut pages);
    pages.push(("closer.5".to_owned(), config_page()));
    pages
}

fn source() -> String {
    format!("closer {}", env!("CARGO_PKG_VERSION"))
}

/// One of clap_mangen's section renderers, such as `Man::render_title`.
type Section = fn(&Man, &mut dyn std::io::Write) -> std::io::Result<()>;

/// The sections of `man`, in order.
fn render(man: &Man, parts: &[Section]) -> String {
    let mut out = Vec::new();
    for part in parts {
        // Writing into a Vec cannot fail.
        let _ = part(man, &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// closer(1): clap's sections, then what clap does not know.
fn main_page(cli: &clap::Command) -> String {
    let man = Man::new(cli.clone()).source(source());
    let mut page = render(
        &man,
        &[
            Man::render_title,
            Man::render_name_section,
            Man::render_synopsis_section,
            Man::render_description_section,
            Man::render_options_section,
            Man::render_subcommands_section,
        ],
    );
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        ("0", "Success."),
        (
            "1",
            "An error, named on stderr; or, for check and service status, a problem found.",
        ),
        (
            "2",
            "The command line is wrong: an unknown command, or a missing or invalid argument.",
        ),
    ] {
        roff.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["FILES"]);
    for (path, what) in FILES {
        roff.control("TP", [])
            .text([italic(*path)])
            .text([roman(*what)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, what) in ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*what)]);
    }
    roff.control("SH", ["NOTES"]);
    roff.text([roman(
        "closer is self-help, not therapy. It cannot diagnose anything or replace a person \
         who can help. closer about says where to find professional or crisis help.",
    )]);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("closer"),
        roman("(5), "),
        bold("systemctl"),
        roman("(1), "),
        bold("systemd.service"),
        roman("(5)"),
    ]);
    page.push_str(&roff.render());
    page.push_str(&render(&man, &[Man::render_version_section]));
    page
}

/// Where closer keeps things, for FILES in closer(1).
const FILES: &[(&str, &str)] = &[
    (
        "~/.config/closer/config.toml",
        "The config file (see closer(5)); $XDG_CONFIG_HOME/closer when that is set.",
    ),
    (
        "~/.config/closer/content/*.toml",
        "Your own content packs; a prompt with the id of a shipped one replaces it.",
    ),
    (
        "~/.local/share/closer/journal.sqlite3",
        "The journal: every prompt sent, every answer, every ladder move ($XDG_DATA_HOME).",
    ),
    (
        "~/.local/state/closer/seed",
        "The random seed that makes each day's moments replayable ($XDG_STATE_HOME).",
    ),
    (
        "$XDG_RUNTIME_DIR/closer/",
        "The lock that keeps one daemon running at a time.",
    ),
    (
        "~/.config/systemd/user/closer.service",
        "The user unit closer service install writes; the Debian package ships one in \
         /usr/lib/systemd/user instead.",
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "DBUS_SESSION_BUS_ADDRESS",
        "The session bus, where closer finds the notification server.",
    ),
    (
        "XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME, XDG_RUNTIME_DIR",
        "Where the files above go, following the XDG base directories.",
    ),
    ("VISUAL, EDITOR", "The editor closer edit starts."),
];

/// closer-run(1) and the rest, nested ones too (closer-service-install(1)).
fn subcommand_pages(cmd: &clap::Command, pages: &mut Vec<(String, String)>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let man = Man::new(sub.clone()).source(source());
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = man.render(&mut out);
        pages.push((
            man.get_filename(),
            String::from_utf8_lossy(&out).into_owned(),
        ));
        subcommand_pages(sub, pages);
    }
}

/// One key of the config file, as closer(5) documents it.
#[derive(Debug)]
pub struct KeyDoc {
    /// The table the key is in ("" for the top level; "schedule" for each `[[schedule]]`).
    pub table: &'static str,
    pub key: &'static str,
    /// The value used when the key is left out, as TOML; `None` when it has none.
    pub default: Option<&'static str>,
    /// A valid value, as TOML.
    pub example: &'static str,
    pub text: &'static str,
}

/// What each table is for, for closer(5).
pub const TABLE_DOCS: &[(&str, &str)] = &[
    ("notifications", "How notifications look."),
    (
        "limits",
        "Limits that hold whatever the schedule says: quiet hours, a daily cap, a gap \
         between prompts.",
    ),
    ("content", "Which prompts you get."),
    ("help", "Where you find help."),
    (
        "schedule",
        "Each [[schedule]] table is one rule that sends one kind of prompt: at a time or in a \
         window (at, with days), or on a cron pattern (cron). A config with no rule sends \
         nothing.",
    ),
];

/// Every key of the config file. Keep in the order of `config.rs`'s key lists.
pub const CONFIG_KEYS: &[KeyDoc] = &[
    KeyDoc {
        table: "",
        key: "timezone",
        default: Some("\"local\""),
        example: "\"Europe/Berlin\"",
        text: "The time zone for every time in the file: \"local\" (the system's) or an IANA \
               name such as \"America/New_York\".",
    },
    KeyDoc {
        table: "notifications",
        key: "discreet",
        default: Some("\"title\""),
        example: "\"all\"",
        text: "What shows on a screen others may see: \"title\", a neutral title with no \
               words about closeness; \"all\", a neutral title and text, the prompt's own shown \
               when you click the notification or run `closer status`; \"off\", each prompt's \
               own title and text. true and false, from older configs, mean \"title\" and \"off\".",
    },
    KeyDoc {
        table: "notifications",
        key: "max_open",
        default: Some("3"),
        example: "1",
        text: "How many of closer's notifications may stay open at once, from 1 to 20; the \
               oldest is closed first.",
    },
    KeyDoc {
        table: "notifications",
        key: "weekly_summary",
        default: Some("\"off\""),
        example: "\"sun 18:00\"",
        text: "A short summary of your week, on a day and at a time; \"off\" for none.",
    },
    KeyDoc {
        table: "limits",
        key: "quiet_hours",
        default: Some("\"21:30-08:30\""),
        example: "\"22:00-07:00\"",
        text: "No prompts in these hours (\"HH:MM-HH:MM\", which may cross midnight); \"off\" \
               for none.",
    },
    KeyDoc {
        table: "limits",
        key: "in_quiet_hours",
        default: Some("\"defer\""),
        example: "\"drop\"",
        text: "What becomes of a prompt due in quiet hours: \"defer\" sends it when they end \
               (one per rule, never a pile), \"drop\" lets it go.",
    },
    KeyDoc {
        table: "limits",
        key: "max_per_day",
        default: Some("4"),
        example: "2",
        text: "At most this many prompts a day, from 1 to 1000, whatever the schedule says.",
    },
    KeyDoc {
        table: "limits",
        key: "min_gap",
        default: Some("\"90m\""),
        example: "\"2h\"",
        text: "At least this long between two prompts, at most \"24h\"; a prompt due sooner \
               waits.",
    },
    KeyDoc {
        table: "limits",
        key: "catch_up",
        default: Some("\"2h\""),
        example: "\"0\"",
        text: "After a suspend, or a time closer was not running, the most recent missed prompt \
               is still sent if it is at most this old (at most \"7d\"); \"0\" sends none.",
    },
    KeyDoc {
        table: "limits",
        key: "snooze",
        default: Some("\"1h\""),
        example: "\"30m\"",
        text: "\"Later\" on a step sends the same step again after this long (at most \"24h\"; \
               never in quiet hours).",
    },
    KeyDoc {
        table: "content",
        key: "ladders",
        default: Some(
            "[\"intellectual\", \"emotional\", \"experiential\", \"spiritual\", \"social\", \"receiving\"]",
        ),
        example: "[\"emotional\", \"social\", \"physical\"]",
        text: "The ladders of small steps you get: \"intellectual\" (sharing ideas), \
               \"emotional\" (sharing feelings), \"experiential\" (doing things together), \
               \"spiritual\" (sharing values and meaning), \"social\" (meeting people, from a \
               greeting to a regular group), \"receiving\" (taking in kindness, and naming the \
               fear to someone trusted). Off unless listed: \"physical\" (non-sexual touch and \
               closeness) and \"sexual\" (talking about boundaries and preferences; never \
               explicit).",
    },
    KeyDoc {
        table: "content",
        key: "people",
        default: Some("\"some\""),
        example: "\"few\"",
        text: "How many people are near you now: \"few\" (nobody close yet) makes closer \
               prefer steps that need nobody close (alone, a stranger, a colleague, online); \
               \"some\" draws every step alike.",
    },
    KeyDoc {
        table: "content",
        key: "fears",
        default: Some("[]"),
        example: "[\"abandonment\", \"engulfment\"]",
        text: "The fears you would like to work on first: any of \"abandonment\" (being \
               left), \"engulfment\" (being swallowed up) and \"rejection\"; steps touching \
               them come more often.",
    },
    KeyDoc {
        table: "content",
        key: "supporter",
        default: Some("false"),
        example: "true",
        text: "Turns on the messages for someone who supports a person with this fear \
               (send = \"support\").",
    },
    KeyDoc {
        table: "content",
        key: "sensitive",
        default: Some("false"),
        example: "true",
        text: "Turns on prompts that can touch old pain (childhood, past hurt, the body). \
               Even then they are never sent while steps are paused.",
    },
    KeyDoc {
        table: "help",
        key: "crisis",
        default: Some("\"\""),
        example: "\"my sister Ana, or the crisis line my doctor gave me\"",
        text: "A crisis line or a person you trust to call, shown by closer about beside a \
               directory of helplines. closer ships no phone numbers of its own.",
    },
    KeyDoc {
        table: "schedule",
        key: "name",
        default: None,
        example: "\"morning step\"",
        text: "The rule's name, shown by closer next and used by closer send. Required; each \
               rule's name is its own.",
    },
    KeyDoc {
        table: "schedule",
        key: "send",
        default: None,
        example: "\"compassion\"",
        text: "What the rule sends. Required: \"step\" (a small step), \"compassion\" (a \
               kinder word), \"setback\" (after a hard day), \"critic\" (a check on the inner \
               critic), \"reflect\" (a question to think about), \"learn\" (a short fact) or \
               \"support\" (for supporters).",
    },
    KeyDoc {
        table: "schedule",
        key: "at",
        default: None,
        example: "\"09:00-10:30\"",
        text: "A time (\"09:00\") or a window (\"09:00-10:30\", a random moment inside it each \
               day). A rule has at or cron, not both.",
    },
    KeyDoc {
        table: "schedule",
        key: "days",
        default: Some("\"daily\""),
        example: "[\"mon\", \"thu\"]",
        text: "With at: the days the rule sends on: \"daily\", \"weekdays\", \"weekends\", a \
               range such as \"mon-fri\", or a list of day names.",
    },
    KeyDoc {
        table: "schedule",
        key: "cron",
        default: None,
        example: "\"0 13 * * *\"",
        text: "Instead of at and days: a cron pattern of 5 fields (minute hour day-of-month \
               month day-of-week), or 6 with seconds first.",
    },
];

/// closer(5): the config file.
fn config_page() -> String {
    let mut roff = Roff::new();
    roff.control("TH", ["closer", "5", "", &source(), "File Formats Manual"]);
    roff.control("SH", ["NAME"]);
    roff.text([roman("closer - the configuration file of closer(1)")]);
    roff.control("SH", ["SYNOPSIS"]);
    roff.text([italic("~/.config/closer/config.toml")]);
    roff.control("SH", ["DESCRIPTION"]);
    roff.text([roman(
        "One TOML file says what closer sends and when. Without one, closer uses the built-in \
         default shown under EXAMPLE; closer init writes it out for you to change. closer check \
         says whether the file is valid, naming the file, line and column, the key and what \
         would be valid for each problem; a running closer picks up edits by itself and keeps \
         running on what is valid. Every key may be left out; its default is then used.",
    )]);
    roff.control("PP", []);
    roff.text([roman(
        "Durations are a number and a unit: \"90m\", \"2h\", \"1d\". Times are \"HH:MM\" on a \
         24-hour clock, in timezone.",
    )]);
    roff.control("SH", ["TOP-LEVEL KEYS"]);
    keys(&mut roff, "");
    // In the order the config reader knows them, so a new table cannot be left out.
    for (table, _) in crate::config::TABLES {
        let what = TABLE_DOCS
            .iter()
            .find(|(t, _)| t == table)
            .map_or("", |(_, what)| what);
        let heading = if *table == "schedule" {
            "[[schedule]]".to_owned()
        } else {
            format!("[{table}]")
        };
        roff.control("SH", [heading.as_str()]);
        roff.text([roman(what)]);
        keys(&mut roff, table);
    }
    roff.control("SH", ["EXAMPLE"]);
    roff.text([roman("The built-in default configuration:")]);
    roff.control("PP", []);
    roff.control("nf", []);
    roff.text([roman(crate::config::DEFAULT_TOML.trim_end())]);
    roff.control("fi", []);
    roff.control("SH", ["FILES"]);
    roff.control("TP", []);
    roff.text([italic("~/.config/closer/config.toml")]);
    roff.text([roman(
        "This file; $XDG_CONFIG_HOME/closer/config.toml when XDG_CONFIG_HOME is set, or the \
         file given with --config.",
    )]);
    roff.control("TP", []);
    roff.text([italic("~/.config/closer/content/*.toml")]);
    roff.text([roman(
        "Your own content packs, beside the config file; a prompt with the id of a shipped \
         one replaces it.",
    )]);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([bold("closer"), roman("(1)")]);
    roff.render()
}

/// The keys of one table, each with its default and an example.
fn keys(roff: &mut Roff, table: &str) {
    for doc in CONFIG_KEYS.iter().filter(|doc| doc.table == table) {
        roff.control("TP", []);
        roff.text([bold(doc.key)]);
        roff.text([roman(doc.text)]);
        roff.control("br", []);
        let default = doc.default.unwrap_or("none");
        roff.text([roman("Default: "), roman(default)]);
        roff.control("br", []);
        roff.text([
            roman("Example: "),
            bold(format!("{} = {}", doc.key, doc.example)),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, TABLES, TOP_KEYS};
    use crate::diag::Source;

    /// Every key the config reader accepts, as (table, key), from `config.rs`'s own lists.
    fn config_keys() -> Vec<(&'static str, &'static str)> {
        let mut all = Vec::new();
        for top in TOP_KEYS {
            match TABLES.iter().find(|(table, _)| table == top) {
                Some((table, keys)) => all.extend(keys.iter().map(|key| (*table, *key))),
                None => all.push(("", *top)),
            }
        }
        all
    }

    #[test]
    fn every_config_key_is_documented_once() {
        for (table, key) in config_keys() {
            let docs = CONFIG_KEYS
                .iter()
                .filter(|doc| doc.table == table && doc.key == key)
                .count();
            assert_eq!(
                docs, 1,
                "`{table}.{key}` needs one entry in CONFIG_KEYS, has {docs}"
            );
        }
        for (table, _) in TABLES {
            assert!(
                TABLE_DOCS.iter().any(|(t, _)| t == table),
                "the table `{table}` has no entry in TABLE_DOCS"
            );
        }
    }

    #[test]
    fn every_documented_key_exists() {
        let keys = config_keys();
        for doc in CONFIG_KEYS {
            assert!(
                keys.contains(&(doc.table, doc.key)),
                "closer(5) documents `{}.{}`, which the config does not read",
                doc.table,
                doc.key
            );
        }
    }

    #[test]
    fn documented_defaults_are_the_shipped_ones() {
        let shipped: toml::Table = toml::from_str(config::DEFAULT_TOML).unwrap();
        for doc in CONFIG_KEYS.iter().filter(|doc| doc.table != "schedule") {
            let table = if doc.table.is_empty() {
                Some(&shipped)
            } else {
                shipped.get(doc.table).and_then(toml::Value::as_table)
            };
            let Some(value) = table.and_then(|t| t.get(doc.key)) else {
                continue;
            };
            let documented: toml::Table =
                toml::from_str(&format!("v = {}", doc.default.unwrap())).unwrap();
            assert_eq!(
                Some(value),
                documented.get("v"),
                "`{}.{}`: closer(5) says the default is {:?}",
                doc.table,
                doc.key,
                doc.default
            );
        }
    }

    #[test]
    fn every_example_is_valid() {
        for doc in CONFIG_KEYS {
            let text = match doc.table {
                "" => format!("{} = {}\n", doc.key, doc.example),
                "schedule" => {
                    let mut rule = vec![
                        ("name", "\"example\""),
                        ("send", "\"compassion\""),
                        ("at", "\"12:00\""),
                    ];
                    rule.retain(|(key, _)| *key != doc.key && !(doc.key == "cron" && *key == "at"));
                    rule.push((doc.key, doc.example));
                    let lines: Vec<String> =
                        rule.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    format!("[[schedule]]\n{}\n", lines.join("\n"))
                }
                table => format!("[{table}]\n{} = {}\n", doc.key, doc.example),
            };
            let (_, problems) = config::load(&Source::new("example", text.clone()), None);
            assert!(problems.is_empty(), "{text}: {problems:?}");
        }
    }

    /// docs/content-packs.md's tables name every key a prompt may have, then every key of
    /// a person's own `[[ladder]]`, and no other.
    #[test]
    fn the_content_pack_guide_has_every_prompt_field() {
        let guide = include_str!("../../docs/content-packs.md");
        let fields: Vec<&str> = guide
            .lines()
            .filter_map(|line| line.strip_prefix("| `")?.split_once('`'))
            .map(|(field, _)| field)
            .collect();
        let expected = [crate::content::PROMPT_KEYS, crate::content::LADDER_KEYS].concat();
        assert_eq!(fields, expected);
    }

    #[test]
    fn the_pages_cover_every_command_and_key() {
        let pages = pages();
        let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
        for expected in [
            "closer.1",
            "closer-run.1",
            "closer-service-install.1",
            "closer.5",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        assert!(
            !names.iter().any(|n| n.starts_with("closer-man")),
            "{names:?}"
        );
        let main = &pages[0].1;
        assert!(main.contains("EXIT STATUS"), "{main}");
        let config = &pages.iter().find(|(n, _)| n == "closer.5").unwrap().1;
        for doc in CONFIG_KEYS {
            assert!(
                config.contains(&format!("\\fB{}\\fR", doc.key)),
                "closer(5) lacks `{}`",
                doc.key
            );
        }
    }
}
