//! The user's configuration: reading it from TOML, checking every key, and resolving it
//! into values the planner can use.
//!
//! Two stages: toml parses the text into a spanned tree, then each key is checked on its
//! own so one pass reports every problem with its line and column. What is valid is
//! kept: a broken schedule rule is left out and the others still run. Pure: the caller
//! reads the file and tells the machine's time zone (for "local"); nothing here reads
//! the clock, the environment or a file.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use chrono_tz::Tz;

use crate::content::{Category, Fear, Ladder, Prompt};
use crate::diag::{Diagnostic, Source};
use crate::fields::{self, Fields};
use crate::schedule::Trigger;
use crate::when::{self, Days, Window};

/// The documented default configuration, as shipped.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// A resolved, valid configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub timezone: Tz,
    pub discreet: Discreet,
    /// How many notifications may stay open at once.
    pub max_open: usize,
    /// When to send the weekly summary, if at all (a day and a time).
    pub weekly_summary: Option<Trigger>,
    pub limits: Limits,
    pub ladders: Vec<Ladder>,
    pub supporter: bool,
    /// How many people are near: with `Few`, steps that need nobody close are preferred.
    pub people: People,
    /// The fears the person wants to work on first; steps touching them are preferred.
    pub fears: Vec<Fear>,
    /// Prompts that can touch old pain (childhood, past hurt, the body) are sent only
    /// when this is on, and never while steps are paused.
    pub sensitive: bool,
    /// A crisis line or contact the user trusts, shown by `closer about`; may be empty.
    pub crisis: String,
    pub schedule: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub quiet_hours: Option<Window>,
    pub in_quiet_hours: QuietPolicy,
    pub max_per_day: u32,
    pub min_gap: TimeDelta,
    pub catch_up: TimeDelta,
    /// How long "Later" waits before the same prompt comes again.
    pub snooze: TimeDelta,
}

/// `[content] people`: how many people are near enough for a step with someone close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum People {
    /// Nobody close yet: prefer steps done alone, with a stranger, a colleague or online.
    Few,
    /// Some people near: every step as likely as the next.
    Some,
}

/// What a notification shows on a screen others may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discreet {
    /// The prompt's own title and text.
    Off,
    /// A neutral title, the prompt's text (`true` in older configs).
    Title,
    /// A neutral title and text; clicking the notification, or `closer status`, shows it.
    All,
}

impl Discreet {
    /// Whether the title is a neutral one.
    pub fn title(self) -> bool {
        self != Discreet::Off
    }
}

/// `true`/`false` as older configs wrote a setting, or one of its words.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum BoolOrWord {
    Bool(bool),
    Word(String),
}

/// What becomes of a prompt due in quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuietPolicy {
    Defer,
    Drop,
}

/// One `[[schedule]]` entry.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub send: Category,
    pub trigger: Trigger,
    /// Its place among the file's `[[schedule]]` tables, from 1 (invalid ones are left
    /// out of `Config::schedule`, so this is not always its index there).
    pub table: usize,
    /// Where its `send` value is in the config's text, for a message about it.
    pub send_at: std::ops::Range<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            quiet_hours: Some("21:30-08:30".parse().expect("valid window")),
            in_quiet_hours: QuietPolicy::Defer,
            max_per_day: 4,
            min_gap: TimeDelta::minutes(90),
            catch_up: TimeDelta::hours(2),
            snooze: TimeDelta::hours(1),
        }
    }
}

impl Config {
    /// Whether the user's settings let this prompt be sent at all: steps only from the
    /// ladders turned on, supporter messages only when asked for, prompts that can touch
    /// old pain only with `[content] sensitive = true`.
    pub fn enables(&self, prompt: &Prompt) -> bool {
        if prompt.sensitive && !self.sensitive {
            return false;
        }
        match prompt.category {
            Category::Step => prompt.ladder.is_some_and(|l| self.ladders.contains(&l)),
            Category::Support => self.supporter,
            _ => true,
        }
    }

    /// The settings used for every key the file leaves out (the schedule aside).
    fn base(timezone: Tz) -> Config {
        Config {
            timezone,
            discreet: Discreet::Title,
            max_open: 3,
            weekly_summary: None,
            limits: Limits::default(),
            ladders: vec![
                Ladder::Intellectual,
                Ladder::Emotional,
                Ladder::Experiential,
                Ladder::Spiritual,
                Ladder::Social,
                Ladder::Receiving,
            ],
            supporter: false,
            people: People::Some,
            fears: Vec::new(),
            sensitive: false,
            crisis: String::new(),
            schedule: Vec::new(),
        }
    }

