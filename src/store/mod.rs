//! The store: what closer keeps of the person's steps, and how it is read and written.
//!
//! - `journal`: the SQLite file — every prompt sent, answer, ladder move and setting —
//!   opened, migrated, queried, recovered from damage and forgotten.
//! - `history`: the window of the journal that planning reads, for the core's digest.
//! - `record`: recording an answer and what follows from it (a ladder's move, a pause),
//!   as one transaction, for the daemon and the terminal alike.
//! - `recovery`: the records the daemon could not write, kept in a private file and
//!   replayed into the journal at its next start.
//!
//! The crate root re-exports these under their old names (`crate::journal`,
//! `crate::history`, `crate::record`, `crate::recovery`).

pub mod history;
pub mod journal;
pub mod record;
pub mod recovery;
