//! Diagnostics: what is wrong in a file the user wrote, and exactly where.
//!
//! A [`Diagnostic`] names the file, the line and column, the key, and what would be
//! valid. Loaders collect every problem they find instead of stopping at the first,
//! so one `closer check` shows the user everything to fix.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A file's text, kept to turn byte spans into lines and columns.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where the text came from, as shown to the user.
    pub path: PathBuf,
    pub text: String,
    /// The byte offset where each line starts, so that placing a problem costs a binary
    /// search, not a scan from the top (30,000 problems would take seconds).
    line_starts: Vec<usize>,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn locate(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        // The last line starting at or before `offset`; the first always starts at 0.
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line - 1];
        let column = self.text[line_start..offset].chars().count() + 1;
        (line, column)
    }

    /// A diagnostic about `key` at `span` of this file.
    pub fn error(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = self.locate(span.start);
        Diagnostic {
            path: self.path.clone(),
            line,
            column,
            key: key.into(),
            message: message.into(),
        }
    }
}

/// One problem in a config or content file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The key path, such as `schedule[2].cron`; empty for whole-file problems.
    pub key: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl Diagnostic {
    /// A problem with a whole file, such as one that cannot be read.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            line: 0,
            column: 0,
            key: String::new(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": `{}`: {}", self.key, self.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns_in_characters() {
        let src = Source::new("a.toml", "x = 1\nnäme = \"y\"\n");
        assert_eq!(src.locate(0), (1, 1));
        assert_eq!(src.locate(6), (2, 1));
        // "ä" is two bytes but one column.
        assert_eq!(src.locate(6 + "näme ".len()), (2, 6));
        assert_eq!(src.locate(10_000), (3, 1));
    }

    #[test]
    #[expect(
        clippy::disallowed_methods,
        clippy::disallowed_types,
        reason = "a test of the search's cost times itself; the core's code never reads the clock"
    )]
    fn placing_many_problems_costs_a_search_each_not_a_scan() {
        // 100,000 lines, each problem placed: a scan from the top for each took minutes.
        let text: String = (0..100_000).map(|i| format!("key{i} = 1\n")).collect();
        let src = Source::new("big.toml", text);
        let started = std::time::Instant::now();
        let mut offset = 0;
        for i in 0..100_000 {
            assert_eq!(src.locate(offset + 3), (i + 1, 4));
            offset += format!("key{i} = 1\n").len();
        }
        // Generous, for a debug build on a busy machine: it takes milliseconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        // Inside a character, the place is that character's.
        let src = Source::new("a.toml", "ä");
        assert_eq!(src.locate(1), (1, 1));
    }

    #[test]
    fn displays_file_line_column_and_key() {
        let src = Source::new("/c/config.toml", "a = 1\n  bad = 2\n");
        let d = src.error(8..11, "limits.bad", "unknown key");
        assert_eq!(
            d.to_string(),
            "/c/config.toml:2:3: `limits.bad`: unknown key"
        );
    }
}