    /// The built-in default configuration, with "local" taken as UTC.
    pub fn default_config() -> Config {
        let (config, diags) = load(
            &Source::new("(built-in default)", DEFAULT_TOML),
            Some(Tz::UTC),
        );
        debug_assert!(diags.is_empty(), "{diags:?}");
        config
    }
}

/// The keys each part of the file may hold; anything else is reported as unknown. The
/// manual page `closer(5)` documents each of them (a test checks that none is missing).
pub const TOP_KEYS: &[&str] = &[
    "timezone",
    "notifications",
    "limits",
    "content",
    "help",
    "schedule",
];
pub const NOTIFICATION_KEYS: &[&str] = &["discreet", "max_open", "weekly_summary"];
pub const LIMIT_KEYS: &[&str] = &[
    "quiet_hours",
    "in_quiet_hours",
    "max_per_day",
    "min_gap",
    "catch_up",
    "snooze",
];
pub const CONTENT_KEYS: &[&str] = &["ladders", "supporter", "people", "fears", "sensitive"];
pub const HELP_KEYS: &[&str] = &["crisis"];
pub const RULE_KEYS: &[&str] = &["name", "send", "at", "days", "cron"];
/// The tables among `TOP_KEYS`, with their keys (`schedule` is an array of tables).
pub const TABLES: &[(&str, &[&str])] = &[
    ("notifications", NOTIFICATION_KEYS),
    ("limits", LIMIT_KEYS),
    ("content", CONTENT_KEYS),
    ("help", HELP_KEYS),
    ("schedule", RULE_KEYS),
];

