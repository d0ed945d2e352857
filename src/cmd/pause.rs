//! `closer pause` and `closer resume`: a break from all prompts, for a while or until
//! the person comes back; resume also restarts steps paused after very hard days.

use chrono::Utc;

use crate::Status;
use crate::cli::PauseArgs;
use crate::history::keys;
use crate::paths::Paths;
use crate::setup::open_journal;

pub fn pause(paths: &Paths, args: &PauseArgs) -> anyhow::Result<Status> {
    let journal = open_journal(paths)?;
    match &args.duration {
        Some(d) => {
            let length = crate::when::parse_duration(d).map_err(|e| anyhow::anyhow!(e))?;
            if length < chrono::TimeDelta::minutes(1) {
                anyhow::bail!(
                    "`{d}` is shorter than a minute; give a pause of at least a minute, such as `30m` or `2h`, or no duration to pause until `closer resume`"
                );
            }
            if length > chrono::TimeDelta::days(366) {
                anyhow::bail!(
                    "`{d}` is longer than a year; `closer pause` with no duration pauses until `closer resume`"
                );
            }
            let until = Utc::now() + length;
            journal.set_setting(keys::PAUSED_UNTIL, Some(&until.to_rfc3339()))?;
            println!(
                "Paused until {}. `closer resume` ends it sooner.",
                until
                    .with_timezone(&chrono::Local)
                    .format("%a %Y-%m-%d %H:%M")
            );
        }
        None => {
            journal.set_setting(keys::PAUSED_UNTIL, Some("indefinitely"))?;
            println!("Paused. Take the time you need; `closer resume` brings the prompts back.");
        }
    }
    crate::lock::wake_daemon(&paths.runtime, &paths.data);
    Ok(Status::Success)
}

pub fn resume(paths: &Paths) -> anyhow::Result<Status> {
    let journal = open_journal(paths)?;
    let now = Utc::now();
    // What was paused: every prompt (a pause that has not ended yet), steps, or nothing.
    let (prompts, steps) = journal.write(|j| -> Result<_, crate::journal::JournalError> {
        let prompts = crate::history::read_settings(j)?
            .paused_until
            .is_some_and(|until| until > now);
        let steps = j.setting(keys::STEPS_PAUSED)?.is_some();
        j.set_setting(keys::PAUSED_UNTIL, None)?;
        // Answers from before a resume no longer count toward the next pause of steps.
        if steps {
            j.set_setting(keys::STEPS_RESUMED, Some(&now.to_rfc3339()))?;
        }
        j.set_setting(keys::STEPS_PAUSED, None)?;
        Ok((prompts, steps))
    })?;
    match (prompts, steps) {
        (false, false) => println!("Nothing was paused; prompts and steps are on."),
        (true, false) => println!("Welcome back. Prompts are on again."),
        (false, true) => println!("Welcome back. Steps are on again."),
        (true, true) => println!("Welcome back. Prompts and steps are on again."),
    }
    crate::lock::wake_daemon(&paths.runtime, &paths.data);
    Ok(Status::Success)
}
