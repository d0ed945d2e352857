//! The guided ladder builder (`closer ladder new` without a name), driven as a person
//! would drive it: through a pseudo-terminal, typing and pressing Enter, against the real
//! binary in a private home. What it asks (the scale in words, what is feared, how likely
//! it feels, what keeps one safe), what it checks (the name at once, vague steps, steps
//! alike, a start above 4, jumps, more than 12 steps, past harm at 9-10) and the file it
//! writes.

use std::time::Duration;

use crate::support::home::{Home, ONE_LADDER, ok};
use expectrl::Expect as _;
use expectrl::session::OsSession;

const FILE: &str = "config/closer/content/ladder-telling-my-sister.toml";

/// `closer ladder new ARGS` on a pseudo-terminal in `home`.
fn builder(home: &Home, args: &[&str]) -> OsSession {
    let mut all = vec!["ladder", "new"];
    all.extend(args);
    let mut cmd = home.cmd(&all);
    // The pseudo-terminal is stdin, stdout and stderr: nothing to redirect.
    cmd.env("TERM", "xterm")
        .stdin(std::process::Stdio::inherit());
    let mut p = expectrl::Session::spawn(cmd).expect("a pseudo-terminal");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p
}

/// Waits for `prompt`, then types `text` and Enter.
fn answer(p: &mut OsSession, prompt: &str, text: &str) {
    p.expect(prompt)
        .unwrap_or_else(|e| panic!("no {prompt:?}: {e}"));
    p.send(format!("{text}\r")).unwrap();
}

/// What was shown from now until `needle`, which must come.
fn until(p: &mut OsSession, needle: &str) -> String {
    let found = p
        .expect(needle)
        .unwrap_or_else(|e| panic!("no {needle:?}: {e}"));
    String::from_utf8_lossy(found.before()).into_owned()
}

/// One situation with nothing feared and no safety habit given (Enter twice).
fn plain(p: &mut OsSession, text: &str, distress: &str) {
    answer(p, "Situation ", text);
    answer(p, "make you, 0-10?", distress);
    answer(p, "What do you fear will happen?", "");
    answer(p, "to feel safer?", "");
}

/// The body lines of a ladder file, in order.
fn bodies(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("body = "))
        .collect()
}

