//! `closer service`, run as the real binary in a private home: the printed unit passes
//! `systemd-analyze verify`, `--print` changes nothing, `status` says whether the
//! installed unit runs this closer, and install/uninstall drive `systemctl --user`.
//! None of it needs a running user service manager.
#![cfg(target_os = "linux")]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::home::{Home, Run};

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
/// HOME points into the temp dir too, so no unit of the real user's is loaded alongside.
/// Hermetic: the unit path holds this unit and systemd's own targets and slices, nothing
/// another package installed (mako's and swaync's units both claim the notification bus
/// name, which verify reports as an error of its own). verify exits 0 on some warnings (an
/// unknown key, say), so callers check stderr too.
fn verify(unit: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let runtime = dir.path().join("run");
    fs::create_dir(&runtime).unwrap();
    fs::set_permissions(&runtime, fs::Permissions::from_mode(0o700)).unwrap();
    let units = dir.path().join("units");
    fs::create_dir(&units).unwrap();
    for entry in fs::read_dir("/usr/lib/systemd/user").unwrap() {
        let path = entry.unwrap().path();
        let systemds = path
            .extension()
            .is_some_and(|e| e == "target" || e == "slice");
        if systemds && path.is_file() {
            fs::copy(&path, units.join(path.file_name().unwrap())).unwrap();
        }
    }
    let file = units.join("closer.service");
    fs::write(&file, unit).unwrap();
    Command::new("systemd-analyze")
        .args(["--user", "verify"])
        .arg(&file)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("SYSTEMD_UNIT_PATH", &units)
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
    let broken = printed_unit(&home, &[]).replace("Type=notify", "Type=sometimes");
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
            "Installed: yes, at {}; it starts /usr/local/bin/other-closer, not this closer; \
             run `closer service install` again to point it at {this}.\n",
            home.path(UNIT).display()
        ),
        // No user manager here; what the unit file says is reported all the same.
        "\nEnabled:   unknown; cannot reach the user service manager (systemctl --user): "
            .to_owned(),
        "\nActive:    unknown\n".to_owned(),
    ] {
        assert!(run.stdout.contains(&expected), "no {expected:?} in {run:?}");
    }
}

/// The next step every service command ends with when no user manager answers.
fn without_a_manager(home: &Home) -> String {
    let exe = this_closer();
    format!(
        "No systemd user manager answers here (as in a container, a root shell, or ssh \
         without a desktop login), so closer cannot run as a service.\n\
         To start closer with your desktop instead, add `{exe} run` to your desktop's \
         startup programs, or save this as {}:\n\
         \x20 [Desktop Entry]\n\
         \x20 Type=Application\n\
         \x20 Name=closer\n\
         \x20 Exec={exe} run\n\
         Until then, `closer run` in a terminal keeps it going while the terminal is open.\n",
        home.path("config/autostart/closer.desktop").display(),
        exe = exe.display()
    )
}

