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

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name in the runtime dir.
pub const FILE_NAME: &str = "closer.lock";

/// The lock file's second line: this daemon reads its journal again on SIGUSR1.
const WAKES_ON_USR1: &str = "wake: SIGUSR1";

/// The held lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
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
    let mut file = open(&path).map_err(io)?;
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
/// that cannot be made yet (the daemon then runs without its journal) only warns.
pub fn acquire_both(runtime: &Path, data: &Path) -> Result<(Lock, Option<Lock>), LockError> {
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
    Ok((acquire(runtime)?, data_lock))
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

fn held_by(dir: &Path) -> Option<Daemon> {
    let mut file = crate::files::open_nofollow(&dir.join(FILE_NAME)).ok()?;
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

#[cfg(unix)]
fn send(pid: u32, signal: rustix::process::Signal) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Holds the lock in `dir` for a stand-in daemon (`sleep`) with the lock file `text`
    /// (`{pid}` in it replaced by the stand-in's pid); wakes it; says what signal ended it.
    #[cfg(unix)]
    fn woken_by(text: &str) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt as _;
        let dir = tempfile::tempdir().unwrap();
        let mut daemon = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let mut file = open(&dir.path().join(FILE_NAME)).unwrap();
        file.try_lock().unwrap();
        write!(file, "{}", text.replace("{pid}", &daemon.id().to_string())).unwrap();
        wake_daemon(dir.path(), dir.path());
        daemon.wait().unwrap().signal()
    }

    #[cfg(unix)]
    #[test]
    fn a_daemon_from_before_sigusr1_is_woken_with_sighup() {
        // An upgrade leaves the old daemon running; SIGUSR1 would end it.
        assert_eq!(woken_by("{pid}\n"), Some(libc::SIGHUP));
        assert_eq!(
            woken_by(&format!("{{pid}}\n{WAKES_ON_USR1}\n")),
            Some(libc::SIGUSR1)
        );
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
