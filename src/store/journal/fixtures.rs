//! What the journal's unit tests share: fixed times, a step and its answer, a fresh
//! journal in a temporary directory.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::content::{Category, Ladder};

pub(super) fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, h, m, 0).unwrap()
}

pub(super) fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

pub(super) fn step(at: DateTime<Utc>) -> NewSent {
    NewSent {
        at,
        due: at,
        rule: "evening".into(),
        category: Category::Step,
        prompt: Some("emotional-3".into()),
        ladder: Some(Ladder::Emotional),
        rung: Some(3),
        shown: Shown {
            title: Some("Name a feeling".into()),
            body: Some("Name one feeling to someone today.".into()),
            ladder_name: Some("Emotional".into()),
        },
    }
}

pub(super) fn done(sent_id: i64, at: DateTime<Utc>) -> NewAnswer {
    NewAnswer {
        sent_id,
        at,
        kind: AnswerKind::Done,
        distress: Distress::new(4),
        happened: Some(Happened::No),
        source: "terminal",
        too_much: false,
    }
}

pub(super) fn fresh() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let (journal, opened) = Journal::open(&dir.path().join(FILE_NAME)).unwrap();
    assert_eq!(opened, Opened::Created);
    (dir, journal)
}