/// Reads and checks a configuration; every problem found is returned beside what was valid.
/// `local` is this machine's time zone, if it can be told: what "local" means.
pub fn load(src: &Source, local: Option<Tz>) -> (Config, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let doc = fields::parse(src, &mut diags);
    let top = Fields::new(src, doc.get_ref(), doc.span(), "", TOP_KEYS, &mut diags);

    let timezone = top
        .parse_with("timezone", "a time zone name", &mut diags, |s: &String| {
            parse_zone(s, local)
        })
        .unwrap_or_else(|| local.unwrap_or(Tz::UTC));
    let mut config = Config::base(timezone);

    if let Some((table, span)) = top.table("notifications", &mut diags) {
        let f = Fields::new(
            src,
            table,
            span,
            "notifications",
            NOTIFICATION_KEYS,
            &mut diags,
        );
        if let Some(v) = f.parse_with(
            "weekly_summary",
            "\"off\" or a day and a time such as \"sun 18:00\"",
            &mut diags,
            |s: &String| parse_weekly(s),
        ) {
            config.weekly_summary = v;
        }
        if let Some(v) = f.parse_with(
            "discreet",
            "\"title\", \"all\" or \"off\"",
            &mut diags,
            |v: &BoolOrWord| match v {
                BoolOrWord::Bool(true) => Ok(Discreet::Title),
                BoolOrWord::Bool(false) => Ok(Discreet::Off),
                BoolOrWord::Word(w) => match w.as_str() {
                    "title" => Ok(Discreet::Title),
                    "all" => Ok(Discreet::All),
                    "off" => Ok(Discreet::Off),
                    _ => Err(format!(
                        "`{w}` is not a choice here; expected \"title\", \"all\" or \"off\""
                    )),
                },
            },
        ) {
            config.discreet = v;
        }
        if let Some(v) = f.parse_with(
            "max_open",
            "a whole number from 1 to 20",
            &mut diags,
            |n: &i64| {
                usize::try_from(*n)
                    .ok()
                    .filter(|n| (1..=20).contains(n))
                    .ok_or_else(|| {
                        format!("{n} is out of range; expected a whole number from 1 to 20")
                    })
            },
        ) {
            config.max_open = v;
        }
    }

    if let Some((table, span)) = top.table("limits", &mut diags) {
        read_limits(
            &Fields::new(src, table, span, "limits", LIMIT_KEYS, &mut diags),
            &mut config.limits,
            &mut diags,
        );
    }

    if let Some((table, span)) = top.table("content", &mut diags) {
        let f = Fields::new(src, table, span, "content", CONTENT_KEYS, &mut diags);
        if let Some(ladders) = f.parse_with(
            "ladders",
            "a list of ladder names",
            &mut diags,
            |list: &Vec<String>| {
                list.iter()
                    .map(|s| s.parse::<Ladder>())
                    .collect::<Result<Vec<_>, _>>()
            },
        ) {
            config.ladders = ladders;
        }
        if let Some(v) = f.get::<bool>("supporter", "true or false", &mut diags) {
            config.supporter = v.into_inner();
        }
        if let Some(v) =
            f.parse_with(
                "people",
                "\"few\" or \"some\"",
                &mut diags,
                |s: &String| match s.as_str() {
                    "few" => Ok(People::Few),
                    "some" => Ok(People::Some),
                    _ => Err(format!(
                        "`{s}` is not a choice here; expected \"few\" or \"some\""
                    )),
                },
            )
        {
            config.people = v;
        }
        if let Some(v) = f.parse_with(
            "fears",
            "a list of fears",
            &mut diags,
            |list: &Vec<String>| {
                list.iter()
                    .map(|s| s.parse::<Fear>())
                    .collect::<Result<Vec<_>, _>>()
            },
        ) {
            config.fears = v;
        }
        if let Some(v) = f.get::<bool>("sensitive", "true or false", &mut diags) {
            config.sensitive = v.into_inner();
        }
    }

    if let Some((table, span)) = top.table("help", &mut diags) {
        let f = Fields::new(src, table, span, "help", HELP_KEYS, &mut diags);
        if let Some(v) = f.get::<String>("crisis", "a string", &mut diags) {
            config.crisis = v.into_inner().trim().to_owned();
        }
    }

    let mut names = BTreeSet::new();
    for (i, (table, span)) in top.tables("schedule", &mut diags).into_iter().enumerate() {
        let f = Fields::new(
            src,
            table,
            span,
            format!("schedule[{}]", i + 1),
            RULE_KEYS,
            &mut diags,
        );
        let before = diags.len();
        if let Some(rule) = read_rule(&f, i + 1, &mut diags) {
            if !names.insert(rule.name.clone()) {
                f.report(
                    "name",
                    format!(
                        "another rule is already named \"{}\"; names must be unique",
                        rule.name
                    ),
                    &mut diags,
                );
            } else if diags.len() == before {
                config.schedule.push(rule);
            }
        }
    }
    (config, diags)
}

fn read_limits(f: &Fields, limits: &mut Limits, diags: &mut Vec<Diagnostic>) {
    if let Some(v) = f.parse_with(
        "quiet_hours",
        "a window such as \"21:30-08:30\", or \"off\"",
        diags,
        |s: &String| {
            if s.trim() == "off" {
                return Ok(None);
            }
            let window: Window = s.parse()?;
            if window.minutes() == 0 {
                return Err(format!(
                    "`{s}` is a single time; expected a window such as \"21:30-08:30\", or \"off\""
                ));
            }
            Ok(Some(window))
        },
    ) {
        limits.quiet_hours = v;
    }
    if let Some(v) = f.parse_with(
        "in_quiet_hours",
        "\"defer\" or \"drop\"",
        diags,
        |s: &String| match s.as_str() {
            "defer" => Ok(QuietPolicy::Defer),
            "drop" => Ok(QuietPolicy::Drop),
            _ => Err(format!(
                "`{s}` is not a choice here; expected \"defer\" or \"drop\""
            )),
        },
    ) {
        limits.in_quiet_hours = v;
    }
    if let Some(v) = f.parse_with(
        "max_per_day",
        "a whole number from 1 to 1000",
        diags,
        |n: &i64| {
            u32::try_from(*n)
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    format!("{n} is out of range; expected a whole number from 1 to 1000")
                })
        },
    ) {
        limits.max_per_day = v;
    }
    // Each duration within what makes sense for it (and far from chrono's limits).
    let within = |max: TimeDelta, max_text: &'static str| {
        move |s: &String| {
            let d = when::parse_duration(s)?;
            if d > max {
                Err(format!(
                    "`{s}` is longer than {max_text}; expected at most \"{max_text}\""
                ))
            } else {
                Ok(d)
            }
        }
    };
    if let Some(v) = f.parse_with(
        "min_gap",
        "a duration such as \"90m\"",
        diags,
        within(TimeDelta::days(1), "24h"),
    ) {
        limits.min_gap = v;
    }
    if let Some(v) = f.parse_with(
        "catch_up",
        "a duration such as \"2h\"",
        diags,
        within(TimeDelta::days(7), "7d"),
    ) {
        limits.catch_up = v;
    }
    if let Some(v) = f.parse_with(
        "snooze",
        "a duration such as \"1h\"",
        diags,
        within(TimeDelta::days(1), "24h"),
    ) {
        limits.snooze = v;
    }
}

