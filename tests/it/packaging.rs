//! What a packaged closer offers beside its commands, run as the real binary in a private
//! home: completion scripts that the real shells accept, the manual pages, the exit codes
//! in `--help`, `about` naming every directory, and `run --defaults`.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::home::Home;

#[test]
fn completions_are_valid_scripts_for_each_shell() {
    let home = Home::empty();
    for (shell, checker, file) in [
        ("bash", "bash", "closer.bash"),
        ("zsh", "zsh", "_closer"),
        ("fish", "fish", "closer.fish"),
    ] {
        let run = home.run(&["completions", shell]);
        assert_eq!(run.code, Some(0), "{run:?}");
        for command in ["next", "report", "service", "completions"] {
            assert!(run.stdout.contains(command), "{shell}: no {command}");
        }
        // The shell itself parses the script (-n: read, do not run).
        let path = home.path(file);
        fs::write(&path, &run.stdout).unwrap();
        let out = Command::new(checker).arg("-n").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{shell} rejects the script: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let run = home.run(&["completions", "tcsh"]);
    assert_eq!(run.code, Some(2), "{run:?}");
}

#[test]
fn bash_completes_subcommands() {
    let home = Home::empty();
    let script = home.run(&["completions", "bash"]).stdout;
    home.write("closer.bash", &script);
    let probe = format!(
        "source {}; COMP_WORDS=(closer rep); COMP_CWORD=1; COMP_LINE='closer rep'; \
         COMP_POINT=10; _closer closer rep closer; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        home.path("closer.bash").display()
    );
    let out = Command::new("bash").arg("-c").arg(probe).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert_eq!(words.trim(), "report", "{out:?}");
}

#[test]
fn completions_leave_out_the_hidden_man_command() {
    let home = Home::empty();
    let script = home.run(&["completions", "bash"]).stdout;
    home.write("closer.bash", &script);
    let probe = format!(
        "source {}; COMP_WORDS=(closer ma); COMP_CWORD=1; COMP_LINE='closer ma'; \
         COMP_POINT=9; _closer closer ma closer; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        home.path("closer.bash").display()
    );
    let out = Command::new("bash").arg("-c").arg(probe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "{out:?}");
    assert!(!script.contains("closer__subcmd__man"), "bash");
    let zsh = home.run(&["completions", "zsh"]).stdout;
    assert!(!zsh.contains("'man:"), "zsh");
    let fish = home.run(&["completions", "fish"]).stdout;
    assert!(!fish.contains("-a \"man\""), "fish");
    // What is shown stays: a subcommand's own options, the global ones, help.
    for needed in [
        "target",
        "config",
        "verbose",
        "help",
        "report",
        "completions",
    ] {
        for (shell, text) in [("bash", &script), ("zsh", &zsh), ("fish", &fish)] {
            assert!(text.contains(needed), "{shell}: no {needed}");
        }
    }
}

#[test]
fn the_debian_changelog_names_this_version_and_the_maintainer() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table =
        toml::from_str(&fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    let maintainer = deb["maintainer"].as_str().unwrap();
    // Debian's form, "Name <address>", which lintian checks.
    assert!(
        maintainer.contains(" <") && maintainer.ends_with('>') && maintainer.contains('@'),
        "{maintainer}"
    );
    let file = deb["changelog"].as_str().unwrap();
    let changelog = fs::read_to_string(root.join(file)).unwrap();
    let first = changelog.lines().next().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        first.starts_with(&format!("closer ({version}-")),
        "{file}'s first entry is not for {version}: {first}"
    );
    let trailer = changelog.lines().find(|l| l.starts_with(" -- ")).unwrap();
    assert!(
        trailer.starts_with(&format!(" -- {maintainer}  ")),
        "{trailer}"
    );
}

