//! Inputs that the property tests in `tests/fuzz.rs` found to break closer, each kept
//! as a plain test with the literal, shrunk input and named for what it checks.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use closer::config;
use closer::content::Library;
use closer::diag::Source;
use closer::planner::{Planner, State};
use closer::schedule::Trigger;
use closer::when::{self, Window};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}

/// Found by `plans_from_clean_configs_are_coherent`: the planner looks back `min_gap`
/// before `after`, and a gap of 114 million years took it out of chrono's range
/// (`DateTime - TimeDelta` overflowed, src/planner.rs:151). `closer next` and the
/// daemon crashed on such a config instead of naming the key.
#[test]

fn planning_with_a_huge_min_gap_does_not_panic() {
    let src = Source::new(
        "config.toml",
        "[limits]\nmin_gap = \"999999999999h\"\n\n[[schedule]]\nname = \"a\"\nsend = \"step\"\nat = \"00:00\"\n",
    );
    let (config, diags) = config::load(&src, Some(chrono_tz::Tz::UTC));
    // Refusing the value (with its place) is as good as planning with it.
    if diags.is_empty() {
        let library = Library::load(None).0;
        Planner::new(&config, &library, 0).upcoming(
            &State::default(),
            utc("1970-01-01T00:00:00Z"),
            1,
        );
    } else {
        assert!(
            diags
                .iter()
                .any(|d| d.key == "limits.min_gap" && d.line == 2),
            "{diags:#?}"
        );
    }
}

/// Found by `daily_cron_patterns_come_every_day`: croner gives up on a time that falls in
/// a gap of more than two hours, so a daily cron rule in Pacific/Apia had no next time
/// once its next midnight was the skipped 2011-12-30, and left the plan for good.
#[test]

fn a_daily_cron_rule_goes_on_after_apias_skipped_day() {
    let apia: Tz = "Pacific/Apia".parse().unwrap();
    let daily = Trigger::cron("0 0 * * *").unwrap();
    let next = daily.next_after(utc("2011-12-30T09:59:59Z"), apia, 0);
    assert_eq!(
        next.map(|t| t.with_timezone(&apia).to_rfc3339()).as_deref(),
        Some("2011-12-31T00:00:00+14:00")
    );
}

/// Found by `local_times_resolve_forward_never_back`: `when::resolve` tries 24 * 60
/// minutes from a skipped time, one short of a whole skipped day, then falls back to
/// reading the local time as UTC — so Apia's 2011-12-30 00:00 became 2011-12-29 14:00,
/// ten hours before, not the first minute that exists.
#[test]

fn midnight_of_apias_skipped_day_resolves_forward() {
    let apia: Tz = "Pacific/Apia".parse().unwrap();
    let midnight = NaiveDate::from_ymd_opt(2011, 12, 30)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    assert_eq!(
        when::resolve(&apia, midnight).to_rfc3339(),
        "2011-12-31T00:00:00+14:00"
    );
}

/// Found by `plans_from_clean_configs_are_coherent`: on a skipped day the end of quiet
/// hours (08:30) moves forward to the next midnight, which is inside the next night's
/// quiet hours, so a deferred prompt went out at 00:00 (`Window::end_after`, src/when.rs).
/// Kiritimati skipped 1994-12-31 whole.
#[test]

fn a_prompt_deferred_past_a_skipped_day_waits_for_quiet_hours_to_end() {
    let src = Source::new(
        "config.toml",
        "timezone = \"Pacific/Kiritimati\"\n\n[[schedule]]\nname = \"0 a\"\nsend = \"step\"\nat = \"23:00-01:00\"\n",
    );
    let (config, diags) = config::load(&src, Some(chrono_tz::Tz::UTC));
    assert!(diags.is_empty(), "{diags:#?}");
    let library = Library::load(None).0;
    let plan = Planner::new(&config, &library, 4_237_002_209_871_024_966).upcoming(
        &State::default(),
        utc("1994-12-31T09:59:59Z"),
        1,
    );
    let first = plan[0].at.with_timezone(&config.timezone);
    assert_eq!(first.to_rfc3339(), "1995-01-01T08:30:00+14:00");
}

/// Found by `windows_hold_the_instants_they_contain`, the same mistake as above on an
/// ordinary daylight-saving day: the hour outside "02:00-01:00" is skipped on 2054-03-29 in
/// Dublin, and the window's end moved forward to 02:00, the start of the next window.
#[test]

fn a_window_whose_end_is_skipped_ends_outside_itself() {
    let dublin: Tz = "Europe/Dublin".parse().unwrap();
    let window: Window = "02:00-01:00".parse().unwrap();
    let end = window.end_after(utc("2054-03-29T00:59:00Z").with_timezone(&dublin));
    assert!(!window.contains(end.time()), "ends at {end}");
    assert_eq!(end.to_rfc3339(), "2054-03-30T01:00:00+01:00");
}

/// Found by `replanning_after_each_moment_gives_the_same_plan`, shrunk by hand: both rules
/// come due in quiet hours, both are deferred to 08:30, and "early" waits the gap until
/// 10:00. But the daemon plans again from 08:30 once "late" is out, looks back only one
/// gap (to 07:00), and never finds the 06:00 occurrence: `closer next` shows "early" at
/// 10:00 and the daemon never sends it (src/planner.rs, the look-back in `upcoming`).
#[test]
fn a_prompt_waiting_after_quiet_hours_survives_planning_again() {
    let src = Source::new(
        "config.toml",
        "timezone = \"UTC\"\n\
         [[schedule]]\nname = \"late\"\nsend = \"reflect\"\nat = \"23:00\"\n\
         [[schedule]]\nname = \"early\"\nsend = \"learn\"\nat = \"06:00\"\n",
    );
    let (config, diags) = config::load(&src, Some(chrono_tz::Tz::UTC));
    assert!(diags.is_empty(), "{diags:#?}");
    let library = Library::load(None).0;
    let planner = Planner::new(&config, &library, 1);
    let plan = planner.upcoming(&State::default(), utc("2027-01-05T03:00:00Z"), 2);
    let shown: Vec<_> = plan
        .iter()
        .map(|f| (f.at.to_rfc3339(), config.schedule[f.rule].name.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("2027-01-05T08:30:00+00:00".to_owned(), "late"),
            ("2027-01-05T10:00:00+00:00".to_owned(), "early")
        ]
    );
    // What the daemon does: send "late" at 08:30, then plan again from then.
    let mut state = State::default();
    state.sent.push(planner.sent(&plan[0]));
    let again = planner.upcoming(&state, plan[0].at, 1);
    assert_eq!(again.first(), plan.get(1));
}
