//! The progress report: one self-contained HTML page (inline CSS and SVG, no scripts, no
//! fonts or anything else fetched) drawn from the journal — a plain summary, each
//! ladder's rung over time with how hard each answered step felt, and the answers as a
//! calendar — and the two or three lines of the weekly summary notification.
//!
//! Pure: the caller reads the journal and passes `now`; the same input gives the same
//! bytes (no clock, no hash-ordered maps, integers only in the text). Charts are drawn by
//! plotters' SVG backend; the calendar is an HTML grid (layout, not chart arithmetic), so
//! its dates stay text. The notification lines name no ladder and no prompt: they may be
//! read on a screen others see.

mod charts;
mod facts;
mod html;
mod summary;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::content::{Ladder, Library};
use crate::journal::Entry;

pub use html::render;
pub use summary::summary_lines;

/// Everything the report is drawn from; the caller reads it.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The whole journal (`Journal::entries(None)`): answers may name prompts sent
    /// before the window, and a ladder's rung at the window's start comes from older moves.
    pub entries: &'a [Entry],
    /// For ladder tops and the titles of steps.
    pub library: &'a Library,
    /// The ladders turned on, in the config's order.
    pub ladders: &'a [Ladder],
    /// Days start and end at local midnight in this zone.
    pub tz: Tz,
    pub now: DateTime<Utc>,
    /// How many days back, today included (at least 1).
    pub days: u32,
    /// Why steps are paused, while they are.
    pub steps_paused: Option<&'a str>,
}

/// Appends formatted text; writing to a String cannot fail.
fn append(out: &mut String, args: std::fmt::Arguments) {
    let _ = out.write_fmt(args);
}

/// `s` with its first letter a capital ("emotional" → "Emotional").
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
