//! `closer service`, run as the real binary in a private home: the printed unit passes
//! `systemd-analyze verify`, `--print` changes nothing, `status` says whether the
//! installed unit runs this closer, and install/uninstall drive `systemctl --user`.
//! None of it needs a running user service manager.
#![cfg(target_os = "linux")]
mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::home::{Home, Run};

const UNIT: &str = "config/systemd/user/closer.service";

/// The path `closer service install` renders: the test binary, through any symlinks.
fn this_closer() -> PathBuf {
    fs::canonicalize(env!("CARGO_BIN_EXE_closer")).unwrap()
}

fn printed_unit(home: &Home, args: &[&str]) -> String {
    let run = home.run(&[&["service", "install", "--print"], args].concat());
    assert_eq!(run.code, Some(0), "{run:?}");
    run.stdout
}

/// `systemd-analyze --user verify` on `unit`, saved as `closer.service` in a temp dir.
///
/// `--user`, so the unit is checked the way the user manager loads it (with the user
/// targets it names). Without a user manager (root in a container, here) that fails
/// before it reads the unit: "Failed to lookup RuntimeDirectory path: No such device or
/// address". A private XDG_RUNTIME_DIR is all it lacks; it needs no running manager.
/// HOME points into the temp dir too, so no unit of the real user's is loaded alongside,
/// and the search path leaves out /etc/systemd/user: the units other packages turn on for
/// every user there (mako's and swaync's both want graphical-session.target and both claim
/// org.freedesktop.Notifications) would be loaded beside closer's, and their quarrel
/// reported as if it were closer's. verify exits 0 on some warnings (an unknown key, say),
/// so callers check stderr too.
fn verify(unit: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let runtime = dir.path().join("run");
    fs::create_dir(&runtime).unwrap();
    fs::set_permissions(&runtime, fs::Permissions::from_mode(0o700)).unwrap();
    let file = dir.path().join("closer.service");
    fs::write(&file, unit).unwrap();
    Command::new("systemd-analyze")
        .args(["--user", "verify"])
        .arg(&file)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("XDG_RUNTIME_DIR", &runtime)
        .env(
            "SYSTEMD_UNIT_PATH",
            format!("{}:/usr/lib/systemd/user", dir.path().display()),
        )
        .output()
        .expect("systemd-analyze runs (it comes with systemd)")
}

#[test]
fn printed_units_pass_systemd_analyze_verify() {
    let home = Home::empty();
    let exec = format!("\nExecStart={} run\n", this_closer().display());
    for (args, target) in [
        (&[][..], "graphical-session.target"),
        (&["--target", "default"][..], "default.target"),
    ] {
        let unit = printed_unit(&home, args);
        assert!(unit.contains(&exec), "no {exec:?} in:\n{unit}");
        assert!(unit.contains(&format!("\nWantedBy={target}\n")), "{unit}");
        let out = verify(&unit);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{stderr}\n{unit}"
        );
    }
    // And verify does check: a broken unit does not pass.
    let broken = printed_unit(&home, &[]).replace("Type=exec", "Type=sometimes");
    let out = verify(&broken);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Failed to parse service type"), "{stderr}");
}