#[test]
fn the_guided_builder_needs_a_terminal_and_says_so() {
    let home = Home::with_config(ONE_LADDER);
    let run = home.run(&["ladder", "new"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("there is none here"), "{run:?}");
    assert!(run.stderr.contains("`closer ladder new NAME`"), "{run:?}");
    assert!(!home.path("config/closer/content").exists());
}

#[test]
fn the_guided_builder_asks_what_is_feared_how_likely_and_what_keeps_one_safe() {
    let home = Home::with_config(ONE_LADDER);
    let mut p = builder(&home, &["--guided"]);
    // The scale, in words, before anything is asked.
    let intro = until(&mut p, "What would you like to be able to do?");
    for anchor in [
        "0  calm",
        "3  a little tense",
        "5  clearly anxious, but manageable",
        "7  very anxious",
        "10  the worst you can imagine",
    ] {
        assert!(intro.contains(anchor), "no {anchor:?} in {intro:?}");
    }
    p.send("Telling my sister\r").unwrap();

    // A wish rather than a step: said kindly, and said again more concretely.
    answer(&mut p, "Situation 1 of at least 5", "Be more open");
    let said = until(
        &mut p,
        "Say it more concretely (or press Enter to keep it as it is)",
    );
    assert!(
        said.contains("\"Be more open\" is more a wish than a step: it does not say what you would do, with whom, or where."),
        "{said:?}"
    );
    p.send("Tell her one thing I feel\r").unwrap();
    let asked = until(&mut p, "make you, 0-10?");
    assert!(asked.contains("Tell her one thing I feel"), "{asked:?}");
    // A number in words gets a kind word, never a parser's message.
    p.send("nine\r").unwrap();
    let said = until(&mut p, "Please type a number from 0 to 10, such as 4.");
    assert!(!said.contains("invalid digit"), "{said:?}");
    p.send("10\r").unwrap();
    answer(
        &mut p,
        "What do you fear will happen?",
        "That she'll laugh.",
    );
    answer(&mut p, "How likely does that feel, 0-100 %?", "lots");
    p.expect("Please type a number from 0 to 100, such as 60.")
        .unwrap();
    p.send("70\r").unwrap();
    answer(&mut p, "to feel safer?", "make a joke of it");

    plain(&mut p, "Send her a photo", "1");
    answer(&mut p, "Situation 3", "Say I missed her");
    answer(&mut p, "make you, 0-10?", "7");
    answer(
        &mut p,
        "What do you fear will happen?",
        "she won't say it back",
    );
    answer(&mut p, "How likely does that feel, 0-100 %?", "50 %");
    answer(&mut p, "to feel safer?", "");
    plain(&mut p, "Ask about her week", "2");
    // The same words again are not a new step.
    answer(&mut p, "Situation 5", "ask about her  WEEK");
    p.expect("\"Ask about her week\" is on your ladder already.")
        .unwrap();
    // dialoguer asks again; what was typed is gone.
    p.send("Call her\r").unwrap();
    answer(&mut p, "make you, 0-10?", "5");
    answer(&mut p, "What do you fear will happen?", "");
    answer(&mut p, "to feel safer?", "");
    answer(&mut p, "Situation 6 (empty to finish)", "");

    // 1, 2, 5, 7, 10: a jump of 3 from 2 to 5, and of 3 from 7 to 10.
    let shown = until(&mut p, "Add a step near 3 between them? [Y/n]");
    assert!(
        shown
            .contains("From \"Ask about her week\" (2) to \"Call her\" (5) is a jump of 3 points."),
        "{shown:?}"
    );
    // The idea is the person's own step made smaller, not a step from another ladder.
    assert!(
        shown.contains("It is often \"Call her\" made smaller"),
        "{shown:?}"
    );
    // "y" alone answers nothing: the answer is what stands when Enter comes ("n").
    p.send("y").unwrap();
    p.send("n").unwrap();
    p.send("\r").unwrap();
    let shown = until(&mut p, "Add a step near 8 between them? [Y/n]");
    assert!(!shown.contains("The step in between"), "{shown:?}");
    p.send("y\r").unwrap();
    answer(
        &mut p,
        "The step in between",
        "Tell her about a worry of mine",
    );
    // The middle of the gap is offered.
    answer(&mut p, "make you, 0-10? [8]", "");
    answer(&mut p, "What do you fear will happen?", "");
    answer(&mut p, "to feel safer?", "");
    // The gap declined is not asked about again, though a step was added since.
    let shown = until(&mut p, "Note which fear each step touches?");
    assert!(!shown.contains("is a jump"), "{shown:?}");
    p.send("n\r").unwrap();
    let review = until(&mut p, "Save it?");
    assert!(
        review.contains("you fear that she'll laugh (70 %); to feel safer: make a joke of it"),
        "{review:?}"
    );
    p.send("\r").unwrap();
    p.expect("Saved your ladder `telling-my-sister`").unwrap();
    p.expect(expectrl::Eof).unwrap();

    let text = std::fs::read_to_string(home.path(FILE)).unwrap();
    assert_eq!(
        bodies(&text),
        [
            "\"Send her a photo\"",
            "\"Ask about her week\"",
            "\"Call her\"",
            "\"Say I missed her\"",
            "\"Tell her about a worry of mine\"",
            "\"Tell her one thing I feel\""
        ],
        "{text}"
    );
    for line in [
        "feared = \"she'll laugh\"",
        "likely = 70",
        "fade = \"make a joke of it\"",
        "feared = \"she won't say it back\"",
        "likely = 50",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    assert_eq!(text.matches("feared = ").count(), 2, "{text}");
    ok(home.run(&["check"]));
}

#[test]
fn the_guided_builder_checks_the_name_first_and_cares_at_the_hardest_steps() {
    let home = Home::with_config(&format!(
        "{ONE_LADDER}[help]\ncrisis = \"Samaritans, 116 123\"\n"
    ));
    let mut p = builder(&home, &[]);
    // The name is checked at the first question, before any step is typed.
    answer(&mut p, "What would you like to be able to do?", "Emotional");
    p.expect("`emotional` is a shipped ladder").unwrap();
    p.send(format!("{}\r", "Talking more with my family ".repeat(2)))
        .unwrap();
    p.expect("the name has 55 characters; at most 40 fit")
        .unwrap();
    // A name in another alphabet gets an id of plain letters.
    p.send("Мама\r").unwrap();

    plain(&mut p, "Call mum on Sunday", "5");
    plain(&mut p, "Call mum on Sunday evening", "6");
    // Past harm, rated among the hardest: a caution, the person's own help line, and
    // the choice to leave it for a time with support.
    answer(&mut p, "Situation 3", "Tell mum about dad's drinking");
    answer(&mut p, "make you, 0-10?", "10");
    let caution = until(&mut p, "Keep it on your ladder? [Y/n]");
    for said in [
        "touches hurt from the past",
        "often best taken with a therapist",
        "your crisis contact is there: Samaritans, 116 123.",
    ] {
        assert!(caution.contains(said), "no {said:?} in {caution:?}");
    }
    p.send("n\r").unwrap();
    p.expect("It is left out").unwrap();
    plain(&mut p, "Visit mum for lunch", "7");
    plain(&mut p, "Hug mum when I arrive", "7");
    plain(&mut p, "Tell mum I'm proud of her", "8");
    answer(&mut p, "Situation 6 (empty to finish)", "");

    // Two steps nearly the same: keep one.
    let shown = until(&mut p, "Which to keep?");
    assert!(
        shown.contains(
            "\"Call mum on Sunday\" (5) and \"Call mum on Sunday evening\" (6) are much alike."
        ),
        "{shown:?}"
    );
    p.send("\x1b[B\r").unwrap();
    // A ladder that starts at 5: an easier first step is suggested.
    let shown = until(&mut p, "Add an easier first step? [Y/n]");
    assert!(
        shown.contains("Your easiest step, \"Call mum on Sunday\", is rated 5."),
        "{shown:?}"
    );
    p.send("\r").unwrap();
    answer(&mut p, "The easier step", "Text mum a photo");
    answer(&mut p, "make you, 0-10?", "2");
    answer(&mut p, "What do you fear will happen?", "");
    answer(&mut p, "to feel safer?", "");
    answer(&mut p, "Add a step near 3 between them? [Y/n]", "n");
    answer(&mut p, "Note which fear each step touches?", "");
    answer(&mut p, "Save it?", "y");
    p.expect("Saved your ladder `mama`").unwrap();
    p.expect(expectrl::Eof).unwrap();

    let text =
        std::fs::read_to_string(home.path("config/closer/content/ladder-mama.toml")).unwrap();
    assert!(text.contains("name = \"Мама\""), "{text}");
    assert_eq!(
        bodies(&text),
        [
            "\"Text mum a photo\"",
            "\"Call mum on Sunday\"",
            "\"Visit mum for lunch\"",
            "\"Hug mum when I arrive\"",
            "\"Tell mum I'm proud of her\""
        ],
        "{text}"
    );
    ok(home.run(&["check"]));
    let show = ok(home.run(&["ladder", "show", "Мама"])).stdout;
    assert!(show.starts_with("Мама (`mama`)"), "{show}");
}

#[test]
fn the_guided_builder_suggests_leaving_steps_out_past_twelve() {
    let home = Home::with_config(ONE_LADDER);
    let mut p = builder(&home, &["My sister", "--guided"]);
    // Twelve situations, 0 to 10 with a jump from 6 to 10 at the top.
    let ratings = ["0", "1", "1", "2", "2", "3", "3", "4", "5", "5", "6", "10"];
    for (i, rating) in ratings.iter().enumerate() {
        plain(&mut p, &format!("Text my sister about thing {i}"), rating);
    }
    p.expect("That is 12: a full ladder.").unwrap();
    answer(&mut p, "Add a step near 8 between them? [Y/n]", "");
    answer(&mut p, "The step in between", "Call my sister for an hour");
    answer(&mut p, "make you, 0-10? [8]", "");
    answer(&mut p, "What do you fear will happen?", "");
    answer(&mut p, "to feel safer?", "");
    let shown = until(&mut p, "Leave a step out? [y/N]");
    assert!(shown.contains("Your ladder has 13 steps."), "{shown:?}");
    p.send("y\r").unwrap();
    answer(&mut p, "Which one?", "");
    answer(&mut p, "Note which fear each step touches?", "");
    answer(&mut p, "Save it?", "");
    p.expect("Saved your ladder `my-sister`").unwrap();
    p.expect(expectrl::Eof).unwrap();
    let text =
        std::fs::read_to_string(home.path("config/closer/content/ladder-my-sister.toml")).unwrap();
    let steps = bodies(&text);
    assert_eq!(steps.len(), 12, "{text}");
    assert!(!text.contains("thing 0\""), "{text}");
    assert!(text.contains("Call my sister for an hour"), "{text}");
    ok(home.run(&["check"]));
}