#[test]
fn status_without_a_user_manager_exits_1_and_says_how_to_keep_closer_running() {
    let home = Home::empty();
    home.write(UNIT, &printed_unit(&home, &[]));
    let run = home.run(&["service", "status"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let installed = format!(
        "Installed: yes, at {}; it starts this closer ({}).\n",
        home.path(UNIT).display(),
        this_closer().display()
    );
    assert!(run.stdout.starts_with(&installed), "{run:?}");
    assert!(run.stdout.ends_with(&without_a_manager(&home)), "{run:?}");
}

#[test]
fn status_exits_0_only_when_installed_enabled_and_active() {
    let home = Home::empty();
    home.write(UNIT, &printed_unit(&home, &[]));
    let (bin, _) = fake_systemctl(&home, "active", "enabled");
    let run = run_with_path(&home, &bin, &["service", "status"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "Installed: yes, at {}; it starts this closer ({}).\n\
             Enabled:   yes; it starts by itself when you log in.\n\
             Active:    yes; it is running now.\n",
            home.path(UNIT).display(),
            this_closer().display()
        )
    );
    let (bin, _) = fake_systemctl(&home, "inactive", "disabled");
    let run = run_with_path(&home, &bin, &["service", "status"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stdout.ends_with(
            "Enabled:   no (disabled); `closer service install` enables it.\n\
             Active:    no (inactive); `closer service start` starts it.\n"
        ),
        "{run:?}"
    );
}

#[test]
fn status_without_a_unit_says_how_to_install_and_exits_1() {
    let home = Home::empty();
    let run = home.run(&["service", "status"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let expected = format!(
        "Installed: no; there is no unit at {}, and `closer service install` installs it.\n",
        home.path(UNIT).display()
    );
    assert!(run.stdout.starts_with(&expected), "{run:?}");
}

#[test]
fn start_and_uninstall_without_a_user_manager_end_with_a_next_step() {
    let home = Home::empty();
    home.write(UNIT, &printed_unit(&home, &[]));
    let run = home.run(&["service", "start"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.starts_with(
            "error: `systemctl --user start closer.service` failed: Failed to connect to bus"
        ),
        "{run:?}"
    );
    assert!(run.stderr.ends_with(&without_a_manager(&home)), "{run:?}");

    let unit = home.path(UNIT);
    let run = home.run(&["service", "uninstall"]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.stderr.ends_with(&format!(
            "No systemd user manager answers here, so closer cannot stop or disable \
             closer.service from this session. To remove it by hand:\n  rm {}\n",
            unit.display()
        )),
        "{run:?}"
    );
    assert!(unit.exists(), "the unit stays until it is stopped");
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
    assert!(run.stderr.ends_with(&without_a_manager(&home)), "{run:?}");
    assert_eq!(
        fs::read_to_string(home.path(UNIT)).unwrap(),
        printed_unit(&home, &[])
    );
}

/// A `systemctl` that logs its arguments and says every unit is `active` and `enabled`
/// (exiting 3, as systemctl does, for a state but "active" or "enabled").
fn fake_systemctl(home: &Home, active: &str, enabled: &str) -> (PathBuf, PathBuf) {
    let log = home.path("systemctl.log");
    let bin = home.path("bin");
    let exit = |state: &str, good: &str| if state == good { 0 } else { 3 };
    home.write(
        "bin/systemctl",
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$*\" in\n\
             *is-active*) echo {active}; exit {};;\n\
             *is-enabled*) echo {enabled}; exit {};;\n\
             esac\n",
            log.display(),
            exit(active, "active"),
            exit(enabled, "enabled"),
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
    let (bin, log) = fake_systemctl(&home, "active", "enabled");
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
    assert!(
        run.stdout
            .contains("\nActive:    yes; it is running now.\n"),
        "{run:?}"
    );

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

    // No user manager answers here: enabled and active are unknown, so it exits 1; what
    // it says of the unit is the point.
    let run = status();
    assert_eq!(run.code, Some(1), "{run:?}");
    let expected = format!(
        "Installed: yes, for every user at {} (by a package, or by whoever runs this machine); \
         it starts this closer ({this}).",
        shared.display()
    );
    assert!(run.stdout.contains(&expected), "no {expected:?} in {run:?}");
    // A unit of the person's own would take the package's place: not advised.
    assert!(!run.stdout.contains("closer service install"), "{run:?}");
    assert!(!run.stdout.contains("Installed: no"), "{run:?}");

    // The package's unit runs the package's closer, and this is another one.
    fs::write(
        &shared,
        printed_unit(&home, &[]).replace(&this, "/usr/bin/closer"),
    )
    .unwrap();
    let run = status();
    assert_eq!(run.code, Some(1), "{run:?}");
    let expected = format!("it starts /usr/bin/closer, not this closer (this one is {this}).");
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
    for expected in [
        format!(
            "Installed: yes, at {}; it starts this closer ({this}).",
            home.path(UNIT).display()
        ),
        format!(
            "it takes the place of the one installed for every user at {}",
            shared.display()
        ),
    ] {
        assert!(run.stdout.contains(&expected), "no {expected:?} in {run:?}");
    }
}