#[test]
fn print_writes_nothing_to_the_home() {
    let home = Home::empty();
    printed_unit(&home, &[]);
    let left: Vec<_> = fs::read_dir(home.dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn status_says_when_the_unit_runs_another_closer_and_how_to_fix_it() {
    let home = Home::empty();
    let this = this_closer().display().to_string();
    let other = printed_unit(&home, &[]).replace(&this, "/usr/local/bin/other-closer");
    home.write(UNIT, &other);

    let run = home.run(&["service", "status"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    for expected in [
        format!(
            "closer.service is installed at {}.",
            home.path(UNIT).display()
        ),
        format!(
            "It runs /usr/local/bin/other-closer, not this closer; \
             run `closer service install` again to point it at {this}."
        ),
        // No user manager here; what the unit file says is reported all the same.
        "cannot reach the user service manager (systemctl --user): ".to_owned(),
    ] {
        assert!(run.stdout.contains(&expected), "no {expected:?} in {run:?}");
    }
}

#[test]
fn status_exits_0_when_the_unit_runs_this_closer() {
    let home = Home::empty();
    home.write(UNIT, &printed_unit(&home, &[]));
    let run = home.run(&["service", "status"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let expected = format!("It runs this closer ({}).", this_closer().display());
    assert!(run.stdout.contains(&expected), "{run:?}");
}

#[test]
fn status_without_a_unit_says_how_to_install_and_exits_1() {
    let home = Home::empty();
    let run = home.run(&["service", "status"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let expected = format!(
        "closer.service is not installed (no unit at {}); `closer service install` installs it.",
        home.path(UNIT).display()
    );
    assert!(run.stdout.contains(&expected), "{run:?}");
}

#[test]
fn install_without_a_user_manager_writes_the_unit_and_names_the_failed_command() {
    let home = Home::empty();
    let run = home.run(&["service", "install"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.contains(
            "error: the unit is written, but closer.service is not enabled: \
             `systemctl --user daemon-reload` failed: "
        ),
        "{run:?}"
    );
    assert_eq!(
        fs::read_to_string(home.path(UNIT)).unwrap(),
        printed_unit(&home, &[])
    );
}

/// A `systemctl` that logs its arguments and says every unit is active.
fn fake_systemctl(home: &Home) -> (PathBuf, PathBuf) {
    let log = home.path("systemctl.log");
    let bin = home.path("bin");
    home.write(
        "bin/systemctl",
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$*\" in *is-active*) echo active;; esac\n",
            log.display()
        ),
    );
    fs::set_permissions(bin.join("systemctl"), fs::Permissions::from_mode(0o755)).unwrap();
    (bin, log)
}

fn run_with_path(home: &Home, bin: &Path, args: &[&str]) -> Run {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    Run::from(home.cmd(args).env("PATH", path).output().unwrap())
}

#[test]
fn install_and_uninstall_drive_systemctl_in_order() {
    let home = Home::empty();
    let (bin, log) = fake_systemctl(&home);
    let calls = || fs::read_to_string(&log).unwrap_or_default();

    let run = run_with_path(&home, &bin, &["service", "install", "--target", "default"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        calls(),
        "--user daemon-reload\n--user enable --now closer.service\n"
    );
    let unit = home.path(UNIT);
    assert_eq!(
        fs::read_to_string(&unit).unwrap(),
        printed_unit(&home, &["--target", "default"])
    );
    let mode = fs::metadata(&unit).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let run = run_with_path(&home, &bin, &["service", "status"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("closer.service is active."), "{run:?}");

    fs::remove_file(&log).unwrap();
    for verb in ["stop", "start"] {
        let run = run_with_path(&home, &bin, &["service", verb]);
        assert_eq!(run.code, Some(0), "{run:?}");
    }
    let run = run_with_path(&home, &bin, &["service", "uninstall"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        calls(),
        "--user stop closer.service\n--user start closer.service\n\
         --user disable --now closer.service\n--user daemon-reload\n"
    );
    assert!(!unit.exists());
}

#[test]
fn a_config_given_with_config_goes_into_the_unit_as_an_absolute_path() {
    let home = Home::empty();
    home.write("my configs/closer.toml", "");
    let out = home
        .cmd(&[
            "--config",
            "my configs/closer.toml",
            "service",
            "install",
            "--print",
        ])
        .current_dir(home.dir.path())
        .output()
        .unwrap();
    let run = Run::from(out);
    assert_eq!(run.code, Some(0), "{run:?}");
    let unit = run.stdout;
    let config = home.path("my configs/closer.toml");
    let exec = format!(
        "\nExecStart={} --config \"{}\" run\n",
        this_closer().display(),
        config.display()
    );
    assert!(unit.contains(&exec), "no {exec:?} in:\n{unit}");
    let out = verify(&unit);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "{stderr}\n{unit}"
    );
    // The standard config needs no flag.
    let standard = printed_unit(&home, &[]);
    assert!(!standard.contains("--config"), "{standard}");
}

#[test]
fn status_knows_the_unit_a_package_installed_and_never_advises_a_second_one() {
    let home = Home::empty();
    // Where a package's unit would be, outside the home: one of $XDG_DATA_DIRS, which the
    // user manager searches as it searches /usr/lib/systemd/user.
    let system = tempfile::tempdir().unwrap();
    let shared = system.path().join("systemd/user/closer.service");
    fs::create_dir_all(shared.parent().unwrap()).unwrap();
    let this = this_closer().display().to_string();
    fs::write(&shared, printed_unit(&home, &[])).unwrap();
    let status = || {
        let out = home
            .cmd(&["service", "status"])
            .env("XDG_DATA_DIRS", system.path())
            .output()
            .unwrap();
        Run::from(out)
    };

    let run = status();
    assert_eq!(run.code, Some(0), "{run:?}");
    for expected in [
        format!(
            "closer.service is installed for every user at {}",
            shared.display()
        ),
        format!("It runs this closer ({this})."),
        "`systemctl --user enable --now closer.service` turns it on for you.".to_owned(),
    ] {
        assert!(run.stdout.contains(&expected), "no {expected:?} in {run:?}");
    }
    // A unit of the person's own would take the package's place: not advised.
    assert!(!run.stdout.contains("closer service install"), "{run:?}");
    assert!(!run.stdout.contains("not installed"), "{run:?}");

    // The package's unit runs the package's closer, and this is another one.
    fs::write(
        &shared,
        printed_unit(&home, &[]).replace(&this, "/usr/bin/closer"),
    )
    .unwrap();
    let run = status();
    assert_eq!(run.code, Some(1), "{run:?}");
    let expected = format!("It runs /usr/bin/closer, not this closer (this one is {this}).");
    assert!(run.stdout.contains(&expected), "no {expected:?} in {run:?}");
    assert!(!run.stdout.contains("closer service install"), "{run:?}");

    // uninstall removes only a unit of the person's own.
    let out = home
        .cmd(&["service", "uninstall"])
        .env("XDG_DATA_DIRS", system.path())
        .output()
        .unwrap();
    let run = Run::from(out);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("stays"), "{run:?}");
    assert!(shared.exists());

    // With a unit of their own as well, that one is what runs, in the package's place.
    home.write(UNIT, &printed_unit(&home, &[]));
    let run = status();
    assert_eq!(run.code, Some(0), "{run:?}");
    for expected in [
        format!(
            "closer.service is installed at {}.",
            home.path(UNIT).display()
        ),
        format!(
            "It takes the place of the one installed for every user at {}",
            shared.display()
        ),
        format!("It runs this closer ({this})."),
    ] {
        assert!(run.stdout.contains(&expected), "no {expected:?} in {run:?}");
    }
}
