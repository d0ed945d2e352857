//! A person's own ladder as a TOML file, edited in place: `closer ladder new`, `add` and
//! `rm` go through here. Text in, text out (pure; `cmd/ladder` reads and writes the file).
//!
//! Invariants: the person's comments, spacing and hand edits are kept (`toml_edit`); the
//! ladder's steps are kept sorted by distress with rungs 1, 2, 3… in that order; a new
//! step gets an id never used in the file; what is written is read back by the content
//! loader first, and refused with its problems if the loader would not accept it.

use std::collections::BTreeSet;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::content::{self, Fear, Ladder, MAX_LADDER_ID};
use crate::diag::Source;

/// The opening of a new ladder file.
const HEADER: &str = "\
# Your own ladder, read by closer. Edit it freely: `closer check` says if anything is off.
# Each step is a [[prompt]] with `ladder`, `rung` (1 = easiest) and `distress` (0-10:
# how hard it would feel). `closer ladder add` keeps the rungs sorted by distress.
";

/// An id made from a ladder's name: lowercase letters and digits, hyphens between words.
pub fn slug(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            id.push(c);
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    let mut id: String = id.chars().take(MAX_LADDER_ID).collect();
    while id.ends_with('-') {
        id.pop();
    }
    id
}

/// A new file holding one ladder and no steps yet.
pub fn new_ladder(id: Ladder, name: &str, description: Option<&str>) -> Result<String, String> {
    let mut doc = DocumentMut::new();
    let mut table = Table::new();
    table.decor_mut().set_prefix(HEADER);
    table.insert("id", value(id.as_str()));
    table.insert("name", value(name.trim()));
    if let Some(d) = description {
        table.insert("description", value(d.trim()));
    }
    let mut ladders = ArrayOfTables::new();
    ladders.push(table);
    doc.insert("ladder", Item::ArrayOfTables(ladders));
    let text = doc.to_string();
    check(&text)?;
    Ok(text)
}

/// A step to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStep<'a> {
    pub text: &'a str,
    pub distress: f32,
    pub fear: &'a [Fear],
    /// Prompt ids used before (in the journal, or by a removed ladder): a new step never
    /// takes one, so old answers never borrow a new step's words.
    pub used: &'a BTreeSet<String>,
}

/// `text` with `step` added to `ladder`, its steps sorted by distress (a new step goes
/// after those as hard as it) and numbered from rung 1. The ladder's name is the step's
/// title: the notification shows it above the step.
pub fn add_step(text: &str, ladder: Ladder, step: &NewStep) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let name = ladder_name(&doc, ladder)
        .ok_or_else(|| format!("this file has no `[[ladder]]` with id \"{ladder}\""))?;
    let prompts = doc
        .entry("prompt")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or("`prompt` here is not written as [[prompt]] tables")?;
    let prefix = format!("{ladder}-");
    let mut next = prompts
        .iter()
        .filter_map(|t| {
            t.get("id")?
                .as_str()?
                .strip_prefix(&prefix)?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0)
        + 1;
    while step.used.contains(&format!("{ladder}-{next}")) {
        next += 1;
    }
    let mut table = Table::new();
    table.insert("id", value(format!("{ladder}-{next}")));
    table.insert("category", value("step"));
    table.insert("ladder", value(ladder.as_str()));
    table.insert("rung", value(0));
    table.insert("distress", value(f64::from(step.distress)));
    table.insert("title", value(name));
    table.insert("body", value(step.text.trim()));
    if !step.fear.is_empty() {
        let mut fears = toml_edit::Array::new();
        for f in step.fear {
            fears.push(f.as_str());
        }
        table.insert("fear", value(fears));
    }
    prompts.push(table);
    sort_steps(prompts, ladder);
    let text = doc.to_string();
    check(&text)?;
    Ok(text)
}

/// `text` without `ladder` and its steps; None when nothing else is left in it.
pub fn remove_ladder(text: &str, ladder: Ladder) -> Result<Option<String>, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let is_it = |t: &Table, key: &str| t.get(key).and_then(Item::as_str) == Some(ladder.as_str());
    let mut left = 0;
    for (key, field) in [("ladder", "id"), ("prompt", "ladder")] {
        if let Some(tables) = doc.get_mut(key).and_then(Item::as_array_of_tables_mut) {
            tables.retain(|t| !is_it(t, field));
            left += tables.len();
            if tables.is_empty() {
                doc.remove(key);
            }
        }
    }
    left += doc.iter().count();
    Ok((left > 0).then(|| doc.to_string()))
}

fn ladder_name(doc: &DocumentMut, ladder: Ladder) -> Option<String> {
    doc.get("ladder")?
        .as_array_of_tables()?
        .iter()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(ladder.as_str()))?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

