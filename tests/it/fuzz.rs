//! Property tests ("fuzzing") of everything that reads what a person wrote: the config
//! and content parsers, the friendly time forms, cron triggers, and the planner on every
//! config that loads cleanly. Bad input must never panic, and what comes out must be
//! coherent: diagnostics point inside the file, values stay in their documented ranges,
//! plans go forward in time and keep quiet hours, the gap and the daily cap. The real
//! binary gets random values for every flag and argument: a usage error at worst, never a panic.
//!
//! Fast by default (a few hundred cases per property, about a second in all).
//! `CLOSER_FUZZ_CASES=N` runs N cases of each cheap property, N/4 of the planning one and
//! N/8 of the replanning one; `scripts/fuzz.sh` runs rounds of them with fresh seeds for a
//! bounded time. A failure found here becomes a plain test in `tests/fuzz_regressions.rs`.

use std::sync::{Arc, LazyLock, mpsc};
use std::time::Duration;

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use closer::config::{self, Config};
use closer::content::{self, Category, Library, MAX_BODY, MAX_TITLE};
use closer::diag::{Diagnostic, Source};
use closer::planner::{Firing, Planner, State};
use closer::schedule::Trigger;
use closer::when::{self, Days, Window};

// ---------------------------------------------------------------------------------------
// Budget

/// The proptest settings for a property that runs `default` cases in a normal test run.
/// `CLOSER_FUZZ_CASES=N` scales every property so that one with the usual 256 runs N.
/// Failures are not persisted to files: a failure found becomes a regression test.
fn budget(default: u32) -> ProptestConfig {
    let cases = match std::env::var("CLOSER_FUZZ_CASES") {
        Ok(n) => {
            let n: u64 = n
                .trim()
                .parse()
                .expect("CLOSER_FUZZ_CASES must be a whole number of cases");
            u32::try_from((n * u64::from(default) / 256).max(1)).unwrap_or(u32::MAX)
        }
        Err(_) => default,
    };
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// How long one call may take before it counts as not terminating.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `f` on its own thread and fails if it does not finish within [`WATCHDOG`]; a
/// panic inside is passed on as it was.
fn terminates<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the thread ended without sending"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish within {WATCHDOG:?}")
        }
    }
}

// ---------------------------------------------------------------------------------------
// Time: zones, instants near daylight-saving changes

/// Zones with awkward clocks: half-hour DST (Lord Howe), a skipped day (Apia, 2011-12-30;
/// Kiritimati, 1994-12-31), negative DST (Dublin), two-hour DST (Troll), odd offsets.
const ZONES: &[&str] = &[
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Pacific/Kiritimati",
    "Europe/Dublin",
    "Antarctica/Troll",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Chatham",
];

/// Seconds from 1970-01-01 to 2200-01-01.
const END_2200: i64 = 7_258_118_400;

fn zone(name: &str) -> Tz {
    name.parse().expect("a zone in the list")
}

fn offset_at(tz: Tz, t: i64) -> i32 {
    tz.offset_from_utc_datetime(&utc(t).naive_utc())
        .fix()
        .local_minus_utc()
}

fn utc(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).expect("in range")
}

/// Every change of UTC offset in [`ZONES`] from 1970 to 2200, found month by month.
static TRANSITIONS: LazyLock<Vec<(Tz, DateTime<Utc>)>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for name in ZONES {
        let tz = zone(name);
        let mut month_start = 0;
        while month_start < END_2200 {
            let month_end = month_start + 31 * 86_400;
            let (mut lo, mut hi) = (month_start, month_end);
            // At most a few changes a month; find each by bisection, then go on after it.
            while offset_at(tz, lo) != offset_at(tz, hi) {
                let first = offset_at(tz, lo);
                let (mut a, mut b) = (lo, hi);
                while b - a > 1 {
                    let mid = a + (b - a) / 2;
                    if offset_at(tz, mid) == first {
                        a = mid;
                    } else {
                        b = mid;
                    }
                }
                out.push((tz, utc(b)));
                lo = b;
                hi = hi.max(b + 1);
            }
            month_start = month_end;
        }
    }
    out
});

/// The changes that skip more than two hours of wall-clock time (Apia's lost day, say).
static JUMPS: LazyLock<Vec<(Tz, DateTime<Utc>)>> = LazyLock::new(|| {
    let jumps: Vec<_> = TRANSITIONS
        .iter()
        .filter(|(tz, t)| {
            let t = t.timestamp();
            offset_at(*tz, t) - offset_at(*tz, t - 1) > 2 * 3600
        })
        .copied()
        .collect();
    assert!(jumps.iter().any(|(tz, _)| tz.name() == "Pacific/Apia"));
    jumps
});

/// A zone from [`ZONES`].
fn any_zone() -> impl Strategy<Value = Tz> {
    proptest::sample::select(ZONES).prop_map(zone)
}

/// An instant from 1970 to 2200: anywhere, or within a day and a half of an offset change
/// (in a zone that has it, returned alongside), with or without fractions of a second.
fn instant() -> impl Strategy<Value = (Tz, DateTime<Utc>)> {
    let anywhere = (any_zone(), 0..END_2200).prop_map(|(tz, t)| (tz, utc(t)));
    let near_change = (any::<prop::sample::Index>(), -129_600i64..129_600).prop_map(|(i, d)| {
        let (tz, t) = i.get(&TRANSITIONS[..]);
        (*tz, *t + TimeDelta::seconds(d))
    });
    // Minute-exact moments next to a change, where off-by-one mistakes live.
    let at_change = (any::<prop::sample::Index>(), -3i64..=3, -2i64..=2).prop_map(|(i, m, s)| {
        let (tz, t) = i.get(&TRANSITIONS[..]);
        (*tz, *t + TimeDelta::minutes(m) + TimeDelta::seconds(s))
    });
    let near_jump = (any::<prop::sample::Index>(), -172_800i64..172_800).prop_map(|(i, d)| {
        let (tz, t) = i.get(&JUMPS[..]);
        (*tz, *t + TimeDelta::seconds(d))
    });
    (
        prop_oneof![4 => anywhere, 4 => near_change, 2 => at_change, 1 => near_jump],
        prop_oneof![3 => Just(0u32), 1 => 0u32..1_000_000_000],
    )
        .prop_map(|((tz, t), nanos)| {
            let t = t.clamp(utc(0), utc(END_2200 - 1));
            (tz, t.with_nanosecond(nanos).unwrap_or(t))
        })
}

// ---------------------------------------------------------------------------------------
// Known bugs

