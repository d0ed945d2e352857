//! closer's files through the real binary: what it creates in its own dirs is never
//! opened through a symlink, `report --out` replaces only what closer wrote (and never a
//! symlink or a device), and the single-instance lock outlives a deleted runtime dir.

use std::fs;
use std::os::unix::fs::symlink;
use std::time::Duration;

use crate::support::home::{Home, ok, refused};

const CONFIG: &str = "timezone = \"UTC\"\n[[schedule]]\nname = \"yearly\"\n\
    send = \"learn\"\ncron = \"0 9 1 1 *\"\n";

#[test]
fn report_out_replaces_only_what_closer_wrote_unless_forced() {
    let home = Home::with_config(CONFIG);
    let out = home.path("notes.html");
    let out_arg = out.to_str().unwrap();
    fs::write(&out, "my own page").unwrap();
    let run = refused(
        home.run(&["report", "--out", out_arg]),
        "exists and closer did not write it; add `--force`",
    );
    assert!(run.stderr.contains(out_arg), "{run:?}");
    assert_eq!(fs::read_to_string(&out).unwrap(), "my own page");

    ok(home.run(&["report", "--out", out_arg, "--force"]));
    let page = fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<!-- written by `closer report`"));
    // Its own report it replaces without asking.
    ok(home.run(&["report", "--out", out_arg]));
    // The report in its own data dir too.
    ok(home.run(&["report"]));
    ok(home.run(&["report"]));
}

#[test]
fn report_out_never_replaces_a_symlink_or_a_device() {
    let home = Home::with_config(CONFIG);
    let target = home.path("target.html");
    fs::write(&target, "kept").unwrap();
    let link = home.path("link.html");
    symlink(&target, &link).unwrap();
    for force in [false, true] {
        let mut args = vec!["report", "--out", link.to_str().unwrap()];
        if force {
            args.push("--force");
        }
        let run = refused(
            home.run(&args),
            "is a symlink, which closer does not replace",
        );
        assert!(run.stderr.contains(link.to_str().unwrap()), "{run:?}");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "kept");

        let mut args = vec!["report", "--out", "/dev/null"];
        if force {
            args.push("--force");
        }
        refused(home.run(&args), "`/dev/null` is not a regular file");
        use std::os::unix::fs::FileTypeExt;
        assert!(
            fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
    // The default report's place is closer's own, but a symlink there is not replaced.
    fs::create_dir_all(home.path("data/closer")).unwrap();
    symlink(&target, home.path("data/closer/report.html")).unwrap();
    refused(home.run(&["report"]), "is a symlink");
    assert_eq!(fs::read_to_string(&target).unwrap(), "kept");
}

#[test]
fn a_symlinked_journal_is_refused_and_left_alone() {
    let home = Home::with_config(CONFIG);
    let target = home.path("elsewhere.db");
    fs::write(&target, "not a database").unwrap();
    fs::create_dir_all(home.path("data/closer")).unwrap();
    symlink(&target, home.journal_path()).unwrap();
    refused(
        home.run(&["pause"]),
        "is a symlink; closer keeps its journal as a plain file",
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), "not a database");
}

#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_left_alone() {
    let home = Home::with_config(CONFIG);
    let target = home.path("precious.txt");
    fs::write(&target, "keep me").unwrap();
    fs::create_dir_all(home.path("run/closer")).unwrap();
    symlink(&target, home.path("run/closer/closer.lock")).unwrap();
    refused(home.run(&["run"]), "closer.lock");
    assert_eq!(fs::read_to_string(&target).unwrap(), "keep me");
}

