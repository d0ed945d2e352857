//! Where closer keeps things: the config file, the user's content packs, state, and the
//! runtime directory, following the XDG base directories (through `directories`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// Every path closer uses.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The config file (`--config`, or `~/.config/closer/config.toml`).
    pub config: PathBuf,
    /// The user's content packs: `content/` beside the config file.
    pub user_content: PathBuf,
    /// State that survives restarts (`~/.local/state/closer`).
    pub state: PathBuf,
    /// Data the user owns (`~/.local/share/closer`).
    pub data: PathBuf,
    /// Runtime files such as the lock (`$XDG_RUNTIME_DIR/closer`).
    pub runtime: PathBuf,
    /// Read the built-in default config instead of `config`, and no user packs
    /// (`closer run --defaults`). The journal, state and runtime dirs are the usual ones.
    pub defaults: bool,
}

impl Paths {
    /// The standard paths, with the config file replaced by `config` when given.
    pub fn resolve(config: Option<&Path>) -> anyhow::Result<Paths> {
        let dirs = directories::ProjectDirs::from("", "", "closer")
            .context("cannot find your home directory; set HOME")?;
        let config = match config {
            Some(path) => path.to_owned(),
            None => dirs.config_dir().join("config.toml"),
        };
        let user_content = config.parent().unwrap_or(Path::new(".")).join("content");
        let data = dirs.data_dir().to_owned();
        // macOS and Windows have no state or runtime dirs: the data dir stands in.
        let state = dirs
            .state_dir()
            .map_or_else(|| data.clone(), Path::to_owned);
        let runtime = dirs
            .runtime_dir()
            .map_or_else(|| state.clone(), Path::to_owned);
        Ok(Paths {
            config,
            user_content,
            state,
            data,
            runtime,
            defaults: false,
        })
    }

    /// Every path under `root`, as the XDG variables pointed there would give them
    /// (`root/config/closer/config.toml`, `root/data/closer`, …): a test's home, for a
    /// daemon run in-process without touching the environment.
    pub fn under(root: &Path) -> Paths {
        let config = root.join("config/closer/config.toml");
        Paths {
            user_content: root.join("config/closer/content"),
            config,
            state: root.join("state/closer"),
            data: root.join("data/closer"),
            runtime: root.join("run/closer"),
            defaults: false,
        }
    }

    /// These paths, reading the built-in default config and no user packs.
    pub fn with_defaults(self) -> Paths {
        Paths {
            defaults: true,
            ..self
        }
    }

    /// The journal of everything the person told closer.
    pub fn journal(&self) -> PathBuf {
        self.data.join(crate::journal::FILE_NAME)
    }

    /// The file that holds the user's random seed.
    pub fn seed(&self) -> PathBuf {
        self.state.join("seed")
    }

    /// Records the daemon could not write to the journal, kept for the next start.
    pub fn recovery(&self) -> PathBuf {
        self.state.join(crate::recovery::FILE_NAME)
    }

    /// The recovery file's lines a replay could not use, set aside as they were.
    pub fn recovery_set_aside(&self) -> PathBuf {
        crate::recovery::set_aside_path(&self.recovery())
    }

    /// The report `closer report` writes when no `--out` is given.
    pub fn report(&self) -> PathBuf {
        self.data.join(crate::cmd::report::FILE_NAME)
    }

    /// The single-instance lock in the runtime dir (it names the daemon's pid).
    pub fn lock(&self) -> PathBuf {
        self.runtime.join(crate::lock::FILE_NAME)
    }

    /// The daemon's second lock, beside the journal: it outlives a deleted runtime dir.
    pub fn data_lock(&self) -> PathBuf {
        self.data.join(crate::lock::FILE_NAME)
    }

    /// Every file closer writes besides the journal, for `closer forget`: what it wrote
    /// is what it deletes.
    pub fn written(&self) -> Vec<PathBuf> {
        vec![
            self.seed(),
            self.recovery(),
            self.recovery_set_aside(),
            self.report(),
            self.lock(),
            self.data_lock(),
        ]
    }
}
