//! Rows closer cannot read (a value another version or a hand wrote): skipped with one
//! warning naming the table and id, and given whole, as stored, for `export`.

use rusqlite::Row;

use super::rows::{ANSWER_COLUMNS, MOVE_COLUMNS, SENT_COLUMNS, answer_row, move_row, sent_row};
use super::{Journal, JournalError};

/// A row closer cannot read (a value it does not know), as it is stored: for `export`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub table: &'static str,
    pub id: i64,
    /// Every column, by name, as stored.
    pub columns: serde_json::Map<String, serde_json::Value>,
}

impl Journal {
    /// `read`'s value for `row`; None, with one warning naming the table and the row's id,
    /// when a value in it is not one closer knows (another version wrote it, or a hand).
    pub(super) fn readable<T>(
        &self,
        table: &'static str,
        row: &Row<'_>,
        read: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Option<T>> {
        match read(row) {
            Ok(value) => Ok(Some(value)),
            Err(
                e @ (rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)),
            ) => {
                let id: i64 = row.get(0)?;
                if self.warned.borrow_mut().insert((table, id)) {
                    tracing::warn!(
                        "journal `{}`: skipping `{table}` row {id}, which closer cannot read ({}); `closer export` still has it",
                        self.path.display(),
                        unreadable_why(&e)
                    );
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Every row closer cannot read, whole and as stored, so that `export` gives the
    /// person everything they have.
    pub fn unreadable(&self) -> Result<Vec<RawRow>, JournalError> {
        let read = || -> rusqlite::Result<Vec<RawRow>> {
            let _tx = if self.conn.is_autocommit() {
                Some(self.conn.unchecked_transaction()?)
            } else {
                None
            };
            let tables: [(&'static str, &str, RowCheck); 3] = [
                ("sent", SENT_COLUMNS, |r| sent_row(r).map(drop)),
                ("answer", ANSWER_COLUMNS, |r| answer_row(r).map(drop)),
                ("move", MOVE_COLUMNS, |r| move_row(r).map(drop)),
            ];
            let mut out = Vec::new();
            for (table, columns, read) in tables {
                let mut stmt = self
                    .conn
                    .prepare(&format!("SELECT {columns} FROM {table} ORDER BY id"))?;
                let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    if read(row).is_ok() {
                        continue;
                    }
                    let mut columns = serde_json::Map::new();
                    for (i, name) in names.iter().enumerate() {
                        columns.insert(name.clone(), raw_value(row.get_ref(i)?));
                    }
                    out.push(RawRow {
                        table,
                        id: row.get(0)?,
                        columns,
                    });
                }
            }
            Ok(out)
        };
        read().map_err(|e| self.error(e))
    }
}

/// Whether a row reads as its table's record.
type RowCheck = fn(&Row<'_>) -> rusqlite::Result<()>;

/// Why a row could not be read, in a few words.
fn unreadable_why(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::FromSqlConversionFailure(_, _, why) => why.to_string(),
        other => other.to_string(),
    }
}

/// A stored value as JSON: text as text, numbers as numbers, blobs as hex text.
fn raw_value(v: rusqlite::types::ValueRef<'_>) -> serde_json::Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => f.into(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
            .into(),
    }
}
