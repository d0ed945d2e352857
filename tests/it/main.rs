//! The integration tests, in one binary: they run the real `closer` binary against a
//! private home, a private D-Bus session bus and real notification servers. One binary
//! links the crate once, not once per file; `cargo test --test it MODULE::` runs one file.
mod support;

mod builder;
mod care;
mod cli;
mod daemon;
mod desktop_harness;
mod desktops;
mod files;
mod first_week;
mod fuzz;
mod fuzz_regressions;
mod journal;
mod ladders;
mod memory;
mod packaging;
mod progress;
mod progression_doc;
mod reliability;
mod report;
mod resilience;
mod service;
