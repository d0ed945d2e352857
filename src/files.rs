//! Writing the user's files safely: private (0600 files, 0700 directories) and atomic
//! (a temporary file, flushed to disk, renamed into place), so a crash leaves either
//! the old file or the new one, never half of one. And reading the text files the person
//! writes (the config, content packs) safely: a regular file of bounded size only, so a
//! FIFO, a device or a huge file is an error, never a read that does not end.

use std::fs;
use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};

/// How the temporary file of an atomic write begins; one a crash left behind is
/// `closer forget`'s to delete.
pub const TEMP_PREFIX: &str = ".closer-";

/// Creates `dir` and its missing parents, readable only by the user.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Replaces `path` atomically with what `write` produces, as a 0600 file.
pub fn write_private(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<()> {
    write_atomically(path, write, true)
}

/// As [`write_private`], but only where nothing is: a file, a directory or a link (even
/// one to nothing) at `path` is `AlreadyExists`, checked by the rename itself.
pub fn create_private(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<()> {
    write_atomically(path, write, false)
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
    replace: bool,
) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    // tempfile creates the file with mode 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Opens `path` for reading without following a symlink: a symlink at `path` is an error
/// (`ELOOP`), so closer never reads, or writes through, a file it did not put there.
pub fn open_nofollow(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    nofollow(&mut options);
    options.open(path)
}

/// Makes `options` refuse to follow a symlink in the last part of the path.
pub fn nofollow(options: &mut fs::OpenOptions) -> &mut fs::OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        options,
        rustix::fs::OFlags::NOFOLLOW.bits() as i32,
    );
    options
}

/// Why [`read_text`] read nothing; each says what the file is, after its path.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("is a symbolic link to {}, which does not exist", .0.display())]
    Dangling(PathBuf),
    #[error("is not a regular file ({0})")]
    NotAFile(&'static str),
    #[error("is too large")]
    TooLarge,
    #[error("is not UTF-8 text (at byte {0})")]
    NotUtf8(usize),
    #[error("cannot be read: {0}")]
    Io(#[from] io::Error),
}

/// Reads the text file at `path`, at most `max` bytes of it: `None` when nothing is there
/// (not even a link). Only a regular file is read (a link to one is followed), checked
/// before it is opened and again on the open file, which is opened without blocking, so
/// a FIFO put there in between cannot stall the read either.
pub fn read_text(path: &Path, max: u64) -> Result<Option<String>, ReadError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
        Ok(link) if link.file_type().is_symlink() => match fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(ReadError::Dangling(fs::read_link(path)?));
            }
            Err(e) => return Err(e.into()),
            Ok(meta) => regular(&meta, max)?,
        },
        Ok(meta) => regular(&meta, max)?,
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        rustix::fs::OFlags::NONBLOCK.bits() as i32,
    );
    let file = options.open(path)?;
    regular(&file.metadata()?, max)?;
    // Capped: a file that grows while it is read is still read no further.
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// Reads the file closer wrote at `path` in one of its own dirs, at most `max` bytes:
/// `None` when nothing is there. A symlink is refused, never followed; only a regular file
/// is read, opened without blocking, so a FIFO put there cannot stall the reader (it is
/// `ReadError::NotAFile`, and left where it is).
pub fn read_own(path: &Path, max: u64) -> Result<Option<Vec<u8>>, ReadError> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
    );
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    regular(&file.metadata()?, max)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge);
    }
    Ok(Some(bytes))
}

/// A regular file of at most `max` bytes, or what it is instead.
fn regular(meta: &fs::Metadata, max: u64) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind(&meta.file_type())));
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge);
    }
    Ok(())
}

fn kind(t: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn read_own_reads_only_a_regular_file_and_never_blocks_on_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("own");
        assert!(read_own(&path, 10).unwrap().is_none());
        fs::write(&path, b"\xffbytes").unwrap();
        assert_eq!(read_own(&path, 10).unwrap().unwrap(), b"\xffbytes");
        assert!(matches!(read_own(&path, 3), Err(ReadError::TooLarge)));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(matches!(read_own(&link, 10), Err(ReadError::Io(_))));
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        assert!(matches!(
            read_own(&fifo, 10),
            Err(ReadError::NotAFile("a FIFO"))
        ));
    }

    #[test]
    fn writes_are_private_and_replace_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/config.toml");
        write_private(&path, |f| f.write_all(b"first, and longer")).unwrap();
        write_private(&path, |f| f.write_all(b"second")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let parent = fs::metadata(path.parent().unwrap()).unwrap();
        assert_eq!(parent.permissions().mode() & 0o777, 0o700);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }
}
