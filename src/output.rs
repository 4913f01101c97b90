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
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
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
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// Serializes `value` as pretty JSON with a trailing newline.
pub fn json_bytes<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}
