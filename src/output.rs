//! Writing results without ever leaving a half-written file or folder behind.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A folder of results that appears at its final path only when every file is written.
///
/// Files go to a hidden staging folder beside the destination. [`StagedDir::commit`] moves
/// them into the destination, each by one rename. Dropping the stage without committing
/// removes it, so a failed run leaves the destination as it was.
pub struct StagedDir {
    staging: PathBuf,
    destination: PathBuf,
    owned: Vec<String>,
    committed: bool,
}

impl StagedDir {
    /// Creates the staging folder for `destination`.
    ///
    /// `owned` names every file the command can write. Committing removes those of them that
    /// an earlier run left in the destination and this run did not write, so a folder never
    /// mixes two runs. Other files in the destination are left alone.
    pub fn new(destination: &Path, owned: &[&str]) -> Result<Self> {
        if destination.exists() && !destination.is_dir() {
            return Err(crate::commands::InputError(format!(
                "--out {} is an existing file, not a folder: choose another --out",
                destination.display()
            ))
            .into());
        }
        let parent = match destination.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
        let name = destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).ok();
        }
        fs::create_dir(&staging)
            .with_context(|| format!("cannot write results beside {}", destination.display()))?;
        Ok(Self {
            staging,
            destination: destination.to_path_buf(),
            owned: owned.iter().map(|name| name.to_string()).collect(),
            committed: false,
        })
    }

    /// Path of `name` inside the staging folder, for writers that need a path.
    pub fn path(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// Writes `bytes` to `name` in the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(name);
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Moves every staged file into the destination.
    pub fn commit(mut self) -> Result<PathBuf> {
        fs::create_dir_all(&self.destination)
            .with_context(|| format!("cannot create folder {}", self.destination.display()))?;
        let mut entries: Vec<_> = fs::read_dir(&self.staging)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for name in &self.owned {
            let stale = self.destination.join(name);
            if !self.staging.join(name).exists() && stale.is_file() {
                fs::remove_file(&stale)
                    .with_context(|| format!("cannot remove stale result {}", stale.display()))?;
            }
        }
        for entry in entries {
            let target = self.destination.join(entry.file_name());
            fs::rename(entry.path(), &target)
                .with_context(|| format!("cannot move result into {}", target.display()))?;
        }
        fs::remove_dir(&self.staging).ok();
        self.committed = true;
        Ok(self.destination.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            fs::remove_dir_all(&self.staging).ok();
        }
    }
}

/// Writes `bytes` to `path` through a temporary file beside it and one rename.
///
/// A path that names a device, a pipe or a socket (`/dev/null`, `/dev/stdout`, a FIFO) is
/// written in place: renaming over it would replace the device with a plain file. A symbolic
/// link to a file keeps its link, and the file it points to is replaced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Ok(metadata) = fs::metadata(path) {
        if !metadata.is_file() && !metadata.is_dir() {
            return write_in_place(path, bytes);
        }
    }
    let resolved = match fs::symlink_metadata(path) {
        Ok(link) if link.file_type().is_symlink() => fs::canonicalize(path)
            .with_context(|| format!("cannot follow the link {}", path.display()))?,
        _ => path.to_path_buf(),
    };
    replace_file(&resolved, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes to a device or pipe that already exists, without creating or renaming anything.
fn write_in_place(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {} for writing", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Replaces the regular file at `path` (or creates it) through a temporary file and a rename.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create folder {}", parent.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let result = (|| -> Result<()> {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)?;
        Ok(())
    })();
    if result.is_err() {
        fs::remove_file(&temporary).ok();
    }
    result
}

/// Serializes `value` as pretty JSON with a trailing newline.
pub fn json_bytes<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(all(test, unix))]
mod tests {
    use super::write_atomic;
    use std::fs;
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    use std::process::Command;

    #[test]
    fn write_atomic_replaces_plain_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["result.json"]);
    }

    #[test]
    fn write_atomic_keeps_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let mkfifo = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(mkfifo.success(), "mkfifo failed");
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            fs::File::open(reader_path)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        });
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    }

    #[test]
    fn write_atomic_keeps_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }
}
