//! `closer send`: one prompt now, to try the setup; it is recorded like any other, and
//! an answer given on the notification counts.

use chrono::Utc;
use tokio::sync::mpsc;

use crate::Status;
use crate::cli::SendArgs;
use crate::journal::{AnswerKind, NewAnswer, NewSent};
use crate::notify::{Answer, Delivery, Message, Notifier};
use crate::paths::Paths;
use crate::planner::Planner;
use crate::record;
use crate::setup::{Setup, open_journal};

pub async fn run(paths: &Paths, args: &SendArgs) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    for problem in &setup.problems {
        eprintln!("warning: {problem}");
    }
    let (config, history) = setup.history(paths)?;
    let schedule = &config.schedule;
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
    let planner = Planner::new(&config, &setup.library, seed);
    let firing = planner.now(rule, &history.state, Utc::now());
    let Some(message) = Message::for_firing(&config, &setup.library, &firing) else {
        anyhow::bail!("rule \"{}\" has nothing to send", schedule[rule].name);
    };
    let (events, mut answers) = mpsc::unbounded_channel();
    let mut notifier = Notifier::new(1, events);
    let delivery = notifier.send(&message).await;

    let journal = open_journal(paths)?;
    let prompt = message
        .prompt
        .as_deref()
        .and_then(|id| setup.library.get(id));
    let shown = match delivery {
        Delivery::Shown(n) => Some(n),
        Delivery::Printed => None,
    };
    // The prompt and the notification it was shown as, stored together.
    let sent_id = journal.record_shown(
        &NewSent {
            at: firing.at,
            due: firing.due,
            rule: schedule[rule].name.clone(),
            category: firing.category,
            prompt: message.prompt.clone(),
            ladder: prompt.and_then(|p| p.ladder),
            rung: prompt.and_then(|p| p.rung),
        },
        shown,
    )?;
    let Some(n) = shown else {
        println!("No notification server was reached, so prompt #{sent_id} is printed above.");
        return Ok(Status::Success);
    };
    println!("#{sent_id} {}: {}", message.title, message.body);
    if args.no_wait {
        return Ok(Status::Success);
    }
    println!("Shown as notification {n}. Waiting for an answer (Ctrl-C to stop waiting)…");
    let event = tokio::select! {
        Some(event) = answers.recv() => event,
        _ = tokio::signal::ctrl_c() => return Ok(Status::Success),
    };
    match event.answer {
        Answer::Action(key) => {
            println!("You answered: {key}.");
            if let Ok(kind) = key.parse::<AnswerKind>() {
                let answer = NewAnswer {
                    sent_id,
                    at: Utc::now(),
                    kind,
                    distress: None,
                    happened: None,
                    source: "notification",
                };
                let recorded =
                    record::answer(&journal, &config, &setup.library, &answer, Utc::now())?;
                if let Some(crate::progress::Decision::Move(m)) = recorded.decision {
                    println!("{} ladder: {}.", m.ladder, m.reason);
                }
            }
        }
        Answer::Closed(reason) => println!("The notification was closed ({reason})."),
        Answer::Replaced => {}
    }
    Ok(Status::Success)
}
