//! A person's own ladder as a TOML file, edited in place: `closer ladder new`, `add` and
//! `rm` go through here, and so does taking a removed ladder out of the config's
//! `[content] ladders`. Text in, text out (pure; `cmd/ladder` reads and writes the files).
//!
//! Invariants: the person's comments, spacing and hand edits are kept (`toml_edit`); the
//! ladder's steps are kept sorted by distress with rungs 1, 2, 3… in that order; a new
//! step gets an id never used in the file; what is written is read back by the content
//! loader first (`Library::check_user_pack`: its tables, and the ladder as a whole, each
//! step once and at most [`MAX_PERSONAL_STEPS`]), and refused with its problems if the
//! loader would leave anything out.

use std::collections::BTreeSet;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::content::{self, Fear, Ladder, Library, MAX_LADDER_ID, MAX_PERSONAL_STEPS};
use crate::diag::Source;

/// The opening of a new ladder file.
const HEADER: &str = "\
# Your own ladder, read by closer. Edit it freely: `closer check` says if anything is off.
# Each step is a [[prompt]] with `ladder`, `rung` (1 = easiest) and `distress` (0-10:
# how hard it would feel). `closer ladder add` keeps the rungs sorted by distress.
";

/// An id made from a ladder's name: lowercase letters and digits, hyphens between words.
/// Letters of the Latin (with accents), Cyrillic and Greek alphabets are written in
/// plain Latin letters ("Über" → "uber", "Мама" → "mama"); other characters only
/// separate words, so a name in another script can give an empty id ([`fresh_id`]
/// numbers those).
pub fn slug(name: &str) -> String {
    let mut id = String::new();
    let mut previous = ' ';
    for c in name.chars().flat_map(char::to_lowercase) {
        let after = std::mem::replace(&mut previous, c);
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            id.push(c);
        } else if matches!(c, 'υ' | 'ύ') && matches!(after, 'ο' | 'ό') {
            // Greek "ου" is one sound.
            id.push('u');
        } else if let Some(latin) = transliterated(c) {
            id.push_str(latin);
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

/// The id for a new ladder called `name`: its [`slug`]; where that is `taken`, the slug
/// with the first free number from 2 after it ("mama-2"); where it is empty, "ladder-"
/// and the first free number from 1; always within [`MAX_LADDER_ID`] characters.
pub fn fresh_id(name: &str, taken: impl Fn(Ladder) -> bool) -> Ladder {
    let base = slug(name);
    if let Ok(id) = base.parse::<Ladder>()
        && !taken(id)
    {
        return id;
    }
    let (base, first): (&str, u32) = if base.is_empty() {
        ("ladder", 1)
    } else {
        (base.as_str(), 2)
    };
    (first..)
        .filter_map(|n| {
            let tail = format!("-{n}");
            let head: String = base.chars().take(MAX_LADDER_ID - tail.len()).collect();
            format!("{}{tail}", head.trim_end_matches('-')).parse().ok()
        })
        .find(|id| !taken(*id))
        .unwrap_or_else(|| unreachable!("the numbers run out before the ids do"))
}

/// A letter of another alphabet in plain Latin letters (lowercase in, lowercase out).
fn transliterated(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        // Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian).
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'ї' => "yi",
        'й' | 'ы' => "y",
        'ј' => "j",
        'к' => "k",
        'л' => "l",
        'љ' => "lj",
        'м' => "m",
        'н' => "n",
        'њ' => "nj",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'ћ' => "c",
        'ђ' => "dj",
        'ѓ' => "gj",
        'ќ' => "kj",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'џ' | 'ѕ' => "dz",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ю' => "yu",
        'я' => "ya",
        // Greek.
        'α' | 'ά' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' | 'έ' => "e",
        'ζ' => "z",
        'η' | 'ή' | 'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'θ' => "th",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ό' | 'ω' | 'ώ' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' | 'ύ' | 'ϋ' | 'ΰ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        _ => return None,
    })
}

