//! `closer check`: validate the config and every content pack, check the content as a
//! whole, and say what is wrong and where.

use crate::Status;
use crate::paths::Paths;
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
            "{config} is valid: {} schedule rule{}, {} prompts.",
            setup.config.schedule.len(),
            if setup.config.schedule.len() == 1 {
                ""
            } else {
                "s"
            },
            setup.library.len()
        );
        Ok(Status::Success)
    } else {
        let n = setup.problems.len();
        eprintln!("{n} problem{} found.", if n == 1 { "" } else { "s" });
        Ok(Status::Failure)
    }
}
