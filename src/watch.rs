//! Noticing edits without polling: the config file, the user's content packs, and the
//! system time zone, through inotify. Editors replace files rather than write them in
//! place, so directories are watched, not files, and a burst of events becomes one change.
//! A config file or pack that is being created is read when its writer closes it (CLOSE_WRITE),
//! not at its creation, so half a file is never taken for the config. A config that is a
//! symbolic link is followed: the directory of the file it names is
//! watched too. So is the config file itself, for a write through another name (a hard
//! link kept elsewhere, written in place), which its directory does not hear of. Waiting for a change is cancel-safe (the daemon waits for it in a `select!`): an event
//! read is never dropped with the future that read it.
//! Linux only; elsewhere nothing is watched and SIGHUP does the same job.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The config file or a content pack.
    Config,
    /// The system time zone (`/etc/localtime`).
    Zone,
}

/// How long to gather a burst of events (an editor's save) into one change.
const SETTLE: Duration = Duration::from_millis(250);

#[cfg(target_os = "linux")]
pub use linux::Watcher;

#[cfg(target_os = "linux")]
mod linux {
    use std::io;

    use inotify::{Inotify, WatchDescriptor, WatchMask};
    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;

    use super::*;

    /// Watches the config dir, the user's content dir and `/etc`.
    #[derive(Debug)]
    pub struct Watcher {
        fd: AsyncFd<Inotify>,
        targets: Targets,
        /// A change read and not reported yet, and when its burst is over. Kept here, not
        /// in the future, so that a `changed()` dropped while it waits (the daemon's
        /// `select!` woke for the timer) loses nothing: the next call goes on waiting.
        pending: Option<(Change, tokio::time::Instant)>,
    }

    /// What is watched, to tell events apart.
    #[derive(Debug)]
    struct Targets {
        config_dir: WatchDescriptor,
        config_name: OsString,
        content: Option<WatchDescriptor>,
        content_name: OsString,
        content_dir: std::path::PathBuf,
        etc: Option<WatchDescriptor>,
        /// The config's path, to follow it when it is a link.
        config: std::path::PathBuf,
        /// When the config is a symbolic link (a dotfile manager's): the directory of the
        /// file it names, watched too, and that file's name. Edits land there.
        link: Option<(WatchDescriptor, OsString, std::path::PathBuf)>,
        /// The config file itself (the file a link names), watched for writes by any name.
        file: Option<WatchDescriptor>,
    }

    /// Watches the file at `config` now (a new one, after it was replaced) for writes,
    /// and lets go of `old` when that was another file.
    fn watch_file(
        inotify: &Inotify,
        config: &Path,
        old: Option<WatchDescriptor>,
    ) -> Option<WatchDescriptor> {
        let new = inotify.watches().add(config, WatchMask::CLOSE_WRITE).ok();
        if let Some(old) = old
            && new.as_ref() != Some(&old)
        {
            // Gone already when its file was deleted; nothing to do then.
            let _ = inotify.watches().remove(old);
        }
        new
    }

    /// Whether `event` is a regular file just created at `path`: its writer has yet to
    /// write it, and its CLOSE_WRITE follows. Reading it now could find half a config.
    /// (A link is created whole.)
    fn still_being_written(event: &inotify::Event<&std::ffi::OsStr>, path: &Path) -> bool {
        event.mask.contains(inotify::EventMask::CREATE)
            && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
    }

    /// Watches the directory of the file a symlinked `config` names (even one not there
    /// yet); None when `config` is not a link.
    fn follow(
        inotify: &Inotify,
        config: &Path,
    ) -> Option<(WatchDescriptor, OsString, std::path::PathBuf)> {
        if !config.is_symlink() {
            return None;
        }
        let target = std::fs::canonicalize(config).ok().or_else(|| {
            let target = std::fs::read_link(config).ok()?;
            Some(config.parent()?.join(target))
        })?;
        let wd = inotify.watches().add(target.parent()?, mask()).ok()?;
        Some((wd, target.file_name()?.to_owned(), target))
    }

    fn mask() -> WatchMask {
        WatchMask::CLOSE_WRITE
            | WatchMask::MOVED_TO
            | WatchMask::MOVED_FROM
            | WatchMask::CREATE
            | WatchMask::DELETE
    }