/// What a person typed as their feared outcome, as a clause that reads after "You
/// feared that ": trimmed, without a leading "that" or "I fear (that)" and without a
/// closing full stop.
pub fn feared_clause(text: &str) -> String {
    let mut clause = text.trim().trim_end_matches(['.', '!']).trim_end();
    for opening in [
        "i fear that ",
        "i'm afraid that ",
        "i am afraid that ",
        "i worry that ",
        "i fear ",
        "that ",
    ] {
        if clause.len() > opening.len()
            && clause.is_char_boundary(opening.len())
            && clause[..opening.len()].eq_ignore_ascii_case(opening)
        {
            clause = clause[opening.len()..].trim_start();
        }
    }
    clause.to_owned()
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
    /// What the person fears will happen, as a clause after "You feared that ".
    pub feared: Option<&'a str>,
    /// How likely that felt, 0 to 100.
    pub likely: Option<u8>,
    /// What they usually do to feel safer there: the safety behaviour the step lets go of.
    pub fade: Option<&'a str>,
    /// The step needs an occasion that may not come today.
    pub occasion: bool,
    /// Prompt ids used before (in the journal, or by a removed ladder): a new step never
    /// takes one, so old answers never borrow a new step's words.
    pub used: &'a BTreeSet<String>,
}

impl<'a> NewStep<'a> {
    /// A step with only its words and distress.
    pub fn new(text: &'a str, distress: f32, used: &'a BTreeSet<String>) -> NewStep<'a> {
        NewStep {
            text,
            distress,
            fear: &[],
            feared: None,
            likely: None,
            fade: None,
            occasion: false,
            used,
        }
    }
}

/// `text` with `step` added to `ladder`, its steps sorted by distress (a new step goes
/// after those as hard as it) and numbered from rung 1. The ladder's name is the step's
/// title: the notification shows it above the step. Refused, with the reason, when the
/// ladder already has this step (case and spacing aside) or is full, or when the loader
/// would leave anything in the result out.
pub fn add_step(text: &str, ladder: Ladder, step: &NewStep) -> Result<String, String> {
    let text = add_unchecked(text, ladder, step)?;
    check(&text)?;
    Ok(text)
}

/// `text` with every step of `steps` added, checked once at the end.
pub fn add_steps(text: &str, ladder: Ladder, steps: &[NewStep]) -> Result<String, String> {
    let mut text = text.to_owned();
    for step in steps {
        text = add_unchecked(&text, ladder, step)?;
    }
    check(&text)?;
    Ok(text)
}

fn add_unchecked(text: &str, ladder: Ladder, step: &NewStep) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let name = ladder_name(&doc, ladder)
        .ok_or_else(|| format!("this file has no `[[ladder]]` with id \"{ladder}\""))?;
    let prompts = doc
        .entry("prompt")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or("`prompt` here is not written as [[prompt]] tables")?;
    let on_ladder: Vec<&Table> = prompts
        .iter()
        .filter(|t| t.get("ladder").and_then(Item::as_str) == Some(ladder.as_str()))
        .collect();
    let words = content::normalized(step.text);
    if let Some(same) = on_ladder.iter().find_map(|t| {
        let body = t.get("body")?.as_str()?;
        (content::normalized(body) == words).then_some(body)
    }) {
        return Err(format!(
            "\"{}\" is already on this ladder, as \"{same}\"; each step once (if this is another step, say what makes it different: who, where or how long)",
            step.text.trim()
        ));
    }
    if on_ladder.len() >= MAX_PERSONAL_STEPS {
        return Err(format!(
            "the ladder has {} steps, as many as a ladder holds ({MAX_PERSONAL_STEPS}): leave out one you need less, or start a second ladder for the hardest ones",
            on_ladder.len()
        ));
    }
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
    if let Some(feared) = step.feared {
        table.insert("feared", value(feared_clause(feared)));
    }
    if let Some(likely) = step.likely {
        table.insert("likely", value(i64::from(likely)));
    }
    if let Some(fade) = step.fade {
        table.insert("fade", value(fade.trim()));
    }
    if step.occasion {
        table.insert("occasion", value(true));
    }
    prompts.push(table);
    sort_steps(prompts, ladder);
    Ok(doc.to_string())
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

