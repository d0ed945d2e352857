//! The person's content packs, read from their content dir: the file side of
//! `closer_core::content`, which parses what is read here.

use std::fs;
use std::path::{Path, PathBuf};

use crate::content::{self, Library, Prompt};
use crate::diag::{Diagnostic, Source};

/// The largest pack closer reads (as much as the config): far more than any pack needs.
const MAX_PACK: u64 = 1 << 20;

/// The shipped packs and then the user's packs in `user_dir` (if it exists), with every
/// problem found.
pub fn load(user_dir: Option<&Path>) -> (Library, Vec<Diagnostic>) {
    let mut unread = Vec::new();
    let packs = user_dir.map(|dir| read(dir, &mut unread));
    let (library, diags) = Library::load(packs.into_iter().flatten());
    // The shipped packs have no problems (their tests see to it), so a pack that could
    // not be read is named first, as it always was.
    unread.extend(diags);
    (library, unread)
}

/// The prompts of the packs in `dir` (removed ladders), by id, the newest file winning;
/// what cannot be read is passed over: these only lend words to history.
pub fn removed_prompts(dir: &Path) -> std::collections::BTreeMap<String, Prompt> {
    content::removed_prompts(read(dir, &mut Vec::new()))
}

/// The `*.toml` files in `dir`, in name order; a missing directory has none. Only regular
/// files of at most [`MAX_PACK`] bytes are read: another is named, and skipped.
pub fn read(dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<Source> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| match crate::files::read_text(&path, MAX_PACK) {
            Ok(text) => Some(Source::new(path, text?)),
            Err(e) => {
                let limit = format!("; a pack is at most {MAX_PACK} bytes");
                let fix = matches!(e, crate::files::ReadError::TooLarge).then_some(limit);
                diags.push(Diagnostic::file(
                    &path,
                    format!("this pack {e}{}; it was skipped", fix.unwrap_or_default()),
                ));
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `*.toml` files of the dir, in name order (a later one overrides an earlier
    /// one's id), another file passed over, one too large named and skipped; a missing
    /// dir has none.
    #[test]
    fn the_user_packs_are_the_toml_files_in_name_order_each_within_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let pack = |body: &str| {
            format!(
                "[[prompt]]\nid = \"compassion-mine\"\ncategory = \"compassion\"\ntitle = \"Mine\"\nbody = \"{body}\"\n"
            )
        };
        fs::write(dir.path().join("b.toml"), pack("From b.")).unwrap();
        fs::write(dir.path().join("a.toml"), pack("From a.")).unwrap();
        fs::write(dir.path().join("notes.txt"), "[[prompt]\n").unwrap();
        let big = format!("# {}\n", "x".repeat(MAX_PACK as usize));
        fs::write(dir.path().join("c.toml"), big).unwrap();

        let (library, diags) = load(Some(dir.path()));
        assert_eq!(library.get("compassion-mine").unwrap().body, "From b.");
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 1, "{text:#?}");
        assert!(
            text[0].contains(
                "c.toml: this pack is too large; a pack is at most 1048576 bytes; it was skipped"
            ),
            "{text:#?}"
        );

        let (shipped, diags) = load(Some(&dir.path().join("missing")));
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(shipped.len(), Library::load(None).0.len());
        assert!(shipped.get("compassion-mine").is_none());
    }
}