    impl Watcher {
        /// Watches the directory of `config` (created if missing) and `content`.
        pub fn new(config: &Path, content: &Path) -> io::Result<Watcher> {
            let inotify = Inotify::init()?;
            let dir = config
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            crate::files::create_private_dir(dir)?;
            let config_dir = inotify.watches().add(dir, mask())?;
            let content_watch = inotify.watches().add(content, mask()).ok();
            let etc = inotify
                .watches()
                .add(
                    "/etc",
                    WatchMask::MOVED_TO | WatchMask::CREATE | WatchMask::CLOSE_WRITE,
                )
                .ok();
            // SAFETY: `Inotify` owns its descriptor, never changes it, and keeps it open for
            // as long as the `AsyncFd` that owns it.
            #[allow(unsafe_code)]
            let fd = unsafe { AsyncFd::register_with_interest(inotify, Interest::READABLE) }?;
            let link = follow(fd.get_ref(), config);
            let file = watch_file(fd.get_ref(), config, None);
            let targets = Targets {
                config: config.to_owned(),
                link,
                file,
                config_dir,
                config_name: config.file_name().map(OsString::from).unwrap_or_default(),
                content: content_watch,
                content_name: content.file_name().map(OsString::from).unwrap_or_default(),
                content_dir: content.to_owned(),
                etc,
            };
            Ok(Watcher {
                fd,
                targets,
                pending: None,
            })
        }

        /// Waits for the next change that matters. Cancel-safe: an event read is kept
        /// until a call returns it.
        pub async fn changed(&mut self) -> io::Result<Change> {
            loop {
                if let Some((mut change, settled)) = self.pending {
                    // Let the editor finish, then take whatever else it did as part of this.
                    tokio::time::sleep_until(settled).await;
                    while let Some(more) = self.try_read()? {
                        if more == Change::Config {
                            change = Change::Config;
                        }
                    }
                    self.pending = None;
                    return Ok(change);
                }
                if let Some(change) = self.read().await? {
                    self.pending = Some((change, tokio::time::Instant::now() + SETTLE));
                }
            }
        }

        async fn read(&mut self) -> io::Result<Option<Change>> {
            loop {
                let mut guard = self.fd.readable_mut().await?;
                match classify(&mut self.targets, guard.get_inner_mut()) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => guard.clear_ready(),
                    other => return other,
                }
            }
        }

        /// Reads what is waiting without waiting. Readiness is left as it is: the next
        /// `read` clears it when it finds nothing, so no event is missed.
        fn try_read(&mut self) -> io::Result<Option<Change>> {
            match classify(&mut self.targets, self.fd.get_mut()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
                other => other,
            }
        }
    }

    /// Reads the waiting events and says which change they make, if any.
    fn classify(w: &mut Targets, inotify: &mut Inotify) -> io::Result<Option<Change>> {
        let mut buffer = [0u8; 4096];
        let mut change = None;
        let mut content_appeared = false;
        for event in inotify.read_events(&mut buffer)? {
            let name = event.name.map(OsString::from);
            if let Some((_, _, target)) = w
                .link
                .as_ref()
                .filter(|(wd, file, _)| *wd == event.wd && name.as_ref() == Some(file))
            {
                if !still_being_written(&event, target) {
                    change = Some(Change::Config);
                }
            } else if Some(&event.wd) == w.file.as_ref() {
                if event.mask.contains(inotify::EventMask::CLOSE_WRITE) {
                    change = Some(Change::Config);
                }
            } else if event.wd == w.config_dir {
                if name.as_ref() == Some(&w.config_name) {
                    if !still_being_written(&event, &w.config) {
                        change = Some(Change::Config);
                    }
                } else if name.as_ref() == Some(&w.content_name) {
                    content_appeared = true;
                    change = Some(Change::Config);
                }
            } else if Some(&event.wd) == w.content.as_ref() {
                if let Some(n) = name
                    .as_ref()
                    .filter(|n| Path::new(n).extension().is_some_and(|x| x == "toml"))
                    && !still_being_written(&event, &w.content_dir.join(n))
                {
                    change = Some(Change::Config);
                }
            } else if Some(&event.wd) == w.etc.as_ref()
                && name
                    .as_ref()
                    .is_some_and(|n| n == "localtime" || n == "timezone")
                && change.is_none()
            {
                change = Some(Change::Zone);
            }
        }
        if content_appeared {
            w.content = inotify.watches().add(&w.content_dir, mask()).ok();
        }
        if change == Some(Change::Config) {
            // The config may have become a link, or a link to somewhere else, or another
            // file in the same place.
            w.link = follow(inotify, &w.config);
            w.file = watch_file(inotify, &w.config, w.file.take());
        }
        Ok(change)
    }
}

/// Nothing to watch outside Linux.
#[cfg(not(target_os = "linux"))]
#[derive(Debug)]
pub struct Watcher;

#[cfg(not(target_os = "linux"))]
impl Watcher {
    pub fn new(_config: &Path, _content: &Path) -> std::io::Result<Watcher> {
        Ok(Watcher)
    }

    pub async fn changed(&mut self) -> std::io::Result<Change> {
        std::future::pending().await
    }
}