/// The config's `text` without `ladder` in `[content] ladders`, everything else as it
/// was (comments and layout too; a comment after the removed id on its line goes with
/// it); None when the list does not name it.
pub fn unlisted(text: &str, ladder: Ladder) -> Result<Option<String>, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let Some(list) = doc
        .get_mut("content")
        .and_then(|c| c.get_mut("ladders"))
        .and_then(Item::as_array_mut)
    else {
        return Ok(None);
    };
    let Some(at) = list
        .iter()
        .position(|v| v.as_str() == Some(ladder.as_str()))
    else {
        return Ok(None);
    };
    // The comment after an element (`"a", # mine`) is stored before the next one, or as
    // the list's trailing text after the last: it goes with the element; what stood
    // before the element (its line's indent, comments above it) stays.
    let before = list
        .get(at)
        .and_then(|v| v.decor().prefix())
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_owned();
    let kept = |after: &str| -> String {
        match after.split_once('\n') {
            Some((_, rest)) => format!("{}{rest}", before.trim_end_matches([' ', '\t'])),
            None => after.to_owned(),
        }
    };
    if let Some(next) = list.get_mut(at + 1) {
        let after = next
            .decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_owned();
        let prefix = if after.contains('\n') {
            kept(&after)
        } else {
            before.clone()
        };
        next.decor_mut().set_prefix(prefix);
    } else {
        let after = list.trailing().as_str().unwrap_or_default().to_owned();
        if after.contains('\n') {
            list.set_trailing(kept(&after));
        }
        if at == 0 {
            list.set_trailing_comma(false);
        }
    }
    list.remove(at);
    Ok(Some(doc.to_string()))
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

