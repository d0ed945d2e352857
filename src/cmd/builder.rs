//! `closer ladder new` without a name (or with `--guided`): builds a person's own fear
//! ladder with questions in the terminal (dialoguer): the goal, 5 to 12 situations, how
//! hard each would feel (0-10), sorted for review, jumps of more than 2 points flagged
//! with a middle step proposed, and the fear each step touches if they like.
//!
//! It never waits on something that is not a terminal: without one it says so and ends
//! with exit 2. The file is written through `ladder_file`, like `closer ladder add`.

use std::io::IsTerminal as _;

use dialoguer::{Confirm, Input, Select};

use crate::Status;
use crate::content::{Category, Fear, Ladder, Library};
use crate::ladder_file::{self, NewStep};
use crate::lint::MAX_PERSONAL_GAP;
use crate::paths::Paths;

/// The fewest and most situations the builder asks for.
pub const FEWEST: usize = 5;
pub const MOST: usize = 12;

/// A situation as the person rated it.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub text: String,
    pub distress: u8,
    pub fear: Option<Fear>,
}

/// The places (index of the upper step, in sorted order) where the ladder jumps by more
/// than [`MAX_PERSONAL_GAP`], with the middle distress to propose.
pub fn jumps(sorted: &[Draft]) -> Vec<(usize, u8)> {
    sorted
        .windows(2)
        .enumerate()
        .filter(|(_, w)| f32::from(w[1].distress.saturating_sub(w[0].distress)) > MAX_PERSONAL_GAP)
        .map(|(i, w)| (i + 1, w[0].distress + (w[1].distress - w[0].distress) / 2))
        .collect()
}

/// An idea for a middle step at `distress`: the shipped rung nearest to it (never a
/// sensitive one, nor from a ladder that is off unless turned on).
pub fn idea(library: &Library, distress: u8) -> Option<&str> {
    library
        .iter()
        .filter(|p| p.category == Category::Step && !p.sensitive)
        .filter(|p| {
            p.ladder
                .is_some_and(|l| l.is_shipped() && !l.off_by_default())
        })
        .filter_map(|p| Some((p, (p.distress? - f32::from(distress)).abs())))
        .min_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.id.cmp(&b.0.id)))
        .map(|(p, _)| p.body.as_str())
}

pub fn run(
    paths: &Paths,
    setup: &crate::setup::Setup,
    name: Option<&str>,
) -> anyhow::Result<Status> {
    let library = &setup.library;
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        eprintln!(
            "error: the guided builder asks questions in a terminal, and there is none here; \
             give the ladder a name instead: `closer ladder new NAME`, then \
             `closer ladder add NAME \"STEP\" --distress N`"
        );
        return Ok(Status::Usage);
    }
    match build(paths, library, name) {
        Ok(status) => Ok(status),
        // Ctrl-C or a closed terminal: nothing was written.
        Err(BuildError::Prompt(e)) => {
            eprintln!("Stopped; nothing was written ({e}).");
            Ok(Status::Failure)
        }
        Err(BuildError::Other(e)) => Err(e),
    }
}

#[derive(Debug)]
enum BuildError {
    Prompt(dialoguer::Error),
    Other(anyhow::Error),
}

impl From<dialoguer::Error> for BuildError {
    fn from(e: dialoguer::Error) -> Self {
        BuildError::Prompt(e)
    }
}

impl From<anyhow::Error> for BuildError {
    fn from(e: anyhow::Error) -> Self {
        BuildError::Other(e)
    }
}

