//! One daemon at a time: `closer run` holds an exclusive lock on `closer.lock` in the
//! runtime directory for as long as it runs, with its pid inside, and another in the data
//! dir beside the journal, so that deleting the runtime dir (a logout, a cleaner) lets
//! neither a second daemon start nor `forget` delete the journal under the live one. The lock, not the
//! file, is what "running" means: the kernel drops it when the process dies, however it
//! dies, so a stale file never blocks a restart.
//!
//! The file holds the pid on its first line and, on the next, `wake: SIGUSR1`: the signal
//! that has the daemon read its journal again. A daemon from before that line (one still
//! running after an upgrade) is woken with SIGHUP, which it understands; SIGUSR1 would end
//! it.
//!
//! Another user must not be able to block closer or aim its signals: a lock is taken, or
//! believed, only in a directory of the person's (made 0700 again if it was not) in a
//! parent others cannot write to (or one with the sticky bit, such as /tmp), and only from
//! a regular file of theirs. A runtime dir that fails that is left aside, with a warning,
//! and the lock beside the journal keeps a second daemon out alone. And a pid read from a
//! lock is signalled only when it is a `closer` running as this user (`/proc/PID/exe` and
//! its owner), never any other process.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name in the runtime dir.
pub const FILE_NAME: &str = "closer.lock";

/// The lock file's second line: this daemon reads its journal again on SIGUSR1.
const WAKES_ON_USR1: &str = "wake: SIGUSR1";

/// The name of the program a lock's pid must run to be signalled.
const PROGRAM: &str = "closer";

/// The held lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

/// The daemon's locks: the runtime dir's and the data dir's, at least one of them.
#[derive(Debug)]
pub struct Locks {
    pub runtime: Option<Lock>,
    pub data: Option<Lock>,
    /// The data dir, while its lock is still to be taken.
    missing: Option<PathBuf>,
}

impl Locks {
    /// Takes the data dir's lock if it could not be taken at the start (the dir could not
    /// be made): the daemon calls this at every wake, so a second daemon cannot start
    /// beside it once the runtime dir is gone. Held by another daemon (one started
    /// meanwhile, with the journal): `Err(Held)`, and this one must give way.
    pub fn take_missing(&mut self) -> Result<(), LockError> {
        let Some(dir) = &self.missing else {
            return Ok(());
        };
        match acquire(dir) {
            Ok(lock) => {
                tracing::info!("took the lock beside the journal, {}", lock.path.display());
                self.data = Some(lock);
                self.missing = None;
                Ok(())
            }
            Err(e @ LockError::Held { .. }) => Err(e),
            Err(e) => {
                tracing::debug!("still without the lock beside the journal: {e}");
                Ok(())
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "closer is already running (pid {pid}); stop that one first (kill {pid}, or `systemctl --user stop closer`)"
    )]
    Held { pid: String },
    #[error("cannot use the lock file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The lock file has another name too (a hard link): emptying it would empty that.
    #[error(
        "cannot use the lock file {}: it has {links} links, so emptying it would empty another file too; closer never writes through one. Remove it (`rm {}`) and start closer again",
        path.display(),
        path.display()
    )]
    Linked { path: PathBuf, links: u64 },
    /// The directory, or the file in it, is not the person's alone.
    #[error("closer keeps no lock in {}: {why}", path.display())]
    NotYours { path: PathBuf, why: String },
}

fn open(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // A symlink put in its place is refused, never followed (its target truncated).
    crate::files::nofollow(&mut options).open(path)
}