fn read_rule(f: &Fields, table: usize, diags: &mut Vec<Diagnostic>) -> Option<Rule> {
    let name = f.parse_with(
        "name",
        "a name such as \"morning step\"",
        diags,
        |s: &String| {
            let s = s.trim();
            if s.is_empty() {
                Err("the name is empty; expected a name such as \"morning step\"".to_owned())
            } else {
                Ok(s.to_owned())
            }
        },
    );
    let send = f.parse_with(
        "send",
        &format!("a category: {}", Category::expected()),
        diags,
        |s: &String| s.parse::<Category>(),
    );
    let window = f.parse_with("at", "a time or a window", diags, |s: &String| {
        s.parse::<Window>()
    });
    let cron = f.parse_with("cron", "a cron pattern", diags, |s: &String| {
        Trigger::cron(s)
    });
    let days = match f.raw("days").map(|v| v.get_ref().is_array()) {
        None => None,
        Some(true) => f.parse_with(
            "days",
            "a list of day names",
            diags,
            |list: &Vec<String>| Days::from_list(list),
        ),
        Some(false) => f.parse_with(
            "days",
            "a string such as \"mon-fri\" or a list such as [\"mon\", \"thu\"]",
            diags,
            |s: &String| Days::parse(s),
        ),
    };

    if f.raw("name").is_none() {
        f.missing("name", "a name such as \"morning step\"", diags);
    }
    if f.raw("send").is_none() {
        f.missing(
            "send",
            &format!("a category: {}", Category::expected()),
            diags,
        );
    }
    let trigger = match (f.raw("at").is_some(), f.raw("cron").is_some()) {
        (true, true) => {
            f.report(
                "cron",
                "a rule has either `at` (with `days`) or `cron`, not both",
                diags,
            );
            None
        }
        (false, false) => {
            f.missing(
                "at",
                "`at` (a time such as \"09:00\" or a window such as \"09:00-10:30\") or `cron`",
                diags,
            );
            None
        }
        (true, false) => window.map(|window| Trigger::At {
            window,
            days: days.unwrap_or(Days::DAILY),
        }),
        (false, true) => {
            if f.raw("days").is_some() {
                f.report(
                    "days",
                    "`days` goes with `at`; with `cron`, put the days in the pattern",
                    diags,
                );
            }
            cron
        }
    };
    Some(Rule {
        name: name?,
        send: send?,
        trigger: trigger?,
        table,
        send_at: f.raw("send").map(|v| v.span()).unwrap_or_default(),
    })
}

/// Reads `weekly_summary`: "off", or a day and a time such as "sun 18:00".
fn parse_weekly(s: &str) -> Result<Option<Trigger>, String> {
    let bad = || {
        format!("`{s}` is not a day and a time; expected \"off\" or something like \"sun 18:00\"")
    };
    if s.trim() == "off" {
        return Ok(None);
    }
    let (day, time) = s.trim().split_once(' ').ok_or_else(bad)?;
    let days = Days::parse(day).map_err(|_| bad())?;
    let window: Window = time.trim().parse().map_err(|_| bad())?;
    if window.minutes() != 0 {
        return Err(bad());
    }
    Ok(Some(Trigger::At { window, days }))
}

