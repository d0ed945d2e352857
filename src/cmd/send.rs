//! `closer send`: one prompt now, to try the setup, and the answer if one comes.

use chrono::Utc;
use tokio::sync::mpsc;

use crate::Status;
use crate::cli::SendArgs;
use crate::notify::{Answer, Delivery, Message, Notifier};
use crate::paths::Paths;
use crate::planner::{Planner, State};
use crate::setup::Setup;

pub async fn run(paths: &Paths, args: &SendArgs) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    for problem in &setup.problems {
        eprintln!("warning: {problem}");
    }
    let schedule = &setup.config.schedule;
    let rule = match &args.schedule {
        Some(name) => schedule
            .iter()
            .position(|r| &r.name == name)
            .ok_or_else(|| {
                let names: Vec<String> =
                    schedule.iter().map(|r| format!("\"{}\"", r.name)).collect();
                anyhow::anyhow!(
                    "there is no schedule rule named \"{name}\"; the rules are: {}",
                    names.join(", ")
                )
            })?,
        None if schedule.is_empty() => {
            anyhow::bail!("there are no schedule rules in {}", paths.config.display())
        }
        None => 0,
    };
    let seed = crate::seed::load_or_create(&paths.seed())?;
    let planner = Planner::new(&setup.config, &setup.library, seed);
    let firing = planner.now(rule, &State::default(), Utc::now());
    let Some(message) = Message::for_firing(&setup.config, &setup.library, &firing) else {
        anyhow::bail!("rule \"{}\" has nothing to send", schedule[rule].name);
    };
    let (events, mut answers) = mpsc::unbounded_channel();
    let mut notifier = Notifier::new(1, events);
    match notifier.send(&message).await {
        Delivery::Printed => Ok(Status::Failure),
        Delivery::Shown(id) => {
            println!("Sent \"{}\" as notification {id}.", message.title);
            if args.no_wait {
                // Give the server the notification before the connection goes.
                return Ok(Status::Success);
            }
            println!("Waiting for an answer (Ctrl-C to stop waiting)…");
            tokio::select! {
                Some(event) = answers.recv() => match event.answer {
                    Answer::Action(key) => println!("You answered: {key}."),
                    Answer::Closed(reason) => println!("The notification was closed ({reason})."),
                    Answer::Replaced => {}
                },
                _ = tokio::signal::ctrl_c() => {}
            }
            Ok(Status::Success)
        }
    }
}
