//! Reading a spanned TOML table key by key, collecting every problem on the way.
//!
//! Serde stops at the first error; a person fixing a config wants all of them at once.
//! So files are parsed into toml's spanned tree first (syntax), and each key is then
//! deserialized on its own (types), with unknown keys reported beside it. Nothing here
//! knows what a config or a content pack means: that is the callers' job.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::diag::{Diagnostic, Source};

/// Parses `src` into a spanned table, reporting syntax errors; what could be
/// recovered is returned all the same.
pub fn parse<'s>(src: &'s Source, diags: &mut Vec<Diagnostic>) -> Spanned<DeTable<'s>> {
    let (table, errors) = DeTable::parse_recoverable(&src.text);
    for error in errors {
        let span = error.span().unwrap_or(0..0);
        diags.push(src.error(span, "", error.message().trim_end().to_owned()));
    }
    table
}

/// One table of a file, read key by key.
#[derive(Debug)]
pub struct Fields<'a, 's> {
    src: &'s Source,
    table: &'a DeTable<'s>,
    span: Range<usize>,
    prefix: String,
}

impl<'a, 's> Fields<'a, 's> {
    /// Reads `table`, reporting every key that is not in `known`. `prefix` is the
    /// table's own key path (empty at the top), used to name keys in messages.
    pub fn new(
        src: &'s Source,
        table: &'a DeTable<'s>,
        span: Range<usize>,
        prefix: impl Into<String>,
        known: &[&str],
        diags: &mut Vec<Diagnostic>,
    ) -> Self {
        let fields = Self {
            src,
            table,
            span,
            prefix: prefix.into(),
        };
        for key in table.keys() {
            if !known.contains(&key.get_ref().as_ref()) {
                diags.push(src.error(
                    key.span(),
                    fields.path(key.get_ref()),
                    format!("unknown key; expected one of: {}", known.join(", ")),
                ));
            }
        }
        fields
    }

    /// The full key path of `key` in this table.
    pub fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// The raw value of `key`, if present.
    pub fn raw(&self, key: &str) -> Option<&'a Spanned<DeValue<'s>>> {
        self.table.get(key)
    }

    /// Deserializes `key` into `T`; a value of the wrong type is reported and read as absent.
    pub fn get<T: DeserializeOwned>(
        &self,
        key: &str,
        what: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Spanned<T>> {
        let value = self.raw(key)?;
        let span = value.span();
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(v) => Some(Spanned::new(span, v)),
            Err(error) => {
                let found = value.get_ref().type_str();
                let detail = error.message().trim_end().to_owned();
                let message = if detail.starts_with("invalid type") {
                    format!("expected {what}, found {found}")
                } else {
                    format!("{detail}; expected {what}")
                };
                diags.push(self.src.error(span, self.path(key), message));
                None
            }
        }
    }

    /// Like [`Fields::get`], then converts the value with `parse`, whose error says
    /// what would be valid.
    pub fn parse_with<T: DeserializeOwned, U>(
        &self,
        key: &str,
        what: &str,
        diags: &mut Vec<Diagnostic>,
        parse: impl FnOnce(&T) -> Result<U, String>,
    ) -> Option<U> {
        let value = self.get::<T>(key, what, diags)?;
        match parse(value.get_ref()) {
            Ok(u) => Some(u),
            Err(message) => {
                diags.push(self.src.error(value.span(), self.path(key), message));
                None
            }
        }
    }

    /// Reports that `key`, which this table needs, is missing.
    pub fn missing(&self, key: &str, what: &str, diags: &mut Vec<Diagnostic>) {
        diags.push(self.src.error(
            self.span.clone(),
            self.path(key),
            format!("missing; expected {what}"),
        ));
    }

    /// Reports a problem with `key` at the key's value (or the table when absent).
    pub fn report(&self, key: &str, message: impl Into<String>, diags: &mut Vec<Diagnostic>) {
        let span = self.raw(key).map_or(self.span.clone(), Spanned::span);
        diags.push(self.src.error(span, self.path(key), message));
    }

    /// The sub-tables of an array of tables under `key` (`[[key]]`), each with its
    /// span; anything else under that key is reported.
    pub fn tables(
        &self,
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<(&'a DeTable<'s>, Range<usize>)> {
        match self.raw(key).map(|v| (v.get_ref(), v.span())) {
            None => Vec::new(),
            Some((DeValue::Array(items), _)) => {
                let mut tables = Vec::new();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::Table(t) => tables.push((t, item.span())),
                        other => diags.push(self.src.error(
                            item.span(),
                            self.path(key),
                            format!("expected a table ([[{key}]]), found {}", other.type_str()),
                        )),
                    }
                }
                tables
            }
            Some((other, span)) => {
                diags.push(self.src.error(
                    span,
                    self.path(key),
                    format!(
                        "expected tables written as [[{key}]], found {}",
                        other.type_str()
                    ),
                ));
                Vec::new()
            }
        }
    }

    /// The sub-table under `key` (`[key]`), if present; anything else is reported.
    pub fn table(
        &self,
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<(&'a DeTable<'s>, Range<usize>)> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::Table(t) => Some((t, value.span())),
            other => {
                diags.push(self.src.error(
                    value.span(),
                    self.path(key),
                    format!("expected a table [{key}], found {}", other.type_str()),
                ));
                None
            }
        }
    }
}
