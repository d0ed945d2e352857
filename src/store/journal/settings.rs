//! The settings the person changes from the terminal (paused until, ladders on or off),
//! a small key-value table.

use rusqlite::OptionalExtension;

use super::{Journal, JournalError};

impl Journal {
    /// A small key-value store for settings that the person changes from the terminal
    /// (paused until, ladder on/off overrides).
    pub fn setting(&self, key: &str) -> Result<Option<String>, JournalError> {
        self.conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Every setting whose key starts with `prefix`, in key order.
    pub fn settings_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, JournalError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT key, value FROM setting WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// Sets `key` to `value`; `None` deletes it.
    pub fn set_setting(&self, key: &str, value: Option<&str>) -> Result<(), JournalError> {
        match value {
            Some(value) => self.conn.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            ),
            None => self
                .conn
                .execute("DELETE FROM setting WHERE key = ?1", [key]),
        }
        .map_err(|e| self.error(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;

    #[test]
    fn settings_are_set_replaced_and_deleted() {
        let (_dir, j) = fresh();
        assert_eq!(j.setting("paused_until").unwrap(), None);
        j.set_setting("paused_until", Some("2025-03-15T09:00:00Z"))
            .unwrap();
        j.set_setting("paused_until", Some("2025-03-16T09:00:00Z"))
            .unwrap();
        j.set_setting("ladder.physical", Some("on")).unwrap();
        assert_eq!(
            j.setting("paused_until").unwrap().as_deref(),
            Some("2025-03-16T09:00:00Z")
        );
        j.set_setting("paused_until", None).unwrap();
        j.set_setting("never-set", None).unwrap();
        assert_eq!(j.setting("paused_until").unwrap(), None);
        assert_eq!(j.setting("ladder.physical").unwrap().as_deref(), Some("on"));
    }
}
