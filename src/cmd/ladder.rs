//! `closer ladder`: the person's own say over the ladders — on, off, or a rung of their
//! choosing. Turning a ladder on or off here overrides the config's list.

use chrono::Utc;

use crate::Status;
use crate::cli::{LadderAction, LadderArgs};
use crate::content::{Ladder, Library};
use crate::history::{History, keys};
use crate::paths::Paths;
use crate::progress::Move;
use crate::record::{record_move, top};
use crate::setup::{Setup, open_journal};

/// A ladder the library knows: shipped, or the person's own.
fn ladder(library: &Library, word: &str) -> anyhow::Result<Ladder> {
    let l: Ladder = word.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    if library.ladder(l).is_none() {
        let own: Vec<String> = library
            .ladders()
            .filter(|l| l.personal)
            .map(|l| format!("\"{}\"", l.id))
            .collect();
        let own = if own.is_empty() {
            String::new()
        } else {
            format!(", or one of yours: {}", own.join(", "))
        };
        anyhow::bail!(
            "no ladder `{l}`; expected one of {}{own} (`closer ladder new` makes your own)",
            Ladder::expected()
        );
    }
    Ok(l)
}

pub fn run(paths: &Paths, args: &LadderArgs) -> anyhow::Result<Status> {
    let setup = Setup::load(paths)?;
    let journal = open_journal(paths)?;
    match &args.action {
        LadderAction::Enable { ladder: word } => {
            let l = ladder(&setup.library, word)?;
            journal.set_setting(&keys::ladder(l), Some("on"))?;
            println!("The {l} ladder is on.");
            if l.off_by_default() {
                println!(
                    "Nothing in it is explicit, and every step can be skipped. `closer ladder disable {l}` turns it off."
                );
                if let Some(note) = crate::record::past_harm_note_once(&journal, &[l], Utc::now())?
                {
                    println!("{note}");
                }
            }
        }
        LadderAction::Disable { ladder: word } => {
            let l = ladder(&setup.library, word)?;
            journal.set_setting(&keys::ladder(l), Some("off"))?;
            println!(
                "The {l} ladder is off. Where it stood is kept, for when you turn it on again."
            );
        }
        LadderAction::Set { ladder: word, rung } => {
            let l = ladder(&setup.library, word)?;
            let highest = top(&setup.library, l);
            if !(1..=highest).contains(rung) {
                anyhow::bail!("the {l} ladder has rungs 1 to {highest}");
            }
            let history = History::load(&journal, &setup.config)?;
            let from = history.standing(l).rung;
            let m = Move {
                ladder: l,
                from,
                to: *rung,
                reason: format!("set to rung {rung} by you"),
            };
            record_move(&journal, Utc::now(), &m)?;
            println!("The {l} ladder is on rung {rung} (it was on {from}).");
        }
    }
    crate::lock::wake_daemon(&paths.runtime);
    Ok(Status::Success)
}