/// Takes the lock in `dir`, or says who holds it.
pub fn acquire(dir: &Path) -> Result<Lock, LockError> {
    let path = dir.join(FILE_NAME);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    crate::files::create_private_dir(dir).map_err(io)?;
    yours_alone(dir).map_err(|why| LockError::NotYours {
        path: dir.to_owned(),
        why,
    })?;
    private_again(dir).map_err(io)?;
    let mut file = open(&path).map_err(io)?;
    a_file_of_yours(&file).map_err(|why| LockError::NotYours {
        path: path.clone(),
        why,
    })?;
    let links = links(&file).map_err(io)?;
    if links != 1 {
        return Err(LockError::Linked { path, links });
    }
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let pid = text.lines().next().unwrap_or_default().trim();
            return Err(LockError::Held {
                pid: if pid.is_empty() {
                    "unknown".into()
                } else {
                    pid.into()
                },
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "{}\n{WAKES_ON_USR1}", std::process::id()).map_err(io)?;
    Ok(Lock { _file: file, path })
}

/// Takes the lock in the data dir `data`, then in `runtime`; held together. A data dir
/// that cannot be made yet (the daemon then runs without its journal) only warns, and its
/// lock is taken later ([`Locks::take_missing`]); so does a runtime dir that is not the
/// person's alone, while the data dir's lock is held.
pub fn acquire_both(runtime: &Path, data: &Path) -> Result<Locks, LockError> {
    let data_lock = if data == runtime {
        None
    } else {
        match acquire(data) {
            Ok(lock) => Some(lock),
            Err(e @ LockError::Held { .. }) => return Err(e),
            Err(e) => {
                tracing::warn!("{e}; only the runtime dir's lock keeps a second daemon out");
                None
            }
        }
    };
    let runtime_lock = match acquire(runtime) {
        Ok(lock) => Some(lock),
        Err(e @ LockError::NotYours { .. }) if data_lock.is_some() => {
            tracing::warn!("{e}; the lock beside the journal alone keeps a second daemon out");
            None
        }
        Err(e) => return Err(e),
    };
    let missing = (data != runtime && data_lock.is_none()).then(|| data.to_owned());
    Ok(Locks {
        runtime: runtime_lock,
        data: data_lock,
        missing,
    })
}

/// Whether `dir` is the person's alone: a directory (not a link) of theirs, in a parent
/// nobody else may rename it in. Otherwise, why not.
fn yours_alone(dir: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let me = rustix::process::geteuid().as_raw();
        let meta = std::fs::symlink_metadata(dir).map_err(|e| e.to_string())?;
        if !meta.is_dir() {
            return Err("it is not a directory".into());
        }
        if meta.uid() != me {
            return Err(format!(
                "it belongs to uid {}, not to you (uid {me}); closer keeps its lock only in a directory of yours",
                meta.uid()
            ));
        }
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            let meta = std::fs::metadata(parent).map_err(|e| e.to_string())?;
            let mode = meta.mode() & 0o7777;
            // Writable by others, or by a group other than one's own (a user private
            // group, as umask 002 systems give each user, is theirs alone), and without
            // the sticky bit that keeps others from renaming what is not theirs.
            let others = mode & 0o002 != 0
                || (mode & 0o020 != 0 && meta.gid() != rustix::process::getegid().as_raw());
            let shared = others && mode & 0o1000 == 0;
            if (meta.uid() != me && meta.uid() != 0) || shared {
                return Err(format!(
                    "others may replace it: {} belongs to uid {} with mode {mode:04o}; it should be writable by you alone (as `$XDG_RUNTIME_DIR` is, mode 0700)",
                    parent.display(),
                    meta.uid()
                ));
            }
        }
    }
    Ok(())
}

/// Makes the person's own `dir` theirs alone (0700) again, if it was not.
fn private_again(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::symlink_metadata(dir)?.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            tracing::warn!(
                "{} was open to others (mode {mode:04o}); it is yours alone again (0700)",
                dir.display()
            );
        }
    }
    Ok(())
}

/// Whether the open lock file is a regular file of the person's. Otherwise, why not.
fn a_file_of_yours(file: &File) -> Result<(), String> {
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(format!(
                "it belongs to uid {}, not to you (uid {me})",
                meta.uid()
            ));
        }
    }
    Ok(())
}

/// How many names the open file has.
fn links(file: &File) -> std::io::Result<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        Ok(file.metadata()?.nlink())
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(1)
    }
}

/// The pid of the daemon that runs with these dirs, if one does: either lock tells.
pub fn running(runtime: &Path, data: &Path) -> Option<u32> {
    daemon(runtime, data).map(|d| d.pid)
}

/// A running daemon, as its lock file tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Daemon {
    pid: u32,
    /// It reads its journal again on SIGUSR1 (a daemon from before knows only SIGHUP).
    wakes_on_usr1: bool,
}

fn daemon(runtime: &Path, data: &Path) -> Option<Daemon> {
    held_by(runtime).or_else(|| held_by(data))
}

/// The daemon whose lock is held in `dir`; only a lock that is the person's alone counts.
fn held_by(dir: &Path) -> Option<Daemon> {
    yours_alone(dir).ok()?;
    let mut file = crate::files::open_nofollow(&dir.join(FILE_NAME)).ok()?;
    a_file_of_yours(&file).ok()?;
    if links(&file).ok()? != 1 {
        return None;
    }
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            file.read_to_string(&mut text).ok()?;
            let mut lines = text.lines();
            Some(Daemon {
                pid: lines.next()?.trim().parse().ok()?,
                wakes_on_usr1: lines.any(|l| l.trim() == WAKES_ON_USR1),
            })
        }
        Err(TryLockError::Error(_)) => None,
    }
}