/// Reads a time zone name: "local" (this machine's zone, `local`, if it can be told) or
/// an IANA name.
pub fn parse_zone(name: &str, local: Option<Tz>) -> Result<Tz, String> {
    if name == "local" {
        return local.ok_or_else(|| {
            "cannot tell this machine's time zone; expected an IANA name here, such as \"Europe/Berlin\"".to_owned()
        });
    }
    name.parse::<Tz>().map_err(|_| {
        format!("`{name}` is not a time zone; expected \"local\" or an IANA name such as \"Europe/Berlin\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (Config, Vec<String>) {
        let (config, diags) = load(
            &Source::new("/home/u/.config/closer/config.toml", text),
            Some(Tz::UTC),
        );
        (config, diags.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn discreet_takes_title_all_or_off_and_the_old_true_and_false() {
        for (value, expected) in [
            ("true", Discreet::Title),
            ("false", Discreet::Off),
            ("\"title\"", Discreet::Title),
            ("\"all\"", Discreet::All),
            ("\"off\"", Discreet::Off),
        ] {
            let (config, diags) = check(&format!("[notifications]\ndiscreet = {value}\n"));
            assert!(diags.is_empty(), "{value}: {diags:?}");
            assert_eq!(config.discreet, expected, "{value}");
        }
        let (_, diags) = check("[notifications]\ndiscreet = \"body\"\n");
        assert_eq!(
            diags,
            [
                "/home/u/.config/closer/config.toml:2:12: `notifications.discreet`: `body` is not a choice here; expected \"title\", \"all\" or \"off\""
            ]
        );
    }

    #[test]
    fn the_default_config_is_valid_and_matches_the_built_in_values() {
        let (config, diags) = check(DEFAULT_TOML);
        assert!(diags.is_empty(), "{diags:#?}");
        let base = Config::base(config.timezone);
        assert_eq!(config.discreet, base.discreet);
        assert_eq!(config.max_open, base.max_open);
        assert!(config.weekly_summary.is_none());
        assert_eq!(config.ladders, base.ladders);
        assert_eq!(config.supporter, base.supporter);
        assert_eq!(config.people, base.people);
        assert_eq!(config.fears, base.fears);
        assert_eq!(config.crisis, base.crisis);
        assert_eq!(config.limits.quiet_hours, base.limits.quiet_hours);
        assert_eq!(config.limits.in_quiet_hours, base.limits.in_quiet_hours);
        assert_eq!(config.limits.max_per_day, base.limits.max_per_day);
        assert_eq!(config.limits.min_gap, base.limits.min_gap);
        assert_eq!(config.limits.catch_up, base.limits.catch_up);
        assert_eq!(config.limits.snooze, base.limits.snooze);
        let names: Vec<_> = config.schedule.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "morning step",
                "midday kindness",
                "evening reflection",
                "a fairer look",
                "something to know"
            ]
        );
        assert!(!config.ladders.iter().any(|l| l.off_by_default()));
    }

    #[test]
    fn every_problem_is_reported_with_line_column_and_key() {
        let (config, diags) = check(
            r#"timezone = "UTC"
colour = "blue"

[limits]
max_per_day = "four"
min_gap = "soon"

[[schedule]]
name = "bad cron"
send = "compassion"
cron = "0 13 * *"

[[schedule]]
name = "bad window"
send = "step"
at = "9am-10am"

[[schedule]]
name = "fine"
send = "learn"
at = "12:00"
"#,
        );
        let expected = [
            "config.toml:2:1: `colour`: unknown key; expected one of: timezone,",
            "config.toml:5:15: `limits.max_per_day`: expected a whole number from 1 to 1000, found string",
            "config.toml:6:11: `limits.min_gap`: `soon` is not a duration",
            "config.toml:11:8: `schedule[1].cron`: `0 13 * *` has 4 fields; expected 5",
            "config.toml:16:6: `schedule[2].at`: `9am-10am` is not a time or a window",
        ];
        for e in expected {
            assert!(
                diags.iter().any(|d| d.contains(e)),
                "missing {e:?} in {diags:#?}"
            );
        }
        assert_eq!(diags.len(), expected.len(), "{diags:#?}");
        // What was valid still runs.
        assert_eq!(config.schedule.len(), 1);
        assert_eq!(config.schedule[0].name, "fine");
        assert_eq!(config.limits.max_per_day, 4);
    }

    #[test]
    fn people_and_fears_are_read_and_wrong_words_named() {
        let (config, diags) =
            check("[content]\npeople = \"few\"\nfears = [\"engulfment\", \"abandonment\"]\n");
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(config.people, People::Few);
        assert_eq!(config.fears, [Fear::Engulfment, Fear::Abandonment]);
        let (config, diags) = check("[content]\npeople = \"none\"\nfears = [\"loss\"]\n");
        assert_eq!(
            diags,
            [
                "/home/u/.config/closer/config.toml:2:10: `content.people`: `none` is not a choice here; expected \"few\" or \"some\"",
                "/home/u/.config/closer/config.toml:3:9: `content.fears`: `loss` is not one of \"abandonment\", \"engulfment\", \"rejection\""
            ]
        );
        assert_eq!(config.people, People::Some);
        assert!(config.fears.is_empty());
    }

    #[test]
    fn rules_need_one_trigger_a_category_and_a_unique_name() {
        let (config, diags) = check(
            r#"[[schedule]]
name = "a"
send = "hugs"
at = "09:00"

[[schedule]]
name = "b"
send = "step"

[[schedule]]
name = "c"
send = "step"
at = "09:00"
cron = "0 9 * * *"

[[schedule]]
name = "d"
send = "step"
cron = "0 9 * * *"
days = "mon"

[[schedule]]
name = "e"
send = "step"
at = "09:00"
days = ["mon", "someday"]

[[schedule]]
name = "e"
send = "step"
at = "09:00"
"#,
        );
        assert!(config.schedule.is_empty(), "{:?}", config.schedule);
        for e in [
            "3:8: `schedule[1].send`: `hugs` is not one of",
            "6:1: `schedule[2].at`: missing",
            "14:8: `schedule[3].cron`: a rule has either",
            "20:8: `schedule[4].days`: `days` goes with `at`",
            "26:8: `schedule[5].days`: `someday` is not a day",
            "29:8: `schedule[6].name`: another rule is already named \"e\"",
        ] {
            assert!(
                diags.iter().any(|d| d.contains(e)),
                "missing {e:?} in {diags:#?}"
            );
        }
    }

    #[test]
    fn syntax_errors_name_their_place() {
        let (_, diags) = check("timezone = \"UTC\"\n[limits\nmax_per_day = 3\n");
        assert!(
            diags[0].starts_with("/home/u/.config/closer/config.toml:2:"),
            "{diags:#?}"
        );
    }

    #[test]
    fn durations_have_sensible_limits() {
        let (_, diags) =
            check("[limits]\nmin_gap = \"999999999999h\"\ncatch_up = \"8d\"\nsnooze = \"2d\"\n");
        assert_eq!(diags.len(), 3, "{diags:#?}");
        assert!(
            diags[0].contains("2:11: `limits.min_gap`: `999999999999h` is longer than 24h"),
            "{diags:#?}"
        );
        let (config, diags) =
            check("[limits]\nmin_gap = \"24h\"\ncatch_up = \"7d\"\nsnooze = \"5m\"\n");
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(config.limits.snooze, TimeDelta::minutes(5));
    }

    #[test]
    fn the_weekly_summary_is_a_day_and_a_time_or_off() {
        let (config, diags) = check("[notifications]\nweekly_summary = \"sun 18:00\"\n");
        assert!(diags.is_empty(), "{diags:#?}");
        assert!(matches!(config.weekly_summary, Some(Trigger::At { .. })));
        for bad in ["sunday", "18:00", "sun 18:00-19:00", "someday 18:00"] {
            let (_, diags) = check(&format!("[notifications]\nweekly_summary = \"{bad}\"\n"));
            assert!(
                diags[0].contains("is not a day and a time"),
                "{bad}: {diags:#?}"
            );
        }
    }

    #[test]
    fn zones_and_quiet_hours_off() {
        let (config, diags) =
            check("timezone = \"America/New_York\"\n[limits]\nquiet_hours = \"off\"\n");
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(config.timezone, chrono_tz::America::New_York);
        assert_eq!(config.limits.quiet_hours, None);
        let (_, diags) = check("timezone = \"Mars/Olympus\"\n");
        assert!(
            diags[0].contains("`timezone`: `Mars/Olympus` is not a time zone"),
            "{diags:#?}"
        );
    }

    #[test]
    fn local_is_the_zone_passed_in() {
        let src = Source::new("c.toml", "timezone = \"local\"\n");
        let (config, diags) = load(&src, Some(chrono_tz::Asia::Tokyo));
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(config.timezone, chrono_tz::Asia::Tokyo);
        let (_, diags) = load(&src, None);
        assert!(
            diags[0]
                .to_string()
                .contains("cannot tell this machine's time zone"),
            "{diags:#?}"
        );
    }
}
