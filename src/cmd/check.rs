//! `closer check`: validate the config and every content pack, check the content as a
//! whole, and say what is wrong and where.

use crate::Status;
use crate::paths::Paths;
use crate::say::count;
use crate::setup::Setup;

pub fn run(paths: &Paths) -> anyhow::Result<Status> {
    let mut setup = Setup::load(paths)?;
    // The content as a whole: ladders, discreet titles, repeats. Only here: these are
    // questions of quality, and the daemon runs fine without asking them.
    setup.problems.extend(crate::lint::lint(&setup.library));
    for warning in crate::lint::warnings(&setup.library) {
        println!("warning: {warning}");
    }
    for problem in &setup.problems {
        println!("{problem}");
    }
    if setup.problems.is_empty() {
        let config = if paths.config.exists() {
            paths.config.display().to_string()
        } else {
            format!(
                "the built-in default (no file at {})",
                paths.config.display()
            )
        };
        println!(
            "{config} is valid: {}, {}.",
            count(setup.config.schedule.len(), "schedule rule"),
            count(setup.library.len(), "prompt")
        );
        Ok(Status::Success)
    } else {
        let n = setup.problems.len();
        eprintln!("{} found.", count(n, "problem"));
        Ok(Status::Failure)
    }
}