/// Asks the daemon running with these dirs to read its journal again (SIGUSR1), so a
/// change the terminal wrote there (an answer, a pause, a ladder moved) takes effect now
/// rather than at its next prompt. Its config and content stay as they are. A daemon from
/// before SIGUSR1 meant that is sent SIGHUP, a full reload, as it expects.
pub fn wake_daemon(runtime: &Path, data: &Path) {
    #[cfg(unix)]
    if let Some(daemon) = daemon(runtime, data) {
        let signal = if daemon.wakes_on_usr1 {
            rustix::process::Signal::USR1
        } else {
            rustix::process::Signal::HUP
        };
        send(daemon.pid, signal);
    }
}

/// Asks the daemon running with these dirs to read its config and content again
/// (SIGHUP), after the terminal changed a content file.
pub fn reload_daemon(runtime: &Path, data: &Path) {
    #[cfg(unix)]
    if let Some(daemon) = daemon(runtime, data) {
        send(daemon.pid, rustix::process::Signal::HUP);
    }
}

/// Signals `pid`, when it is a closer of this user's; any other process is left alone.
#[cfg(unix)]
fn send(pid: u32, signal: rustix::process::Signal) {
    if !is_a_closer_of_yours(pid) {
        tracing::warn!(
            "the lock names pid {pid}, which is not a `{PROGRAM}` of yours; it is not signalled"
        );
        return;
    }
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// Whether process `pid` runs a program named `closer` as this user (`/proc/PID/exe`; the
/// owner of `/proc/PID`). Where there is no `/proc`, the lock's own checks stand alone.
#[cfg(unix)]
fn is_a_closer_of_yours(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt as _;
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let ours =
            std::fs::metadata(&proc).is_ok_and(|m| m.uid() == rustix::process::geteuid().as_raw());
        let Ok(exe) = std::fs::read_link(proc.join("exe")) else {
            return false;
        };
        let name = exe.file_name().unwrap_or_default().to_string_lossy();
        // A binary replaced since it started (an upgrade) reads as "closer (deleted)".
        ours && name.strip_suffix(" (deleted)").unwrap_or(&name) == PROGRAM
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// A stand-in daemon: `sleep`, copied into `dir` under closer's name, so that it
    /// passes as a closer of this user's; or `sleep` itself, which does not.
    #[cfg(unix)]
    fn stand_in(dir: &Path, named_closer: bool) -> std::process::Child {
        let sleep = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join("sleep"))
            .find(|p| p.is_file())
            .expect("sleep on PATH");
        let program = if named_closer {
            let copy = dir.join(PROGRAM);
            std::fs::copy(&sleep, &copy).unwrap();
            copy
        } else {
            sleep
        };
        // Another test's fork may still hold the copy open for writing for a moment.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match std::process::Command::new(&program).arg("600").spawn() {
                Ok(child) => return child,
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    assert!(Instant::now() < deadline, "{e}");
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("cannot start {}: {e}", program.display()),
            }
        }
    }

    /// Holds the lock in `dir` for a stand-in daemon with the lock file `text` (`{pid}` in
    /// it replaced by the stand-in's pid); wakes it; then ends it with SIGTERM and says
    /// what signal ended it. The first fatal signal sent to a process is the one it dies
    /// of, so this tells what the wake sent (SIGTERM: nothing), with no race and no wait
    /// on the clock.
    #[cfg(unix)]
    fn woken_by(text: &str, named_closer: bool) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt as _;
        let dir = tempfile::tempdir().unwrap();
        let lock_dir = dir.path().join("run");
        crate::files::create_private_dir(&lock_dir).unwrap();
        let mut daemon = stand_in(dir.path(), named_closer);
        let mut file = open(&lock_dir.join(FILE_NAME)).unwrap();
        file.try_lock().unwrap();
        write!(file, "{}", text.replace("{pid}", &daemon.id().to_string())).unwrap();
        wake_daemon(&lock_dir, &lock_dir);
        let pid = rustix::process::Pid::from_raw(daemon.id() as i32).unwrap();
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        // SIGTERM ends it, if nothing did before: the wait returns.
        daemon.wait().unwrap().signal()
    }

    #[cfg(unix)]
    #[test]
    fn a_daemon_from_before_sigusr1_is_woken_with_sighup() {
        // An upgrade leaves the old daemon running; SIGUSR1 would end it.
        assert_eq!(woken_by("{pid}\n", true), Some(libc::SIGHUP));
        assert_eq!(
            woken_by(&format!("{{pid}}\n{WAKES_ON_USR1}\n"), true),
            Some(libc::SIGUSR1)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_pid_that_is_not_a_closer_is_never_signalled() {
        assert_eq!(
            woken_by(&format!("{{pid}}\n{WAKES_ON_USR1}\n"), false),
            Some(libc::SIGTERM)
        );
        // Neither init nor a pid that does not exist is a closer.
        assert!(!is_a_closer_of_yours(1));
        assert!(!is_a_closer_of_yours(u32::MAX));
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_may_use_is_made_private_or_refused() {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let dir = tempfile::tempdir().unwrap();
        // One's own, open to others: made 0700 again.
        let open_dir = dir.path().join("open");
        std::fs::create_dir(&open_dir).unwrap();
        std::fs::set_permissions(&open_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        acquire(&open_dir).unwrap();
        assert_eq!(std::fs::metadata(&open_dir).unwrap().mode() & 0o777, 0o700);
        // Another user's (only root can make one): never used, never believed.
        if rustix::process::geteuid().is_root() {
            let theirs = dir.path().join("theirs");
            std::fs::create_dir(&theirs).unwrap();
            std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
            let nobody = Some(rustix::fs::Uid::from_raw(65534));
            rustix::fs::chown(&theirs, nobody, None).unwrap();
            let err = acquire(&theirs).unwrap_err();
            assert!(
                err.to_string()
                    .contains("it belongs to uid 65534, not to you (uid 0)"),
                "{err}"
            );
            assert!(!theirs.join(FILE_NAME).exists());
            assert_eq!(held_by(&theirs), None);
        }
        // In a parent anyone may write to (no sticky bit), a dir of one's own is not safe.
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = acquire(&shared.join("closer")).unwrap_err();
        assert!(err.to_string().contains("others may replace it"), "{err}");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        acquire(&shared.join("closer")).unwrap();
        // Writable by one's own group (umask 002 with a group per user) is one's own.
        let grouped = dir.path().join("grouped");
        std::fs::create_dir(&grouped).unwrap();
        std::fs::set_permissions(&grouped, std::fs::Permissions::from_mode(0o775)).unwrap();
        acquire(&grouped.join("closer")).unwrap();
    }

    #[test]
    fn a_hard_linked_lock_file_is_refused_and_its_other_name_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let lock_dir = dir.path().join("run");
        crate::files::create_private_dir(&lock_dir).unwrap();
        let other = dir.path().join("other");
        std::fs::write(&other, "keep me").unwrap();
        std::fs::hard_link(&other, lock_dir.join(FILE_NAME)).unwrap();
        let err = acquire(&lock_dir).unwrap_err();
        assert!(matches!(err, LockError::Linked { links: 2, .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep me");
        // Held from its other name, it is not believed either.
        let held = File::open(&other).unwrap();
        held.try_lock().unwrap();
        assert_eq!(held_by(&lock_dir), None);
    }

    #[test]
    fn the_lock_names_the_pid_and_the_wake_signal() {
        let dir = tempfile::tempdir().unwrap();
        let _lock = acquire(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(text, format!("{}\n{WAKES_ON_USR1}\n", std::process::id()));
        assert_eq!(
            held_by(dir.path()),
            Some(Daemon {
                pid: std::process::id(),
                wakes_on_usr1: true
            })
        );
    }

    #[test]
    fn a_second_lock_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path()).unwrap();
        let err = acquire(dir.path()).unwrap_err();
        let pid = std::process::id().to_string();
        assert!(
            matches!(&err, LockError::Held { pid: p } if *p == pid),
            "{err}"
        );
        assert!(err.to_string().contains(&format!("pid {pid}")));
        assert_eq!(held_by(dir.path()).map(|d| d.pid), Some(std::process::id()));
        drop(first);
        assert_eq!(held_by(dir.path()).map(|d| d.pid), None);
        acquire(dir.path()).unwrap();
    }

    #[test]
    fn a_symlinked_lock_file_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious");
        std::fs::write(&target, "keep me").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(FILE_NAME)).unwrap();
        let err = acquire(dir.path()).unwrap_err();
        assert!(matches!(err, LockError::Io { .. }), "{err}");
        assert!(err.to_string().contains(FILE_NAME), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        assert_eq!(held_by(dir.path()).map(|d| d.pid), None);
    }
}
