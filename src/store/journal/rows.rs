//! How the journal's rows are read: the columns each query selects, and each column
//! turned into the core's types (times as RFC 3339 text, words as their enums, codes
//! checked), so the on-disk format stays here.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Row;
use rusqlite::types::Type;

use super::{AnswerRow, Distress, Happened, MoveRow, SentRow, Shown};

/// A sent row's columns as planning reads them: all but the words it was sent with.
pub(super) const PLAN_SENT_COLUMNS: &str =
    "id, at, due, rule, category, prompt, ladder, rung, notification";
pub(super) const SENT_COLUMNS: &str =
    "id, at, due, rule, category, prompt, ladder, rung, notification, title, body, ladder_name";
pub(super) const ANSWER_COLUMNS: &str =
    "id, sent_id, at, kind, distress, happened, source, too_much";
pub(super) const MOVE_COLUMNS: &str = "id, at, ladder, from_rung, to_rung, reason, cause";

pub(super) fn sent_row(r: &Row<'_>) -> rusqlite::Result<SentRow> {
    Ok(SentRow {
        id: r.get(0)?,
        at: time_column(r, 1)?,
        due: time_column(r, 2)?,
        rule: r.get(3)?,
        category: word_column(r, 4)?,
        prompt: r.get(5)?,
        ladder: optional_word_column(r, 6)?,
        rung: r.get(7)?,
        notification: r.get(8)?,
        // Read only when selected (`SENT_COLUMNS`, not `PLAN_SENT_COLUMNS`).
        shown: if r.as_ref().column_count() > 9 {
            Shown {
                title: r.get(9)?,
                body: r.get(10)?,
                ladder_name: r.get(11)?,
            }
        } else {
            Shown::default()
        },
    })
}

pub(super) fn answer_row(r: &Row<'_>) -> rusqlite::Result<AnswerRow> {
    Ok(AnswerRow {
        id: r.get(0)?,
        sent_id: r.get(1)?,
        at: time_column(r, 2)?,
        kind: word_column(r, 3)?,
        distress: distress_column(r, 4)?,
        happened: happened_column(r, 5)?,
        source: r.get(6)?,
        too_much: r.get(7)?,
    })
}

pub(super) fn move_row(r: &Row<'_>) -> rusqlite::Result<MoveRow> {
    Ok(MoveRow {
        id: r.get(0)?,
        at: time_column(r, 1)?,
        ladder: word_column(r, 2)?,
        from: r.get(3)?,
        to: r.get(4)?,
        reason: r.get(5)?,
        cause: word_column(r, 6)?,
    })
}

/// A time as stored: UTC, milliseconds, `Z`, so that text order is time order.
pub(super) fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn time_column(r: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = r.get(i)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

/// A word stored as text (`"step"`, `"done"`) read back into its enum.
fn word_column<T: FromStr<Err = String>>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    text.parse()
        .map_err(|e: String| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, e.into()))
}

/// A distress, stored as its number; one off the scale (written by hand, or by another
/// version) is out of range, as any integer column's would be.
fn distress_column(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Distress>> {
    match r.get::<_, Option<i64>>(i)? {
        None => Ok(None),
        Some(n) => u8::try_from(n)
            .ok()
            .and_then(Distress::new)
            .map(Some)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(i, n)),
    }
}

/// Whether the feared outcome happened, stored as a code (`Happened::code`); a code
/// closer does not know is out of range, as any integer column's would be.
fn happened_column(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Happened>> {
    match r.get::<_, Option<i64>>(i)? {
        None => Ok(None),
        Some(code) => Happened::from_code(code)
            .map(Some)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(i, code)),
    }
}

fn optional_word_column<T: FromStr<Err = String>>(
    r: &Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<T>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => word_column(r, i).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::super::AnswerKind;

    #[test]
    fn answer_kinds_read_back_from_their_words() {
        for kind in AnswerKind::ALL {
            assert_eq!(kind.as_str().parse::<AnswerKind>(), Ok(*kind));
        }
        assert!("Done".parse::<AnswerKind>().is_err());
    }
}