/// What the content loader says about `text`, as one message when it would leave
/// anything out: a table on its own, or the ladder whole.
fn check(text: &str) -> Result<(), String> {
    let diags = Library::check_user_pack(&Source::new("(the ladder file)", text));
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
        NewStep::new(text, distress, NONE_USED)
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
        assert_eq!(slug("  Über   Mut "), "uber-mut");
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
    fn names_in_other_alphabets_give_ids() {
        assert_eq!(slug("Мама"), "mama");
        assert_eq!(slug("Über Mut"), "uber-mut");
        assert_eq!(slug("Γιαγιά μου"), "giagia-mou");
        assert_eq!(slug("Говорить с сестрой"), "govorit-s-sestroy");
        assert_eq!(slug("妈妈"), "");
        let none = |_: Ladder| false;
        assert_eq!(fresh_id("Мама", none).as_str(), "mama");
        assert_eq!(fresh_id("妈妈", none).as_str(), "ladder-1");
        let taken = |l: Ladder| ["mama", "mama-2", "ladder-1"].contains(&l.as_str());
        assert_eq!(fresh_id("Мама", taken).as_str(), "mama-3");
        assert_eq!(fresh_id("妈妈", taken).as_str(), "ladder-2");
        let long = "a".repeat(MAX_LADDER_ID);
        let id = fresh_id(&long, |l| l.as_str() == long);
        assert_eq!(id.as_str(), format!("{}-2", &long[..MAX_LADDER_ID - 2]));
    }

    #[test]
    fn a_feared_outcome_reads_after_you_feared_that() {
        assert_eq!(feared_clause(" That she'll laugh. "), "she'll laugh");
        assert_eq!(feared_clause("I fear that he leaves"), "he leaves");
        assert_eq!(feared_clause("they find it odd"), "they find it odd");
        assert_eq!(feared_clause("that"), "that");
    }

    #[test]
    fn a_step_twice_or_a_full_ladder_is_refused_with_the_reason() {
        let text = new_ladder(sister(), "Telling my sister", None).unwrap();
        let text = add_step(&text, sister(), &step("Say hi to my sister", 2.0)).unwrap();
        let err = add_step(&text, sister(), &step("say  hi to my SISTER ", 3.0)).unwrap_err();
        assert!(
            err.starts_with("\"say  hi to my SISTER\" is already on this ladder, as \"Say hi to my sister\"; each step once"),
            "{err}"
        );
        let many: Vec<String> = (1..MAX_PERSONAL_STEPS)
            .map(|i| format!("Step {i}"))
            .collect();
        let steps: Vec<NewStep> = many.iter().map(|t| step(t, 3.0)).collect();
        let full = add_steps(&text, sister(), &steps).unwrap();
        let err = add_step(&full, sister(), &step("One more", 3.0)).unwrap_err();
        assert!(err.starts_with("the ladder has 20 steps"), "{err}");
        // A hand edit the loader refuses (a step's words twice) is not written over.
        let doubled = format!(
            "{text}\n[[prompt]]\nid = \"x\"\ncategory = \"step\"\nladder = \"sister\"\nrung = 2\ndistress = 2\ntitle = \"T\"\nbody = \"Say HI to my sister\"\n"
        );
        let err = add_step(&doubled, sister(), &step("Call her", 4.0)).unwrap_err();
        assert!(err.contains("each step once"), "{err}");
    }

    #[test]
    fn what_the_person_fears_and_does_to_feel_safer_are_written() {
        let text = new_ladder(sister(), "Telling my sister", None).unwrap();
        let new = NewStep {
            feared: Some("That she'll find it odd."),
            likely: Some(60),
            fade: Some(" keep it short "),
            occasion: true,
            ..step("Call her", 4.0)
        };
        let text = add_step(&text, sister(), &new).unwrap();
        let mut diags = Vec::new();
        let (prompts, _) =
            content::parse_pack_and_ladders(&Source::new("x.toml", text.as_str()), &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let p = &prompts[0];
        assert_eq!(p.feared.as_deref(), Some("she'll find it odd"));
        assert_eq!(p.likely, Some(60));
        assert_eq!(p.fade.as_deref(), Some("keep it short"));
        assert!(p.occasion);
    }

    #[test]
    fn a_removed_ladder_leaves_the_config_list_with_its_comments() {
        let l: Ladder = "telling-my-sister".parse().unwrap();
        let config =
            "# mine\n[content]\nladders = [\"telling-my-sister\", \"emotional\"]  # both\n";
        assert_eq!(
            unlisted(config, l).unwrap().unwrap(),
            "# mine\n[content]\nladders = [\"emotional\"]  # both\n"
        );
        let config = "[content]\nladders = [\"emotional\", \"telling-my-sister\"]\n";
        assert_eq!(
            unlisted(config, l).unwrap().unwrap(),
            "[content]\nladders = [\"emotional\"]\n"
        );
        let config = "[content]\nladders = [\n  # the shipped one\n  \"emotional\",   # since May\n  \"telling-my-sister\",  # mine\n  \"social\",\n]\n";
        assert_eq!(
            unlisted(config, l).unwrap().unwrap(),
            "[content]\nladders = [\n  # the shipped one\n  \"emotional\",   # since May\n  \"social\",\n]\n"
        );
        let config = "[content]\nladders = [\n  \"emotional\",   # since May\n  \"telling-my-sister\",  # mine\n]\n";
        assert_eq!(
            unlisted(config, l).unwrap().unwrap(),
            "[content]\nladders = [\n  \"emotional\",   # since May\n]\n"
        );
        assert_eq!(
            unlisted("[content]\nladders = [\"telling-my-sister\"]\n", l)
                .unwrap()
                .unwrap(),
            "[content]\nladders = []\n"
        );
        assert_eq!(
            unlisted("content.ladders = [\"emotional\"]\n", l).unwrap(),
            None
        );
        assert_eq!(unlisted("timezone = \"UTC\"\n", l).unwrap(), None);
        assert_eq!(
            unlisted(
                "content = { ladders = [\"telling-my-sister\", \"social\"] }\n",
                l
            )
            .unwrap()
            .unwrap(),
            "content = { ladders = [\"social\"] }\n"
        );
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