fn build(paths: &Paths, library: &Library, name: Option<&str>) -> Result<Status, BuildError> {
    eprintln!(
        "A fear ladder: situations on the way to something you want, from easiest to hardest.\n\
         You rate each by how hard it would feel, from 0 (not at all) to 10 (the hardest).\n"
    );
    let goal: String = match name {
        Some(n) => n.to_owned(),
        None => Input::new()
            .with_prompt("What would you like to be able to do? (the ladder's name)")
            .validate_with(|s: &String| check_name(library, s))
            .interact_text()?,
    };
    check_name(library, &goal).map_err(|e| BuildError::Other(anyhow::anyhow!(e)))?;
    let id: Ladder = ladder_file::slug(&goal)
        .parse()
        .map_err(|e: String| BuildError::Other(anyhow::anyhow!(e)))?;

    eprintln!("\nNow {FEWEST} to {MOST} situations on the way there, in any order.");
    let mut steps = Vec::new();
    while steps.len() < MOST {
        let n = steps.len() + 1;
        let optional = n > FEWEST;
        let text: String = Input::new()
            .with_prompt(if optional {
                format!("Situation {n} (empty to finish)")
            } else {
                format!("Situation {n} of at least {FEWEST}")
            })
            .allow_empty(optional)
            .interact_text()?;
        if text.trim().is_empty() {
            break;
        }
        let distress = rate(
            &format!("How hard would \"{}\" feel, 0-10?", text.trim()),
            None,
        )?;
        steps.push(Draft {
            text: text.trim().to_owned(),
            distress,
            fear: None,
        });
    }

    steps.sort_by_key(|s| s.distress);
    // Wide jumps: propose a middle step, one at a time, until none is left or declined.
    let mut declined = Vec::new();
    while let Some((at, middle)) = jumps(&steps)
        .into_iter()
        .find(|j| !declined.contains(j))
        .filter(|_| steps.len() < MOST)
    {
        let (lower, upper) = (&steps[at - 1], &steps[at]);
        eprintln!(
            "\nFrom \"{}\" ({}) to \"{}\" ({}) is a jump of {} points.",
            lower.text,
            lower.distress,
            upper.text,
            upper.distress,
            upper.distress - lower.distress
        );
        if let Some(idea) = idea(library, middle) {
            eprintln!("An idea for a step near {middle}, from closer's own ladders: \"{idea}\"");
        }
        let add = Confirm::new()
            .with_prompt(format!("Add a step near {middle} between them?"))
            .default(true)
            .interact()?;
        if !add {
            declined.push((at, middle));
            continue;
        }
        let text: String = Input::new()
            .with_prompt("The middle step")
            .interact_text()?;
        let distress = rate("How hard would it feel, 0-10?", Some(middle))?;
        steps.push(Draft {
            text: text.trim().to_owned(),
            distress,
            fear: None,
        });
        steps.sort_by_key(|s| s.distress);
        declined.clear();
    }

    if Confirm::new()
        .with_prompt("Note which fear each step touches? (you can skip this)")
        .default(false)
        .interact()?
    {
        let choices = ["none", "abandonment", "engulfment", "rejection"];
        for step in &mut steps {
            let pick = Select::new()
                .with_prompt(format!("\"{}\"", step.text))
                .items(choices)
                .default(0)
                .interact()?;
            step.fear = choices[pick].parse().ok();
        }
    }

    eprintln!("\nYour ladder, easiest first:");
    for (i, s) in steps.iter().enumerate() {
        eprintln!("  {:>2}  {:>2}  {}", i + 1, s.distress, s.text);
    }
    if !Confirm::new()
        .with_prompt("Save it?")
        .default(true)
        .interact()?
    {
        eprintln!("Nothing was written.");
        return Ok(Status::Failure);
    }
    let used = super::ladder::used_ids(paths)?;
    let mut text = ladder_file::new_ladder(id, &goal, None).map_err(anyhow::Error::msg)?;
    for s in &steps {
        let fear: Vec<Fear> = s.fear.into_iter().collect();
        let step = NewStep {
            fear: &fear,
            ..NewStep::new(&s.text, f32::from(s.distress), &used)
        };
        text = ladder_file::add_step(&text, id, &step).map_err(anyhow::Error::msg)?;
    }
    let path = paths.user_content.join(format!("ladder-{id}.toml"));
    if path.exists() {
        return Err(
            anyhow::anyhow!("{} is already there; nothing was written", path.display()).into(),
        );
    }
    super::ladder::write(&path, &text)?;
    println!("Saved your ladder `{id}` in {}.", path.display());
    println!("`closer ladder enable {id}` turns it on; `closer ladder show {id}` shows it.");
    Ok(Status::Success)
}

fn rate(prompt: &str, default: Option<u8>) -> Result<u8, dialoguer::Error> {
    let mut input = Input::<u8>::new()
        .with_prompt(prompt)
        .validate_with(|n: &u8| {
            if *n <= 10 {
                Ok(())
            } else {
                Err("a number from 0 to 10")
            }
        });
    if let Some(d) = default {
        input = input.default(d);
    }
    input.interact_text()
}

fn check_name(library: &Library, name: &str) -> Result<(), String> {
    let id = ladder_file::slug(name);
    let Ok(id) = id.parse::<Ladder>() else {
        return Err("use letters or digits in the name, such as \"Telling my sister\"".into());
    };
    match library.ladder(id) {
        Some(l) if l.personal => Err(format!("you already have a ladder `{id}`")),
        Some(_) => Err(format!("`{id}` is a shipped ladder; name yours otherwise")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str, distress: u8) -> Draft {
        Draft {
            text: text.into(),
            distress,
            fear: None,
        }
    }

    #[test]
    fn jumps_over_two_points_are_flagged_with_their_middle() {
        let steps = [d("a", 1), d("b", 3), d("c", 7), d("d", 8), d("e", 10)];
        assert_eq!(jumps(&steps), [(2, 5)]);
        assert!(jumps(&[d("a", 0), d("b", 2)]).is_empty());
    }

    #[test]
    fn the_idea_is_a_shipped_rung_near_the_middle() {
        let (library, _) = Library::load(None);
        let body = idea(&library, 5).unwrap();
        let p = library.iter().find(|p| p.body == body).unwrap();
        assert!((p.distress.unwrap() - 5.0).abs() <= 1.0, "{p:?}");
        assert!(!p.ladder.unwrap().off_by_default() && !p.sensitive);
    }
}