// ---------------------------------------------------------------------------------------
// Text: TOML pieces, plausible and malformed

/// `s` as a TOML basic string, so any text at all makes valid TOML.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text a person might not mean: empty, blank, odd unicode, long, or anything.
fn odd_text() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        Just(" \t ".to_owned()),
        Just("\u{0}".to_owned()),
        Just("🙂‍↔️ zwj".to_owned()),
        Just("\u{202e}drawkcab".to_owned()),
        Just("e\u{301}\u{301}\u{301}".to_owned()),
        Just("日本語のテキスト".to_owned()),
        Just("\u{feff}bom".to_owned()),
        Just("x".repeat(300)),
        Just("ä".repeat(61)),
        any::<String>(),
        "[a-z0-9 :\\-/*,#LW?]{0,20}",
    ]
    .boxed()
}

/// A TOML value of any type, mostly not the one a key wants.
fn junk_value() -> BoxedStrategy<String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        Just("9223372036854775808".to_owned()),
        Just("-0".to_owned()),
        Just("0x7fffffffffffffff".to_owned()),
        Just("0b101".to_owned()),
        Just("1_000".to_owned()),
        Just("nan".to_owned()),
        Just("-inf".to_owned()),
        Just("-0.0".to_owned()),
        Just("1e400".to_owned()),
        Just("true".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        Just("07:32:00".to_owned()),
        Just("[]".to_owned()),
        Just("[1, \"a\", [true]]".to_owned()),
        Just("{ a = 1, b = { c = \"d\" } }".to_owned()),
        Just("\"\"\"multi\nline\"\"\"".to_owned()),
        Just("'literal \\d'".to_owned()),
        odd_text().prop_map(|s| quote(&s)),
    ]
    .boxed()
}

/// A key's value: `good` (rendered TOML) always; with `wild`, also malformed strings of
/// the right type (`bad`) and values of other types.
fn value(
    wild: bool,
    good: BoxedStrategy<String>,
    bad: BoxedStrategy<String>,
) -> BoxedStrategy<String> {
    if wild {
        prop_oneof![5 => good, 3 => bad.prop_map(|s| quote(&s)), 2 => junk_value()].boxed()
    } else {
        good
    }
}

/// `key = value` lines, each present or not.
fn lines(pairs: Vec<(&'static str, Option<String>)>) -> String {
    pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k} = {v}\n")))
        .collect()
}