#[test]
fn the_lock_outlives_a_deleted_runtime_dir() {
    let home = Home::with_config(CONFIG);
    let first = home.daemon(None);
    first.wait_for_log("closer is running", 1, Duration::from_secs(20));
    fs::remove_dir_all(home.path("run/closer")).unwrap();

    let pid = first.child.id();
    let second = refused(home.run(&["run"]), "closer is already running");
    assert!(
        second.stderr.contains(&format!("(pid {pid})")),
        "{second:?}"
    );
    refused(
        home.run(&["forget", "--yes"]),
        &format!("closer is running (pid {pid})"),
    );
    assert!(home.journal_path().exists());
    // The terminal still finds it: `status` names it, and a pause wakes it at once.
    let status = ok(home.run(&["status"]));
    assert!(
        status
            .stdout
            .contains(&format!("closer is running (pid {pid})")),
        "{status:?}"
    );
    ok(home.run(&["pause", "1h"]));
    first.wait_for_log(
        "woken to read the journal again",
        1,
        Duration::from_secs(20),
    );
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A journal made read-only (`chmod 400`) was made writable again (0600) by the next
/// command that opened it. A journal's mode is only ever tightened.
#[test]
fn a_read_only_journal_is_not_made_writable() {
    let home = Home::with_config(CONFIG);
    ok(home.run(&["pause", "1h"]));
    chmod(&home.journal_path(), 0o400);
    for args in [
        &["status"][..],
        &["log"],
        &["export"],
        &["next"],
        &["report", "--out", "-"],
    ] {
        ok(home.run(args));
        assert_eq!(mode(&home.journal_path()), 0o400, "after {args:?}");
    }
    // Open to others: closed again by a command that writes, and not made writable.
    // (Root writes it all the same.)
    chmod(&home.journal_path(), 0o444);
    let resumed = home.run(&["resume"]);
    assert_eq!(mode(&home.journal_path()), 0o400, "{resumed:?}");
}

/// A data dir that cannot be written (a read-only mount; for a user other than root, a
/// `chmod 500`) still lets a person see where they are: `status`, `log` and `export` open
/// the journal read-only.
#[test]
fn a_read_only_data_dir_still_allows_status_log_and_export() {
    let home = Home::with_config(crate::support::home::ONE_LADDER);
    let data = home.path("data");
    let as_root = rustix::process::geteuid().is_root();
    // Root writes whatever the modes say: a read-only mount is what stops root.
    let _mount = as_root.then(|| ReadOnlyMount::new(&data));
    // A prompt sent (printed: there is no desktop here) and answered, and a pause.
    ok(home.run(&["send", "--no-wait"]));
    ok(home.run(&["skip"]));
    ok(home.run(&["pause", "1h"]));
    let paused: serde_json::Value = home.json(&["status", "--json"]);
    match &_mount {
        Some(mount) => mount.make_read_only(),
        None => {
            chmod(&home.journal_path(), 0o400);
            chmod(&home.path("data/closer"), 0o500);
        }
    }
    let status: serde_json::Value = home.json(&["status", "--json"]);
    assert_eq!(status["paused_until"], paused["paused_until"]);
    let log = ok(home.run(&["log"]));
    assert!(
        log.stdout.contains("sent") && log.stdout.contains("skip"),
        "{log:?}"
    );
    let export: Vec<serde_json::Value> = home.json(&["export"]);
    let csv = ok(home.run(&["export", "--format", "csv"]));
    assert_eq!(csv.stdout.lines().count(), export.len() + 1, "{csv:?}");
    // A command that writes says why it cannot, naming the journal.
    let run = refused(home.run(&["resume"]), "journal");
    assert!(
        run.stderr.contains(home.journal_path().to_str().unwrap()),
        "{run:?}"
    );
    if _mount.is_none() {
        chmod(&home.path("data/closer"), 0o700);
    }
}

/// A small tmpfs mounted over `dir` (as root), read-only on demand, unmounted on drop.
struct ReadOnlyMount {
    dir: std::path::PathBuf,
}

impl ReadOnlyMount {
    fn new(dir: &std::path::Path) -> ReadOnlyMount {
        fs::create_dir_all(dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs"])
            .arg(dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "mount tmpfs on {}", dir.display());
        ReadOnlyMount {
            dir: dir.to_owned(),
        }
    }

    fn make_read_only(&self) {
        let ok = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {} read-only", self.dir.display());
    }
}

impl Drop for ReadOnlyMount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.dir)
            .status();
    }
}

/// The deletion paragraph of docs/privacy.md (from "## Deleting it" to the next heading).
fn privacy_deleting() -> String {
    let doc = include_str!("../../docs/privacy.md");
    let start = doc
        .find("## Deleting it")
        .expect("a `## Deleting it` section");
    let rest = &doc[start + 3..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].to_owned()
}

/// `closer forget` deletes everything closer wrote — the journal and its copies, the seed,
/// the report, the recovery file and what was set aside from it, the locks, and temporary
/// files a crash left — and docs/privacy.md says so, file by file: it once said the report
/// stayed (it went), and named neither the recovery file nor temporary files.
#[test]
fn forget_deletes_what_privacy_md_says_and_nothing_else() {
    let home = Home::with_config(CONFIG);
    ok(home.run(&["pause", "1h"]));
    ok(home.run(&["next"]));
    ok(home.run(&["report"]));
    for (rel, text) in [
        ("state/closer/unsaved.jsonl", "{}\n"),
        ("state/closer/unsaved.jsonl.bad", "not a record\n"),
        ("state/closer/.closer-a1B2c3", "half a seed"),
        ("data/closer/.closer-d4E5f6", "half a report"),
        (
            "data/closer/journal.sqlite3.corrupt-20270101T000000Z",
            "damaged",
        ),
        ("data/closer/closer.lock", "1\n"),
        ("run/closer/closer.lock", "1\n"),
    ] {
        home.write(rel, text);
    }
    let mine = home.path("notes.html");
    ok(home.run(&["report", "--out", mine.to_str().unwrap()]));

    let run = ok(home.run(&["forget", "--yes"]));
    for dir in ["data/closer", "state/closer", "run/closer"] {
        assert!(!home.path(dir).exists(), "{dir} is still there: {run:?}");
    }
    // A report written elsewhere is where the person put it, and theirs.
    assert!(mine.exists());
    assert!(home.config_path().exists());

    // Each kind of file deleted is named where privacy.md says what forget deletes.
    let doc = privacy_deleting();
    let deleted: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("deleted "))
        .collect();
    let names: Vec<&str> = deleted
        .iter()
        .filter_map(|p| std::path::Path::new(p).file_name()?.to_str())
        .collect();
    for name in [
        "journal.sqlite3",
        "journal.sqlite3.corrupt-20270101T000000Z",
        "seed",
        "report.html",
        "unsaved.jsonl",
        "unsaved.jsonl.bad",
        ".closer-a1B2c3",
        ".closer-d4E5f6",
    ] {
        assert!(names.contains(&name), "{name} not deleted: {run:?}");
    }
    assert_eq!(names.iter().filter(|n| **n == "closer.lock").count(), 2);
    for path in deleted {
        let name = std::path::Path::new(path)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let named = match name {
            n if n.starts_with(".closer-") => "temporary files",
            n if n.contains(".corrupt-") => "damaged copies",
            n if n.ends_with("-wal") => "-wal",
            n if n.ends_with("-shm") => "-shm",
            n => n,
        };
        assert!(
            doc.contains(named),
            "privacy.md does not say that forget deletes {name} ({named}):\n{doc}"
        );
    }
    assert!(doc.contains("--out"), "{doc}");
}