/// Sorts `ladder`'s steps by distress (stably: equal ones keep their order) into the
/// places its steps held, and numbers their rungs 1, 2, 3…; other tables stay put.
fn sort_steps(prompts: &mut ArrayOfTables, ladder: Ladder) {
    let on_ladder = |t: &Table| t.get("ladder").and_then(Item::as_str) == Some(ladder.as_str());
    let distress = |t: &Table| {
        t.get("distress")
            .and_then(|d| d.as_float().or_else(|| d.as_integer().map(|i| i as f64)))
            .unwrap_or(0.0)
    };
    let all: Vec<Table> = prompts.iter().cloned().collect();
    let slots: Vec<usize> = (0..all.len()).filter(|i| on_ladder(&all[*i])).collect();
    let mut steps: Vec<Table> = slots.iter().map(|i| all[*i].clone()).collect();
    steps.sort_by(|a, b| distress(a).total_cmp(&distress(b)));
    // Each table keeps the decor (comments above it) it came with; its place in the
    // document is the slot's.
    let positions: Vec<Option<isize>> = slots.iter().map(|i| all[*i].position()).collect();
    let mut all = all;
    for ((slot, mut step), (rung, position)) in slots.iter().zip(steps).zip((1..).zip(positions)) {
        step.set_position(position);
        let old = step.get("rung").cloned();
        let mut new = value(rung as i64);
        if let (Some(Item::Value(old)), Item::Value(v)) = (old, &mut new) {
            *v.decor_mut() = old.decor().clone();
        }
        step.insert("rung", new);
        all[*slot] = step;
    }
    prompts.clear();
    for t in all {
        prompts.push(t);
    }
}

/// What the content loader says about `text`, as one message when it refuses anything.
fn check(text: &str) -> Result<(), String> {
    let mut diags = Vec::new();
    content::parse_pack_and_ladders(&Source::new("(the ladder file)", text), &mut diags);
    if diags.is_empty() {
        Ok(())
    } else {
        let problems: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sister() -> Ladder {
        "sister".parse().unwrap()
    }

    const NONE_USED: &BTreeSet<String> = &BTreeSet::new();

    fn step(text: &str, distress: f32) -> NewStep<'_> {
        NewStep {
            text,
            distress,
            fear: &[],
            used: NONE_USED,
        }
    }

    #[test]
    fn a_new_step_never_takes_an_id_used_before() {
        let text = new_ladder(sister(), "Telling my sister", None).unwrap();
        let used: BTreeSet<String> = ["sister-1".into(), "sister-2".into()].into();
        let new = NewStep {
            used: &used,
            ..step("Send her a photo.", 2.0)
        };
        let text = add_step(&text, sister(), &new).unwrap();
        assert!(text.contains("id = \"sister-3\""), "{text}");
    }

    #[test]
    fn slugs_are_ids() {
        assert_eq!(
            slug("Telling my sister how I feel!"),
            "telling-my-sister-how-i-feel"
        );
        assert_eq!(slug("  Über   Mut "), "ber-mut");
        assert_eq!(slug(&"a b ".repeat(40)).len(), MAX_LADDER_ID - 1);
        assert_eq!(slug("!!!"), "");
    }

    #[test]
    fn steps_are_sorted_by_distress_and_comments_kept() {
        let text = new_ladder(sister(), "Telling my sister", None).unwrap();
        let text = add_step(&text, sister(), &step("Tell her one feeling.", 6.0)).unwrap();
        let text = text.replacen("\n[[prompt]]\n", "\n# my own note\n[[prompt]]\n", 1)
            + "\n# at the end\n";
        let text = add_step(&text, sister(), &step("Send her a photo.", 2.0)).unwrap();
        let text = add_step(&text, sister(), &step("Call her.", 4.0)).unwrap();
        let mut diags = Vec::new();
        let (prompts, ladders) =
            content::parse_pack_and_ladders(&Source::new("x.toml", text.as_str()), &mut diags);
        assert!(diags.is_empty(), "{diags:?}\n{text}");
        assert_eq!(ladders[0].name, "Telling my sister");
        let order: Vec<(u8, &str, &str)> = prompts
            .iter()
            .map(|p| (p.rung.unwrap(), p.id.as_str(), p.body.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (1, "sister-2", "Send her a photo."),
                (2, "sister-3", "Call her."),
                (3, "sister-1", "Tell her one feeling."),
            ],
            "{text}"
        );
        assert!(text.contains("# my own note"), "{text}");
        assert!(text.contains("# at the end"), "{text}");
        assert!(text.starts_with(HEADER), "{text}");
    }

    #[test]
    fn what_the_loader_refuses_is_not_written() {
        let text = new_ladder(sister(), "Telling my sister", None).unwrap();
        let long = "a".repeat(content::MAX_BODY + 1);
        let err = add_step(&text, sister(), &step(&long, 3.0)).unwrap_err();
        assert!(err.contains("201 characters"), "{err}");
        let err = add_step(&text, "other".parse().unwrap(), &step("x", 3.0)).unwrap_err();
        assert!(err.contains("no `[[ladder]]` with id \"other\""), "{err}");
    }

    #[test]
    fn removing_a_ladder_keeps_the_rest_of_the_file() {
        let text = new_ladder(sister(), "Telling my sister", None).unwrap();
        let text = add_step(&text, sister(), &step("Send her a photo.", 2.0)).unwrap();
        assert_eq!(remove_ladder(&text, sister()).unwrap(), None);
        let mixed = format!(
            "{text}\n[[prompt]]\nid = \"compassion-mine\"\ncategory = \"compassion\"\ntitle = \"T\"\nbody = \"Mine.\"\n"
        );
        let left = remove_ladder(&mixed, sister()).unwrap().unwrap();
        assert!(
            left.contains("compassion-mine") && !left.contains("sister"),
            "{left}"
        );
    }
}
