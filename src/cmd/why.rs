//! `closer why [STEP]`: why a step is on its ladder and which safety habit it lets go of.
//! STEP is a step's id, or a ladder's (its current step): by id, or your own by its name.
//! Only here and in `closer status`: a notification never carries the reasons, so a
//! glance at the screen shows no more than the step.

use crate::Status;
use crate::cli::WhyArgs;
use crate::content::{Category, Ladder, Library, Needs, Prompt};
use crate::paths::Paths;
use crate::record::{standing_words, top};
use crate::session::Session;

/// Where a ladder stands, in the rules' words, and a gentler way in when one is due
/// (`record::standing_words`).
type StandingWords = (String, Option<String>);

pub fn run(paths: &Paths, args: &WhyArgs) -> anyhow::Result<Status> {
    let session = Session::open(paths)?;
    let library = &session.setup.library;
    // A ladder's current rung, with where it stands in the rules' words.
    let steps: Vec<((Ladder, u8), StandingWords)> = match args.step.as_deref() {
        Some(word) => match library.get(word) {
            Some(p) => match p.group() {
                Some(group) => {
                    println!("{}", explain(library, group, Some(&p.id)));
                    return Ok(Status::Success);
                }
                None => anyhow::bail!(
                    "`{word}` is a {} message, not a step; `closer why` explains steps (`closer list step` shows their ids)",
                    p.category
                ),
            },
            // A ladder as the `ladder` commands find it: by id, or your own by its name.
            None => match crate::cmd::ladder::ladder(library, word) {
                Ok(ladder) => {
                    let (config, history) = session.history()?;
                    let words = standing_words(library, &history, ladder, config.timezone);
                    vec![((ladder, history.standing(ladder).rung), words)]
                }
                Err(_) => anyhow::bail!(
                    "`{word}` is neither a step id nor a ladder ({} or your own ladder's name); `closer list step` shows the step ids",
                    Ladder::expected()
                ),
            },
        },
        None => {
            let (config, history) = session.history()?;
            config
                .ladders
                .iter()
                .map(|l| {
                    let words = standing_words(library, &history, *l, config.timezone);
                    ((*l, history.standing(*l).rung), words)
                })
                .collect()
        }
    };
    let text: Vec<String> = steps
        .into_iter()
        .map(|(group, (reason, gentler))| {
            let mut text = explain(library, group, None);
            text += &format!("\n  now:        {reason}");
            if let Some(gentler) = gentler {
                text += &format!("\n  {gentler}");
            }
            text
        })
        .collect();
    println!("{}", text.join("\n\n"));
    Ok(Status::Success)
}

/// The reasons for one rung of a ladder: its place, why it helps, what it lets go of,
/// and its wordings (the one asked about marked).
pub fn explain(library: &Library, (ladder, rung): (Ladder, u8), asked: Option<&str>) -> String {
    let variants: Vec<&Prompt> = library
        .iter()
        .filter(|p| p.category == Category::Step && p.group() == Some((ladder, rung)))
        .collect();
    // A person's own ladder by its name, as `status` and `list` show it.
    let name = library.ladder_name(ladder);
    let Some(first) = variants
        .iter()
        .find(|p| Some(p.id.as_str()) == asked)
        .or(variants.first())
    else {
        return format!("{name} ladder, rung {rung}: no step here in the content.");
    };
    let mut out = format!(
        "{name} ladder, rung {rung} of {}: {}",
        top(library, ladder),
        library.step_name(first)
    );
    if let Some(why) = &first.why {
        out += &format!("\n  why:        {why}");
    }
    if let Some(fade) = &first.fade {
        out += &format!("\n  lets go of: {fade}");
    }
    out += "\n  its wordings, and who each needs:";
    let width = variants.iter().map(|p| p.id.len()).max().unwrap_or(0);
    for p in variants {
        let asked = if Some(p.id.as_str()) == asked {
            "  (the one you asked about)"
        } else {
            ""
        };
        out += &format!("\n    {:<width$}  {}{asked}", p.id, who(p.needs()));
    }
    out
}

/// Who a step needs, in words: what `needs = "…"` means.
fn who(needs: Needs) -> &'static str {
    match needs {
        Needs::Nobody => "nobody: done on your own",
        Needs::Anyone => "anyone: a stranger, a colleague or someone online",
        Needs::Close => "someone close: a friend or relative already near you",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rung_is_explained_with_its_reason_and_every_wording() {
        let (library, _) = Library::load(None);
        let text = explain(
            &library,
            (Ladder::Emotional, 3),
            Some("emotional-thanks-to-a-colleague"),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "emotional ladder, rung 3 of 12: Thank someone by name"
        );
        assert!(lines[1].starts_with("  why:        Small thanks"), "{text}");
        assert!(lines[2].starts_with("  lets go of: keeping"), "{text}");
        assert!(
            text.contains(
                "\n    emotional-thanks-to-a-colleague  anyone: a stranger, a colleague or \
                 someone online  (the one you asked about)"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\n    emotional-small-thanks           someone close: a friend or relative \
                 already near you\n"
            ),
            "{text}"
        );
        assert_eq!(
            explain(&library, (Ladder::Emotional, 15), None),
            "emotional ladder, rung 15: no step here in the content."
        );
    }
}
