//! Forgetting: the journal, its `-wal`/`-shm` and every copy moved aside, deleted.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::file::{file_name, parent_dir, with_suffix};
use super::{JournalError, io_error};

/// Deletes the journal at `path` and its -wal, -shm and every `.corrupt-*` copy beside
/// it; returns the files removed.
pub fn forget(path: &Path) -> Result<Vec<PathBuf>, JournalError> {
    let mut doomed = vec![
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
        with_suffix(path, "-journal"),
    ];
    let dir = parent_dir(path);
    let corrupt_prefix = format!("{}.corrupt-", file_name(path));
    match fs::read_dir(dir) {
        Ok(listing) => {
            for item in listing {
                let item = item.map_err(|e| io_error(dir, e))?;
                if item
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&corrupt_prefix)
                {
                    doomed.push(item.path());
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(dir, e)),
    }
    let mut removed = Vec::new();
    for file in doomed {
        match fs::remove_file(&file) {
            Ok(()) => removed.push(file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&file, e)),
        }
    }
    removed.sort();
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;

    #[test]
    fn forget_removes_the_journal_and_every_copy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, "garbage ".repeat(100)).unwrap();
        let (j, _) = Journal::open(&path).unwrap();
        j.record_sent(&step(t(9, 0))).unwrap();
        let other = dir.path().join("config.toml");
        fs::write(&other, "").unwrap();

        let removed = forget(&path).unwrap();
        drop(j);
        let names: Vec<String> = removed
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert!(names.contains(&FILE_NAME.to_string()));
        assert!(names.contains(&format!("{FILE_NAME}-wal")));
        assert!(names.contains(&format!("{FILE_NAME}-shm")));
        assert!(names.iter().any(|n| n.contains(".corrupt-")));
        let left: Vec<PathBuf> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(left, vec![other]);
        // Nothing left to forget is fine.
        assert_eq!(forget(&path).unwrap(), Vec::<PathBuf>::new());
        assert_eq!(
            forget(&dir.path().join("missing/journal.sqlite3")).unwrap(),
            Vec::<PathBuf>::new()
        );
    }
}