#[test]
fn man_writes_both_sections_and_every_subcommand() {
    let home = Home::empty();
    let dir = home.path("man");
    let run = home.run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{run:?}");
    for page in ["closer.1", "closer-run.1", "closer-report.1", "closer.5"] {
        let text = fs::read_to_string(dir.join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
    let main = fs::read_to_string(dir.join("closer.1")).unwrap();
    assert!(main.contains("EXIT STATUS"));
    // man itself reads them (man-db is in scripts/test.sh's list).
    let out = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(dir.join("closer.5"))
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("max_per_day"), "{text}");
    assert!(text.contains("Default: 4"), "{text}");
    // Hidden: packagers call it, users need not see it.
    let help = home.run(&["--help"]).stdout;
    assert!(!help.contains("  man "), "{help}");
}

#[test]
fn help_lists_the_exit_codes_and_a_usage_error_exits_2() {
    let home = Home::empty();
    let help = home.run(&["--help"]);
    assert_eq!(help.code, Some(0));
    for line in [
        "Exit status:",
        "0  success",
        "1  an error",
        "2  the command line",
    ] {
        assert!(help.stdout.contains(line), "{line:?}:\n{}", help.stdout);
    }
    assert_eq!(home.run(&["no-such-command"]).code, Some(2));
    assert_eq!(home.run(&["next", "--count", "many"]).code, Some(2));
    // An error that is not the command line's: an invalid config.
    let home = Home::with_config("max_per_day = \"lots\"\n");
    assert_eq!(home.run(&["check"]).code, Some(1));
}

#[test]
fn about_names_the_config_the_journal_and_the_state() {
    let home = Home::empty();
    let run = home.run(&["about"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    for path in [
        home.config_path(),
        home.journal_path(),
        home.path("state/closer"),
    ] {
        let shown = path.display().to_string();
        assert!(
            run.stdout.contains(&shown),
            "{shown} missing:\n{}",
            run.stdout
        );
    }
}

#[test]
fn about_and_completions_end_quietly_on_a_closed_pipe() {
    let home = Home::empty();
    for args in [&["about"][..], &["completions", "bash"][..]] {
        let out = home.cmd(args).stdout(closed_pipe()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Quietly, as `cat` would: ended by SIGPIPE, with nothing said and no panic.
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(13),
            "{args:?}: {:?} {stderr}",
            out.status
        );
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// A pipe whose reading end is closed before closer writes a byte.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

/// Runs `cmd` to its end and checks it succeeded without a panic.
fn succeeds_quietly(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("panicked"),
        "{:?} {stderr}",
        out.status
    );
}

#[test]
fn send_ends_quietly_on_a_closed_pipe() {
    // `send` keeps SIGPIPE ignored (it talks D-Bus), so a closed pipe is a write error it
    // must end on quietly. With no bus it prints the prompt on stderr, then a line on stdout.
    let home = Home::empty();
    succeeds_quietly(home.cmd(&["send", "--no-wait"]).stdout(closed_pipe()));
    // Both closed: nothing can be said, and still no panic (exit code 101).
    succeeds_quietly(
        home.cmd(&["send", "--no-wait"])
            .stdout(closed_pipe())
            .stderr(closed_pipe()),
    );
    // On a real server: the first line fails, and `send` ends there instead of waiting.
    let desktop = crate::support::desktop::Desktop::start();
    let started = Instant::now();
    succeeds_quietly(
        home.cmd(&["send", "--wait", "1m"])
            .envs(desktop.env())
            .stdout(closed_pipe()),
    );
    assert!(started.elapsed() < Duration::from_secs(30), "it waited");
    let shown = desktop.wait_for_notifications(1, Duration::from_secs(5));
    assert_eq!(shown.len(), 1);
}

#[test]
fn run_defaults_uses_the_built_in_config_and_leaves_the_users_aside() {
    // The user's config has one rule and a problem; the built-in one has five rules.
    let home = Home::with_config(
        "colour = \"blue\"\n[[schedule]]\nname = \"mine\"\nsend = \"compassion\"\nat = \"12:00\"\n",
    );
    home.write(
        "config/closer/content/broken.toml",
        "this is not a content pack",
    );
    let log = home.run_until_running(&["run", "--defaults"]);
    assert!(
        log.contains("closer is running with 5 schedule rules"),
        "{log}"
    );
    assert!(log.contains("built-in default config"), "{log}");
    assert!(!log.contains("colour"), "{log}");
    assert!(!log.contains("broken.toml"), "{log}");
    // Without the flag, the same home runs on the user's config.
    let log = home.run_until_running(&["run"]);
    assert!(
        log.contains("closer is running with 1 schedule rule "),
        "{log}"
    );
    assert!(log.contains("colour"), "{log}");
}

#[test]
fn the_content_pack_guides_example_passes_check() {
    let guide = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/content-packs.md"
    ))
    .unwrap();
    let (_, rest) = guide.split_once("```toml\n").unwrap();
    let (example, _) = rest.split_once("```").unwrap();
    let home = Home::empty();
    home.write("config/closer/content/mine.toml", example);
    let run = home.run(&["check"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let run = home.run(&["list", "--json"]);
    assert!(run.stdout.contains("mine-slow-morning"), "{}", run.stdout);
    assert!(run.stdout.contains("Thank a neighbour"), "{}", run.stdout);
}
