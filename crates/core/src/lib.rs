//! closer's core: everything that decides, and nothing that touches the world.
//!
//! Given the config's text, the content's text, what the journal holds (as plain rows),
//! a moment and a seed, these modules say what closer does: which prompt goes out when
//! (`planner`), how a ladder moves (`progress`), what the config and the packs mean
//! (`config`, `content`). None of them reads the clock, the environment, a file or the
//! journal: the root crate does that and passes the results in. The crate's dependencies
//! hold no store, runtime, bus or system-call library, and `clippy.toml` beside its
//! manifest forbids the standard library's ways out (files, the environment, processes,
//! the clock); `cargo clippy --workspace -- -D warnings` fails on any of them.

pub mod config;
pub mod content;
pub mod diag;
pub mod fields;
pub mod history;
pub mod lint;
pub mod model;
pub mod planner;
pub mod progress;
pub mod say;
pub mod schedule;
pub mod seed;
pub mod when;