fn clock() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        1 => (0u32..100, 0u32..100).prop_map(|(h, m)| format!("{h}:{m:02}")),
        1 => proptest::sample::select(vec![
            "24:00", "23:59", "00:00", "9:05", "+9:00", "-0:30", " 09:00 ", "09:00:00",
            "١٢:٠٠", "０９:００", "9", "", ":", "09:", ":30", "9:5", "999:99",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

/// A clock time or a window as a person might write it (unquoted).
fn window_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (clock(), clock()).prop_map(|(a, b)| format!("{a}-{b}")),
        1 => clock(),
        1 => proptest::sample::select(vec![
            "23:59-00:00", "00:00-23:59", "24:00", "00:00-00:00", "02:00-03:00", "01:30-02:30",
            "02:30-03:30", "21:30-08:30", "off", "09:00-10:30-11:00", "-", "09:00 - 10:00",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

/// A well-formed window (`HH:MM-HH:MM`, may cross midnight), or a single time.
fn good_window_text() -> BoxedStrategy<String> {
    let hm = (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}"));
    prop_oneof![
        3 => (hm.clone(), hm.clone()).prop_map(|(a, b)| format!("{a}-{b}")),
        1 => hm,
        1 => proptest::sample::select(vec![
            "23:59-00:00", "00:00-23:59", "02:00-03:00", "01:30-02:30", "02:30-03:30",
            "21:30-08:30", "00:00-00:01", "23:00-01:00",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

fn duration_text(plausible: bool) -> BoxedStrategy<String> {
    let units = vec![
        "s", "m", "h", "d", "w", "min", "ms", "sec", "hours", "y", "M", "months",
    ];
    let good = prop_oneof![
        Just("0".to_owned()),
        (
            0u64..1000,
            proptest::sample::select(vec!["s", "m", "h", "min"])
        )
            .prop_map(|(n, u)| format!("{n}{u}")),
        (0u64..48, 0u64..60).prop_map(|(h, m)| format!("{h}h {m}m")),
        proptest::sample::select(vec![
            "90m", "1h 30m", "45s", "1s", "24h", "7d", "1w", "365d"
        ])
        .prop_map(str::to_owned),
    ];
    if plausible {
        // Huge durations parse; whatever uses them must cope.
        let huge = proptest::sample::select(vec![
            "999999999999h",
            "300000y",
            "100000y",
            "100000000d",
            "9223372036854775s",
        ])
        .prop_map(str::to_owned);
        return prop_oneof![12 => good, 1 => huge].boxed();
    }
    prop_oneof![
        3 => good,
        2 => (any::<u64>(), proptest::sample::select(units.clone()))
            .prop_map(|(n, u)| format!("{n}{u}")),
        1 => (0u64..1_000_000_000, proptest::sample::select(units))
            .prop_map(|(n, u)| format!("{n}{u}")),
        1 => proptest::sample::select(vec![
            "999999999999h", "300000y", "262143y", "100000000d", "18446744073709551615s",
            "9223372036854775807ms", "-5m", "1e3s", " 90m ", "90", "", "0s", "00", "0 ",
            "1h30", "1.5h", "∞", "5 m", "h",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

fn days_text() -> BoxedStrategy<String> {
    proptest::sample::select(vec![
        "daily",
        "every day",
        "weekdays",
        "weekends",
        "mon-fri",
        "fri-mon",
        "sun-sat",
        "mon-mon",
        "Thu",
        "thursday",
        "MON",
        "funday",
        "mon-",
        "-fri",
        "mon-fri-sat",
        " tue ",
        "",
        "ｍｏｎ",
    ])
    .prop_map(str::to_owned)
    .boxed()
}

fn day_names() -> BoxedStrategy<Vec<String>> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::sample::select(vec!["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
            1 => proptest::sample::select(vec!["Monday", "SUN", "someday", "", "mon-fri"]),
        ]
        .prop_map(str::to_owned),
        0..4,
    )
    .boxed()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

// ---------------------------------------------------------------------------------------
// Cron patterns

const MONTHS: &[&str] = &[
    "jan", "FEB", "Mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: &[&str] = &["sun", "MON", "Tue", "wed", "thu", "fri", "sat"];

/// One element of a cron field: `*`, a number (in range or not), a range, a step, `L`,
/// `#`, `W`, a name or anything else croner might meet.
fn cron_atom(max: u32) -> BoxedStrategy<String> {
    let n = prop_oneof![8 => 0..=max, 1 => max + 1..max + 10, 1 => Just(99_999_999u32)];
    prop_oneof![
        4 => Just("*".to_owned()),
        4 => n.clone().prop_map(|n| n.to_string()),
        2 => (n.clone(), n.clone()).prop_map(|(a, b)| format!("{a}-{b}")),
        2 => (0u32..=max + 2).prop_map(|s| format!("*/{s}")),
        1 => (n.clone(), n.clone(), 0u32..=max + 2).prop_map(|(a, b, s)| format!("{a}-{b}/{s}")),
        1 => (n.clone(), 0u32..=max + 2).prop_map(|(a, s)| format!("{a}/{s}")),
        1 => Just("?".to_owned()),
        1 => Just("L".to_owned()),
        1 => n.clone().prop_map(|n| format!("{n}L")),
        1 => Just("LW".to_owned()),
        1 => n.clone().prop_map(|n| format!("{n}W")),
        1 => (n, 0u32..7).prop_map(|(a, k)| format!("{a}#{k}")),
        1 => proptest::sample::select(MONTHS).prop_map(str::to_owned),
        1 => proptest::sample::select(WEEKDAYS).prop_map(str::to_owned),
        1 => (proptest::sample::select(WEEKDAYS), proptest::sample::select(WEEKDAYS))
            .prop_map(|(a, b)| format!("{a}-{b}")),
        1 => proptest::sample::select(vec![
            "", "-", "/", ",", "L-2", "5#", "#1", "W", "*/", "-1", "1-", "foo",
        ])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

fn cron_field(max: u32) -> BoxedStrategy<String> {
    prop_oneof![
        4 => cron_atom(max),
        1 => proptest::collection::vec(cron_atom(max), 1..4).prop_map(|v| v.join(",")),
    ]
    .boxed()
}

/// A cron pattern from the grammar of fields, most with 5 or 6 fields.
fn cron_text() -> BoxedStrategy<String> {
    let five = (
        cron_field(59),
        cron_field(23),
        cron_field(31),
        cron_field(12),
        cron_field(7),
    )
        .prop_map(|(m, h, d, mo, w)| format!("{m} {h} {d} {mo} {w}"));
    let six = (cron_field(59), five.clone()).prop_map(|(s, rest)| format!("{s} {rest}"));
    prop_oneof![
        5 => five,
        2 => six,
        1 => proptest::collection::vec(cron_field(59), 0..9).prop_map(|v| v.join(" ")),
        1 => proptest::sample::select(vec![
            "@daily", "@hourly", "@weekly", "@monthly", "@yearly", "@annually", "@midnight",
            "@reboot", "@every 5m", "@", "  0 9 * * *  ", "0\t9 * * *", "0 0 29 2 *",
            "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 L 2 *", "0 0 29 2 mon", "0 9 * * 5#5",
            "0 0 * * 7", "0 0 LW * *", "0 30 2 * * *", "* * * * * *", "0 0 0 1 1 *",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

/// A cron pattern with every field in range, as a person would mean one.
fn good_cron_text() -> BoxedStrategy<String> {
    fn field(max: u32, start: u32) -> BoxedStrategy<String> {
        prop_oneof![
            2 => Just("*".to_owned()),
            4 => (start..=max).prop_map(|n| n.to_string()),
            1 => (1..=max.max(2)).prop_map(|s| format!("*/{s}")),
            1 => (start..=max, start..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            1 => proptest::collection::vec(start..=max, 1..4)
                .prop_map(|v| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",")),
        ]
        .boxed()
    }
    let five = (
        field(59, 0),
        field(23, 0),
        field(28, 1),
        field(12, 1),
        field(6, 0),
    )
        .prop_map(|(m, h, d, mo, w)| format!("{m} {h} {d} {mo} {w}"));
    prop_oneof![
        4 => five.clone(),
        1 => (field(59, 0), five).prop_map(|(s, rest)| format!("{s} {rest}")),
        1 => (0u32..60, 0u32..24).prop_map(|(m, h)| format!("{m} {h} * * *")),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Config files from a grammar

fn zone_value(wild: bool) -> BoxedStrategy<String> {
    let mut names: Vec<&str> = ZONES.to_vec();
    names.push("local");
    let good = proptest::sample::select(names).prop_map(quote).boxed();
    let bad = prop_oneof![
        proptest::sample::select(vec![
            "Mars/Olympus",
            "utc",
            "Europe/",
            "",
            " UTC",
            "UTC+1",
            "../etc"
        ])
        .prop_map(str::to_owned),
        odd_text(),
    ]
    .boxed();
    value(wild, good, bad)
}

fn rule_toml(wild: bool) -> BoxedStrategy<String> {
    let name = value(
        wild,
        proptest::sample::select(vec!["a", "b", "c", "morning step", "Ünïcode ✓", " padded "])
            .prop_map(quote)
            .boxed(),
        odd_text(),
    );
    let send = value(
        wild,
        proptest::sample::select(Category::ALL)
            .prop_map(|c| quote(c.as_str()))
            .boxed(),
        proptest::sample::select(vec!["Step", "hugs", "", "step "])
            .prop_map(str::to_owned)
            .boxed(),
    );
    let at = value(
        wild,
        good_window_text().prop_map(|s| quote(&s)).boxed(),
        window_text(),
    );
    let days = value(
        wild,
        prop_oneof![
            proptest::sample::select(vec![
                "daily", "weekdays", "weekends", "mon-fri", "fri-mon", "sat", "tue-thu"
            ])
            .prop_map(quote),
            proptest::collection::vec(
                proptest::sample::select(vec!["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
                    .prop_map(str::to_owned),
                1..4,
            )
            .prop_map(|v| list(&v)),
        ]
        .boxed(),
        days_text(),
    );
    let days = if wild {
        prop_oneof![4 => days, 1 => day_names().prop_map(|v| list(&v))].boxed()
    } else {
        days
    };
    // Plausible patterns are in range; now and then one from the wider grammar, which
    // either loads (and is planned) or is refused.
    let cron = value(
        wild,
        prop_oneof![4 => good_cron_text(), 1 => cron_text()]
            .prop_map(|s| quote(&s))
            .boxed(),
        cron_text(),
    );
    // `at` (with `days`) or `cron`; with `wild`, any mix.
    let trigger = if wild {
        (
            proptest::option::of(at),
            proptest::option::of(days),
            proptest::option::of(cron),
        )
            .boxed()
    } else {
        prop_oneof![
            (at, proptest::option::of(days)).prop_map(|(a, d)| (Some(a), d, None)),
            cron.prop_map(|c| (None, None, Some(c))),
        ]
        .boxed()
    };
    let (name, send, unknown) = if wild {
        (
            proptest::option::weighted(0.9, name).boxed(),
            proptest::option::weighted(0.9, send).boxed(),
            proptest::option::weighted(0.1, junk_value()).boxed(),
        )
    } else {
        (
            name.prop_map(Some).boxed(),
            send.prop_map(Some).boxed(),
            Just(None).boxed(),
        )
    };
    (name, send, trigger, unknown)
        .prop_map(|(name, send, (at, days, cron), unknown)| {
            format!(
                "[[schedule]]\n{}",
                lines(vec![
                    ("name", name),
                    ("send", send),
                    ("at", at),
                    ("days", days),
                    ("cron", cron),
                    ("color", unknown),
                ])
            )
        })
        .boxed()
}

/// A config file from a grammar of its keys. With `wild`, values are often malformed and
/// the file may carry unknown keys, repeated tables and broken lines; without, every
/// value is plausible (though the whole may still be refused, say for two rules with one
/// name).
fn config_toml(wild: bool) -> BoxedStrategy<String> {
    let p = if wild { 0.7 } else { 0.8 };
    let int = |good: std::ops::RangeInclusive<i64>| -> BoxedStrategy<String> {
        let good = good.prop_map(|n| n.to_string());
        if !wild {
            return good.boxed();
        }
        // Out of range, but written as a number: those reach the range checks.
        let out_of_range = prop_oneof![
            any::<i64>(),
            Just(0i64),
            Just(-1),
            Just(21),
            Just(1001),
            Just(4_294_967_297),
        ]
        .prop_map(|n| n.to_string());
        prop_oneof![5 => good, 2 => out_of_range, 1 => junk_value()].boxed()
    };
    let boolean = || {
        value(
            wild,
            any::<bool>().prop_map(|b| b.to_string()).boxed(),
            odd_text(),
        )
    };
    let notifications = (
        proptest::option::weighted(p, boolean()),
        proptest::option::weighted(p, int(1..=20)),
    )
        .prop_map(|(d, m)| {
            format!(
                "[notifications]\n{}",
                lines(vec![("discreet", d), ("max_open", m)])
            )
        });
    let quiet = value(
        wild,
        prop_oneof![4 => good_window_text(), 1 => Just("off".to_owned())]
            .prop_map(|s| quote(&s))
            .boxed(),
        window_text(),
    );
    let policy = value(
        wild,
        proptest::sample::select(vec!["defer", "drop"])
            .prop_map(quote)
            .boxed(),
        proptest::sample::select(vec!["Defer", "later", ""])
            .prop_map(str::to_owned)
            .boxed(),
    );
    let duration = || {
        value(
            wild,
            duration_text(true).prop_map(|s| quote(&s)).boxed(),
            duration_text(false),
        )
    };
    let limits = (
        proptest::option::weighted(p, quiet),
        proptest::option::weighted(p, policy),
        proptest::option::weighted(p, int(1..=1000)),
        proptest::option::weighted(p, duration()),
        proptest::option::weighted(p, duration()),
        proptest::option::weighted(p, duration()),
    )
        .prop_map(|(q, i, m, g, c, s)| {
            format!(
                "[limits]\n{}",
                lines(vec![
                    ("quiet_hours", q),
                    ("in_quiet_hours", i),
                    ("max_per_day", m),
                    ("min_gap", g),
                    ("catch_up", c),
                    ("snooze", s),
                ])
            )
        });
    let ladder_names = vec![
        "intellectual",
        "emotional",
        "experiential",
        "physical",
        "sexual",
        "spiritual",
    ];
    let ladders = value(
        wild,
        proptest::collection::vec(
            proptest::sample::select(ladder_names).prop_map(str::to_owned),
            0..7,
        )
        .prop_map(|v| list(&v))
        .boxed(),
        Just("emotional".to_owned()).boxed(),
    );
    let ladders = if wild {
        let odd = proptest::collection::vec(odd_text(), 0..3).prop_map(|v| list(&v));
        prop_oneof![4 => ladders, 1 => odd].boxed()
    } else {
        ladders
    };
    let content = (
        proptest::option::weighted(p, ladders),
        proptest::option::weighted(p, boolean()),
    )
        .prop_map(|(l, s)| {
            format!(
                "[content]\n{}",
                lines(vec![("ladders", l), ("supporter", s)])
            )
        });
    let help = proptest::option::weighted(
        p,
        value(wild, odd_text().prop_map(|s| quote(&s)).boxed(), odd_text()),
    )
    .prop_map(|c| format!("[help]\n{}", lines(vec![("crisis", c)])));
    let sections = (
        proptest::option::weighted(p, zone_value(wild)),
        proptest::option::weighted(p, notifications),
        proptest::option::weighted(p, limits),
        proptest::option::weighted(p, content),
        proptest::option::weighted(p, help),
        proptest::collection::vec(rule_toml(wild), if wild { 0..5 } else { 1..5 }),
    )
        .prop_map(move |(tz, n, l, c, h, rules)| {
            let mut text = lines(vec![("timezone", tz)]);
            for section in [n, l, c, h].into_iter().flatten() {
                text.push('\n');
                text.push_str(&section);
            }
            for (i, rule) in rules.iter().enumerate() {
                text.push('\n');
                if wild {
                    text.push_str(rule);
                } else {
                    // Plausible rules have names of their own.
                    text.push_str(&rule.replacen("\nname = \"", &format!("\nname = \"{i} "), 1));
                }
            }
            text
        });
    if wild {
        (sections, edits())
            .prop_map(|(text, edits)| mutate(&text, &edits))
            .boxed()
    } else {
        sections.boxed()
    }
}

/// Random damage to a file: bytes of TOML syntax dropped in or cut out, lines repeated.
#[derive(Debug, Clone)]
enum Edit {
    Insert(prop::sample::Index, String),
    Delete(prop::sample::Index, usize),
    RepeatLine(prop::sample::Index),
    Nothing,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let soup = "[\\[\\]{}=\"'#.,\\\\\n a-z0-9:\\-_éü🙂\t]{1,12}";
    proptest::collection::vec(
        prop_oneof![
            6 => Just(Edit::Nothing),
            2 => (any::<prop::sample::Index>(), soup).prop_map(|(i, s)| Edit::Insert(i, s)),
            1 => (any::<prop::sample::Index>(), 1usize..20).prop_map(|(i, n)| Edit::Delete(i, n)),
            1 => any::<prop::sample::Index>().prop_map(Edit::RepeatLine),
            1 => any::<prop::sample::Index>().prop_map(|i| {
                let tables = "\n[[schedule]]\n[limits]\nmin_gap = \"1m\"\n[schedule]\n";
                Edit::Insert(i, tables.to_owned())
            }),
        ],
        0..4,
    )
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let at = |i: &prop::sample::Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
        match edit {
            Edit::Nothing => {}
            Edit::Insert(i, s) => {
                let pos = at(i, chars.len());
                chars.splice(pos..pos, s.chars());
            }
            Edit::Delete(i, n) => {
                let pos = at(i, chars.len());
                let end = (pos + n).min(chars.len());
                chars.drain(pos..end);
            }
            Edit::RepeatLine(i) => {
                let s: String = chars.iter().collect();
                let mut ls: Vec<&str> = s.split('\n').collect();
                let k = i.index(ls.len());
                ls.insert(k, ls[k]);
                chars = ls.join("\n").chars().collect();
            }
        }
    }
    chars.into_iter().collect()
}

/// Characters TOML is made of, with a little unicode, in any order.
fn toml_soup() -> impl Strategy<Value = String> {
    "[\\[\\]{}=\"'#.,\\\\\r\n a-z0-9:\\-_+éü🙂\t\u{0}\u{7f}\u{feff}]{0,200}"
}

// ---------------------------------------------------------------------------------------
// Content packs from a grammar

fn prompt_toml() -> BoxedStrategy<String> {
    let id = prop_oneof![
        4 => "[a-z][a-z0-9-]{0,20}".prop_map(|s| quote(&s)),
        1 => proptest::sample::select(vec!["-x", "A", "", "id with space", "ä", "x_y"])
            .prop_map(quote),
        1 => Just(quote(&"a".repeat(65))),
        1 => junk_value(),
    ];
    let word = |good: Vec<&'static str>| {
        prop_oneof![
            4 => proptest::sample::select(good).prop_map(quote),
            1 => odd_text().prop_map(|s| quote(&s)),
            1 => junk_value(),
        ]
    };
    let category = word(Category::ALL.iter().map(|c| c.as_str()).collect());
    let ladder = word(vec![
        "intellectual",
        "emotional",
        "experiential",
        "physical",
        "sexual",
        "spiritual",
    ]);
    let text = |max: usize| {
        prop_oneof![
            4 => "[A-Za-z ,.!?'’]{1,40}".prop_map(|s| quote(&s)),
            1 => Just(quote(&"é".repeat(max))),
            1 => Just(quote(&"é".repeat(max + 1))),
            1 => Just(quote(&format!("  {}  ", "x".repeat(max)))),
            1 => odd_text().prop_map(|s| quote(&s)),
            1 => junk_value(),
        ]
    };
    let rung = prop_oneof![
        4 => (1i64..=15).prop_map(|n| n.to_string()),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => proptest::sample::select(vec![
            "0", "16", "255", "256", "-1", "1.5", "\"3\"", "9223372036854775808",
        ])
            .prop_map(str::to_owned),
    ];
    let distress = prop_oneof![
        4 => (0.0f64..=10.0).prop_map(|n| format!("{n:?}")),
        2 => any::<f64>().prop_map(|n| format!("{n:?}")),
        2 => proptest::sample::select(vec![
            "nan", "+nan", "-nan", "inf", "+inf", "-inf", "-0.0", "0.0", "10.0", "10",
            "10.000001", "-0.000001", "1e309", "5e-324", "0", "-0", "\"5\"", "1_0.5",
        ])
        .prop_map(str::to_owned),
    ];
    let fear = prop_oneof![
        3 => proptest::collection::vec(
            proptest::sample::select(vec!["abandonment", "engulfment", "rejection"])
                .prop_map(str::to_owned),
            0..4,
        )
        .prop_map(|v| list(&v)),
        1 => proptest::collection::vec(odd_text(), 0..3).prop_map(|v| list(&v)),
        1 => junk_value(),
    ];
    let p = 0.85;
    (
        (
            proptest::option::weighted(p, id),
            proptest::option::weighted(p, category),
            proptest::option::weighted(p, text(MAX_TITLE)),
            proptest::option::weighted(0.3, text(MAX_TITLE)),
            proptest::option::weighted(p, text(MAX_BODY)),
        ),
        (
            proptest::option::weighted(0.5, ladder),
            proptest::option::weighted(0.5, rung),
            proptest::option::weighted(0.5, distress),
            proptest::option::weighted(0.3, fear),
            proptest::option::weighted(0.2, text(40)),
            proptest::option::weighted(0.05, junk_value()),
        ),
    )
        .prop_map(
            |(
                (id, category, title, discreet, body),
                (ladder, rung, distress, fear, fade, extra),
            )| {
                format!(
                    "[[prompt]]\n{}",
                    lines(vec![
                        ("id", id),
                        ("category", category),
                        ("title", title),
                        ("discreet_title", discreet),
                        ("body", body),
                        ("ladder", ladder),
                        ("rung", rung),
                        ("distress", distress),
                        ("fear", fear),
                        ("fade", fade),
                        ("weight", extra),
                    ])
                )
            },
        )
        .boxed()
}

fn pack_toml() -> impl Strategy<Value = String> {
    (proptest::collection::vec(prompt_toml(), 0..6), edits()).prop_map(|(prompts, edits)| {
        let text = prompts.join("\n");
        mutate(&text, &edits)
    })
}

// ---------------------------------------------------------------------------------------
// What coherent output looks like

/// Every diagnostic names this file and a place inside it (or line 0 for the whole file).
fn check_diags(src: &Source, diags: &[Diagnostic]) -> Result<(), TestCaseError> {
    let text_lines: Vec<&str> = src.text.split('\n').collect();
    for d in diags {
        prop_assert_eq!(&d.path, &src.path);
        prop_assert!(!d.message.trim().is_empty(), "an empty message: {:?}", d);
        if d.line == 0 {
            prop_assert_eq!(d.column, 0, "{:?}", d);
        } else {
            prop_assert!(d.column >= 1, "{:?}", d);
            prop_assert!(d.line <= text_lines.len(), "past the last line: {:?}", d);
            let line = text_lines[d.line - 1];
            prop_assert!(
                d.column <= line.chars().count() + 1,
                "past the end of line {}: {:?}",
                d.line,
                d
            );
        }
        let shown = d.to_string();
        prop_assert!(shown.contains(&d.message));
    }
    Ok(())
}

fn check_config(src: &Source) -> Result<(Config, Vec<Diagnostic>), TestCaseError> {
    let (config, diags) = config::load(src, Some(Tz::UTC));
    check_diags(src, &diags)?;
    prop_assert!((1..=20).contains(&config.max_open));
    let limits = &config.limits;
    prop_assert!((1..=1000).contains(&limits.max_per_day));
    for d in [limits.min_gap, limits.catch_up, limits.snooze] {
        prop_assert!(d >= TimeDelta::zero(), "a negative duration: {}", d);
    }
    if let Some(quiet) = limits.quiet_hours {
        prop_assert!(quiet.minutes() > 0 && quiet.minutes() < 24 * 60);
    }
    prop_assert_eq!(config.crisis.trim(), config.crisis.as_str());
    let mut names = std::collections::BTreeSet::new();
    for rule in &config.schedule {
        prop_assert!(!rule.name.is_empty() && rule.name.trim() == rule.name);
        prop_assert!(
            names.insert(rule.name.clone()),
            "two rules named {}",
            rule.name
        );
    }
    Ok((config, diags))
}

fn check_pack(src: &Source) -> Result<(), TestCaseError> {
    let mut diags = Vec::new();
    let prompts = content::parse_pack(src, &mut diags);
    check_diags(src, &diags)?;
    let lines = src.text.matches('\n').count() + 1;
    for p in &prompts {
        prop_assert!(!p.id.is_empty() && p.id.len() <= 64 && !p.id.starts_with('-'));
        prop_assert!(
            p.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        for (text, max) in [(&p.title, MAX_TITLE), (&p.body, MAX_BODY)] {
            let n = text.chars().count();
            prop_assert!(n >= 1 && n <= max && text.trim() == text, "{:?}", text);
        }
        if let Some(t) = &p.discreet_title {
            prop_assert!(!t.is_empty() && t.chars().count() <= MAX_TITLE);
        }
        if p.category == Category::Step {
            prop_assert!(
                p.ladder.is_some() && p.rung.is_some() && p.distress.is_some(),
                "{:?}",
                p
            );
        } else {
            prop_assert!(
                p.ladder.is_none() && p.rung.is_none() && p.distress.is_none() && p.fade.is_none()
            );
        }
        if let Some(r) = p.rung {
            prop_assert!((1..=20).contains(&r));
        }
        if let Some(d) = p.distress {
            prop_assert!(d.is_finite() && (0.0..=10.0).contains(&d), "distress {}", d);
        }
        prop_assert_eq!(&p.origin, &src.path);
        prop_assert!(p.position.0 >= 1 && p.position.0 <= lines && p.position.1 >= 1);
    }
    // The library's own path: a pack added twice reports every repeated id, in place.
    let mut library = Library::default();
    let mut diags = Vec::new();
    library.add_pack(src, false, &mut diags);
    library.add_pack(src, false, &mut diags);
    check_diags(src, &diags)?;
    prop_assert!(library.len() <= prompts.len());
    Ok(())
}

/// The shipped content, loaded once.
static LIBRARY: LazyLock<Arc<Library>> = LazyLock::new(|| {
    let (library, diags) = Library::load(None);
    assert!(diags.is_empty(), "{diags:#?}");
    Arc::new(library)
});

/// The plan for a config is coherent: in time order, after `after`, outside quiet hours,
/// at most `max_per_day` a local day, the minimum gap apart, each rule's occurrences in
/// order, each prompt one the rule may send.
fn check_plan(
    config: &Config,
    after: DateTime<Utc>,
    count: usize,
    plan: &[Firing],
) -> Result<(), TestCaseError> {
    let tz = config.timezone;
    let limits = &config.limits;
    prop_assert!(plan.len() <= count);
    let mut per_day = std::collections::BTreeMap::<NaiveDate, u32>::new();
    let mut last_due = vec![None; config.schedule.len()];
    for (i, f) in plan.iter().enumerate() {
        let local = f.at.with_timezone(&tz);
        prop_assert!(f.at > after, "#{} at {} is not after {}", i, f.at, after);
        prop_assert!(
            f.due <= f.at,
            "#{} sent at {} before it is due at {}",
            i,
            f.at,
            f.due
        );
        if i > 0 {
            let prev = plan[i - 1].at;
            prop_assert!(
                prev <= f.at,
                "#{} at {} comes before #{} at {}",
                i,
                f.at,
                i - 1,
                prev
            );
            prop_assert!(
                f.at - prev >= limits.min_gap,
                "#{} at {} is closer than {} to #{} at {}",
                i,
                f.at,
                limits.min_gap,
                i - 1,
                prev
            );
        }
        if let Some(quiet) = limits.quiet_hours {
            prop_assert!(
                !quiet.contains(local.time()),
                "#{} at {} is inside quiet hours {}",
                i,
                local,
                quiet
            );
        }
        let n = per_day.entry(local.date_naive()).or_default();
        *n += 1;
        prop_assert!(
            *n <= limits.max_per_day,
            "more than {} on {}",
            limits.max_per_day,
            local.date_naive()
        );
        prop_assert!(f.rule < config.schedule.len());
        let rule = &config.schedule[f.rule];
        prop_assert_eq!(f.category, rule.send);
        prop_assert!(
            last_due[f.rule].is_none_or(|d| d < f.due),
            "rule {} sent its occurrence at {} again or out of order",
            rule.name,
            f.due
        );
        last_due[f.rule] = Some(f.due);
        if let Some(id) = &f.prompt {
            let prompt = LIBRARY.get(id);
            prop_assert!(prompt.is_some(), "no prompt {}", id);
            let prompt = prompt.unwrap();
            prop_assert_eq!(prompt.category, f.category);
            prop_assert!(config.enables(prompt), "{} is not enabled", id);
        }
    }
    Ok(())
}

fn plan(config: &Config, seed: u64, after: DateTime<Utc>, count: usize) -> Vec<Firing> {
    let config = config.clone();
    let library = Arc::clone(&LIBRARY);
    terminates("Planner::upcoming", move || {
        Planner::new(&config, &library, seed).upcoming(&State::default(), after, count)
    })
}

fn next_after(trigger: &Trigger, after: DateTime<Utc>, tz: Tz, salt: u64) -> Option<DateTime<Utc>> {
    let trigger = trigger.clone();
    terminates("Trigger::next_after", move || {
        trigger.next_after(after, tz, salt)
    })
}

// ---------------------------------------------------------------------------------------
// 1. The config parser

proptest! {
    #![proptest_config(budget(256))]

    #[test]
    fn config_load_survives_any_text(text in prop_oneof![any::<String>(), toml_soup()]) {
        check_config(&Source::new("config.toml", text))?;
    }

    #[test]
    fn config_load_survives_broken_configs(text in config_toml(true)) {
        check_config(&Source::new("config.toml", text))?;
    }

    #[test]
    fn plausible_configs_load_coherently(text in config_toml(false)) {
        let (config, diags) = check_config(&Source::new("config.toml", text.clone()))?;
        // What is refused is named: each rule written either runs or has a diagnostic.
        let written = text.matches("[[schedule]]").count();
        prop_assert!(config.schedule.len() == written || !diags.is_empty(), "{:?}", diags);
    }
}

// ---------------------------------------------------------------------------------------
// 2. The content parser

proptest! {
    #![proptest_config(budget(256))]

    #[test]
    fn parse_pack_survives_any_text(text in prop_oneof![any::<String>(), toml_soup()]) {
        check_pack(&Source::new("content/mine.toml", text))?;
    }

    #[test]
    fn parse_pack_survives_grammar_packs(text in pack_toml()) {
        check_pack(&Source::new("content/mine.toml", text))?;
    }
}

// ---------------------------------------------------------------------------------------
// 3. The planner and the triggers

proptest! {
    #![proptest_config(budget(64))]

    #[test]
    fn plans_from_clean_configs_are_coherent(
        text in config_toml(false),
        seed in any::<u64>(),
        (_, after) in instant(),
        count in 1usize..16,
    ) {
        let (config, diags) = config::load(&Source::new("config.toml", text), Some(Tz::UTC));
        if diags.is_empty() {
            let firings = plan(&config, seed, after, count);
            check_plan(&config, after, count, &firings)?;
        }
    }
}

proptest! {
    #![proptest_config(budget(32))]

    #[test]
    fn replanning_after_each_moment_gives_the_same_plan(
        text in config_toml(false),
        seed in any::<u64>(),
        (_, after) in instant(),
        count in 1usize..8,
    ) {
        // The daemon plans again after each moment it sends at; `closer next` plans at once.
        let (config, diags) = config::load(&Source::new("config.toml", text), Some(Tz::UTC));
        if !diags.is_empty() {
            return Ok(());
        }
        // No prompt waits longer than the planner's MAX_WAIT, so a plan made after part of
        // it went out agrees with the plan made at once, to the end.
        let expected = plan(&config, seed, after, count);
        let config = Arc::new(config);
        let n = expected.len();
        let again = terminates("replanning", move || replan(&config, seed, after, n));
        prop_assert_eq!(&again[..], &expected[..]);
    }
}

/// Plans like the daemon: everything due at the next moment is sent, then it plans again
/// from that moment with what was sent; until `count` prompts are out.
fn replan(config: &Config, seed: u64, after: DateTime<Utc>, count: usize) -> Vec<Firing> {
    let planner = Planner::new(config, &LIBRARY, seed);
    let mut state = State::default();
    let mut from = after;
    let mut sent: Vec<Firing> = Vec::new();
    while sent.len() < count {
        let plan = planner.upcoming(&state, from, count - sent.len());
        let Some(moment) = plan.first().map(|f| f.at) else {
            break;
        };
        for firing in plan.into_iter().take_while(|f| f.at == moment) {
            state.sent.push(planner.sent(&firing));
            sent.push(firing);
        }
        from = moment;
    }
    sent
}

proptest! {
    #![proptest_config(budget(256))]

    #[test]
    fn cron_triggers_survive_any_pattern_and_instant(
        pattern in prop_oneof![3 => cron_text(), 1 => good_cron_text()],
        (tz, after) in instant(),
        salt in any::<u64>(),
    ) {
        let Ok(trigger) = Trigger::cron(&pattern) else { return Ok(()) };
        if let Some(t) = next_after(&trigger, after, tz, salt) {
            prop_assert!(t > after, "`{}` in {}: {} is not after {}", pattern, tz, t, after);
            prop_assert_eq!(t.nanosecond(), 0);
            let _ = trigger.last_between(after, t, tz, salt);
            let _ = next_after(&trigger, t, tz, salt);
        }
    }

    #[test]
    fn daily_cron_patterns_come_every_day(
        (minute, hour) in (0u32..60, 0u32..24),
        (tz, after) in instant(),
    ) {
        // One a day at a fixed time: the next is never more than a day and the length
        // of a skipped day away, even across the day Apia skipped.
        let pattern = format!("{minute} {hour} * * *");
        let trigger = Trigger::cron(&pattern).expect("a valid pattern");
        let t = next_after(&trigger, after, tz, 0);
        prop_assert!(t.is_some(), "`{}` in {} has no time after {}", pattern, tz, after);
        let t = t.unwrap();
        prop_assert!(
            t > after && t - after <= TimeDelta::hours(50),
            "`{}` in {}: {} after {}", pattern, tz, t, after
        );
    }

    #[test]
    fn at_triggers_come_inside_their_window_on_their_days(
        window in good_window_text(),
        days in prop_oneof![days_text(), Just("daily".to_owned())],
        (tz, after) in instant(),
        salt in any::<u64>(),
    ) {
        let (Ok(window), Ok(days)) = (window.parse::<Window>(), Days::parse(&days)) else {
            return Ok(());
        };
        let trigger = Trigger::At { window, days };
        let t = next_after(&trigger, after, tz, salt);
        prop_assert!(t.is_some(), "no time after {} for {} in {}", after, window, tz);
        let t = t.unwrap();
        prop_assert!(t > after && t - after <= TimeDelta::days(9), "{} after {}", t, after);
        if tz == Tz::UTC {
            // Where clocks never jump, the moment lies in the window of a chosen day.
            let local = t.naive_utc();
            let start_day = if local.time() >= window.start {
                local.date()
            } else {
                local.date().pred_opt().unwrap()
            };
            let into = local - start_day.and_time(window.start);
            let length = TimeDelta::minutes(i64::from(window.minutes()));
            prop_assert!(into >= TimeDelta::zero() && into <= length);
            prop_assert!(days.contains(start_day.weekday()));
        }
    }
}

// ---------------------------------------------------------------------------------------
// 4. Windows, days, durations, local times

proptest! {
    #![proptest_config(budget(256))]

    #[test]
    fn windows_days_and_durations_survive_any_text(
        text in prop_oneof![
            any::<String>(), window_text(), duration_text(false), days_text(), cron_text(),
        ],
        items in proptest::collection::vec(prop_oneof![any::<String>(), days_text()], 0..4),
    ) {
        if let Ok(window) = text.parse::<Window>() {
            prop_assert!(window.minutes() < 24 * 60);
            prop_assert_eq!(window.to_string().parse::<Window>(), Ok(window));
            prop_assert_eq!(window.contains(window.start), window.minutes() > 0);
        }
        if let Ok(days) = Days::parse(&text) {
            prop_assert!((0..7).any(|d| days.contains(weekday(d))), "no day in {:?}", text);
        }
        if let Ok(days) = Days::from_list(&items) {
            prop_assert!(!items.is_empty());
            prop_assert!((0..7).any(|d| days.contains(weekday(d))));
        }
        if let Ok(d) = when::parse_duration(&text) {
            prop_assert!(d >= TimeDelta::zero());
        }
    }

    #[test]
    fn windows_hold_the_instants_they_contain(
        window in window_text(),
        (tz, at) in instant(),
    ) {
        let Ok(window) = window.parse::<Window>() else { return Ok(()) };
        let at = at.with_timezone(&tz);
        let end = window.end_after(at);
        prop_assert!(
            !window.contains(end.time()),
            "{} holding {} ends at {}, inside itself", window, at, end
        );
        prop_assert!(
            end > at && end - at <= TimeDelta::hours(48),
            "{} ends at {} after {}", window, end, at
        );
    }

    #[test]
    fn local_times_resolve_forward_never_back((tz, naive) in wall_clock()) {
        // A local time near a change: it exists once, twice, or not at all.
        let at = when::resolve(&tz, naive);
        match tz.from_local_datetime(&naive).earliest() {
            Some(exact) => prop_assert_eq!(at, exact),
            None => {
                let moved = at.naive_local() - naive;
                prop_assert!(
                    moved > TimeDelta::zero() && moved <= TimeDelta::days(1),
                    "{} in {} resolved to {} ({} away)", naive, tz, at, moved
                );
            }
        }
    }
}

/// A whole-minute local time in a zone: near any instant, or from the last wall-clock
/// minute before a change onwards, through the times it skips or repeats.
fn wall_clock() -> impl Strategy<Value = (Tz, NaiveDateTime)> {
    let near = (instant(), -180i64..180).prop_map(|((tz, at), m)| {
        (
            tz,
            at.with_timezone(&tz).naive_local() + TimeDelta::minutes(m),
        )
    });
    let from_change = |changes: &'static LazyLock<Vec<(Tz, DateTime<Utc>)>>| {
        (any::<prop::sample::Index>(), 0i64..1500).prop_map(move |(i, m)| {
            let (tz, t) = i.get(&changes[..]);
            let before = (*t - TimeDelta::seconds(1)).with_timezone(tz).naive_local();
            (*tz, before + TimeDelta::minutes(m))
        })
    };
    prop_oneof![2 => near, 1 => from_change(&TRANSITIONS), 1 => from_change(&JUMPS)].prop_map(
        |(tz, naive)| {
            let naive = naive.with_second(0).and_then(|n| n.with_nanosecond(0));
            (tz, naive.expect("0 is a valid second"))
        },
    )
}

fn weekday(d: u8) -> chrono::Weekday {
    chrono::Weekday::try_from(d).expect("0..7")
}

// ---------------------------------------------------------------------------------------
// 6. The command line: every flag and argument, given anything, to the real binary

/// Each command that finishes on its own, and the flags and arguments it takes (`@` for
/// a positional argument). `run`, `send`, `edit`, `service` and `report --open` are left
/// out: they wait, start an editor or a browser, or install a unit.
const SURFACE: &[(&[&str], &[&str])] = &[
    (&["next"], &["--count", "--from", "--tz"]),
    (&["status"], &[]),
    (&["log"], &["--days"]),
    (&["report"], &["--days"]),
    (&["export"], &["--format"]),
    (&["done"], &["@", "--distress", "--happened", "--at"]),
    (&["hard"], &["@", "--distress", "--at"]),
    (&["skip"], &["@", "--at"]),
    (&["pause"], &["@"]),
    (&["ladder", "set", "emotional"], &["@"]),
    (&["ladder", "enable"], &["@"]),
    (&["list"], &["@"]),
];

/// A value for a flag: numbers at and past every integer type's edges, times, durations
/// and odd text. (No NUL: the kernel cannot pass one in an argument.)
fn flag_value() -> BoxedStrategy<String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        proptest::sample::select(vec![
            "0",
            "1",
            "-1",
            "10",
            "11",
            "255",
            "256",
            "65535",
            "65536",
            "4294967295",
            "4294967296",
            "18446744073709551616",
            "1e9",
            "9999-12-31T23:59:59Z",
            "0000-01-01T00:00:00Z",
            "2027-03-28T02:30:00+01:00",
            "yes",
            "no",
            "csv",
            "Mars/Olympus",
            "local",
        ])
        .prop_map(str::to_owned),
        duration_text(false),
        odd_text(),
    ]
    .prop_map(|s| s.replace('\0', ""))
    .boxed()
}

fn command_line() -> impl Strategy<Value = Vec<String>> {
    (0..SURFACE.len())
        .prop_flat_map(|i| {
            let flags = SURFACE[i].1;
            let values = proptest::collection::vec(
                (0..flags.len().max(1), flag_value()),
                0..=flags.len().min(3),
            );
            (Just(i), values)
        })
        .prop_map(|(i, values)| {
            let mut args: Vec<String> = SURFACE[i].0.iter().map(|s| (*s).to_owned()).collect();
            let mut positional = None;
            for (flag, value) in values {
                let Some(&flag) = SURFACE[i].1.get(flag) else {
                    continue;
                };
                if flag == "@" {
                    positional = Some(value);
                } else {
                    args.push(format!("{flag}={value}"));
                }
            }
            if let Some(value) = positional {
                args.extend(["--".to_owned(), value]);
            }
            args
        })
}

proptest! {
    #![proptest_config(budget(48))]

    #[test]
    fn the_binary_never_panics_on_any_flag_value(args in command_line()) {
        let home = crate::support::home::Home::with_config(
            "timezone = \"UTC\"\n[[schedule]]\nname = \"s\"\nsend = \"step\"\nat = \"09:00\"\n",
        );
        let shown = format!("{args:?}");
        let run = terminates(&shown, move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            home.run(&args)
        });
        prop_assert!(run.code.is_some(), "{shown}: ended by a signal: {run:?}");
        prop_assert_ne!(run.code, Some(101), "{}: {:?}", shown, run);
        prop_assert!(!run.stderr.contains("panicked"), "{shown}: {}", run.stderr);
    }
}
