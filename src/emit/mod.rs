//! Serialisation (YAML, JSON) and atomic file writes: every file of a run is
//! written to a temporary sibling first and renamed into place only once all
//! of them were written.

use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Yaml, Format::Json];

    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

mod yaml;

/// YAML that YAML 1.1 and 1.2 readers both read back as the same data.
pub fn to_yaml(value: &impl Serialize) -> Result<String> {
    let value = serde_json::to_value(value)
        .map_err(|e| Error::Internal(format!("serialisation failed: {e}")))?;
    Ok(yaml::to_string(&value))
}

pub fn to_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|mut text| {
            text.push('\n');
            text
        })
        .map_err(|e| Error::Internal(format!("JSON serialisation failed: {e}")))
}

/// One line, no white space between tokens: the form a StackSet carries.
pub fn to_compact_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::Internal(format!("JSON serialisation failed: {e}")))
}

pub fn render(value: &impl Serialize, format: Format) -> Result<String> {
    match format {
        Format::Yaml => to_yaml(value),
        Format::Json => to_json(value),
    }
}

/// Writes every file or none; see [`write_all_removing`].
pub fn write_all(files: &[(PathBuf, String)]) -> Result<()> {
    write_all_removing(files, &[])
}

/// Writes every file and removes every `stale` one, or changes nothing: all
/// contents go to temporary files beside their targets first; then each
/// target is renamed into place, the file it replaces kept aside until every
/// rename succeeded. A failed rename puts back what was replaced and removes
/// what was new. Only a crash in the middle of the renames can leave a mix.
/// New files get the permissions the process's umask allows (as any file it
/// creates), not the 0600 of a temporary file.
pub fn write_all_removing(files: &[(PathBuf, String)], stale: &[PathBuf]) -> Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, content) in files {
        staged.push((stage(path, content)?, path.as_path()));
    }
    let mut done: Vec<Replaced> = Vec::new();
    for (temp, path) in staged {
        match replace(temp, path) {
            Ok(replaced) => done.push(replaced),
            Err(error) => {
                done.into_iter().rev().for_each(Replaced::undo);
                return Err(error);
            }
        }
    }
    let mut removed = Vec::new();
    for path in stale {
        match set_aside(path) {
            Ok(aside) => removed.push(aside),
            Err(error) => {
                removed.into_iter().rev().for_each(Replaced::undo);
                done.into_iter().rev().for_each(Replaced::undo);
                return Err(error);
            }
        }
    }
    done.into_iter().chain(removed).for_each(Replaced::commit);
    Ok(())
}

/// The directory a file goes into (created when missing).
fn directory_of(path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    Ok(dir)
}

fn stage(path: &Path, content: &str) -> Result<tempfile::NamedTempFile> {
    let dir = directory_of(path)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".smlog-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // open(2) applies the umask to this mode, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(&dir).map_err(|e| Error::io(&dir, e))?;
    // No fsync: the rename makes each file appear whole or not at all, which
    // is the promise; surviving a power cut mid-write is not worth 0.5 ms a
    // file for artefacts one `smlog synth` regenerates byte for byte.
    temp.write_all(content.as_bytes())
        .map_err(|e| Error::io(temp.path(), e))?;
    Ok(temp)
}

/// A file put in place (or removed), with what it replaced kept aside.
struct Replaced {
    path: PathBuf,
    /// The earlier file, renamed beside it; none when there was none.
    aside: Option<PathBuf>,
    /// Whether a new file now stands at `path` (false for a removal).
    written: bool,
}

impl Replaced {
    fn undo(self) {
        if self.written {
            let _ = std::fs::remove_file(&self.path);
        }
        if let Some(aside) = self.aside {
            let _ = std::fs::rename(aside, &self.path);
        }
    }

    fn commit(self) {
        if let Some(aside) = self.aside {
            let _ = std::fs::remove_file(aside);
        }
    }
}

/// Renames an existing file to a hidden name beside it.
fn set_aside(path: &Path) -> Result<Replaced> {
    let aside = if path.exists() {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let aside = path.with_file_name(format!(".smlog-replaced-{}-{name}", std::process::id()));
        std::fs::rename(path, &aside).map_err(|e| Error::io(path, e))?;
        Some(aside)
    } else {
        None
    };
    Ok(Replaced {
        path: path.to_path_buf(),
        aside,
        written: false,
    })
}

fn replace(temp: tempfile::NamedTempFile, path: &Path) -> Result<Replaced> {
    let mut replaced = set_aside(path)?;
    match temp.persist_noclobber(path) {
        Ok(_) => {
            replaced.written = true;
            Ok(replaced)
        }
        Err(e) => {
            replaced.undo();
            Err(Error::io(path, e.error))
        }
    }
}
