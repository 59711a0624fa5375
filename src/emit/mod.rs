//! Serialisation (YAML, JSON) and atomic file writes: every file of a run is
//! written to a temporary sibling first and renamed into place only once all
//! of them were written.

use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Yaml,
    Json,
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

pub fn render(value: &impl Serialize, format: Format) -> Result<String> {
    match format {
        Format::Yaml => to_yaml(value),
        Format::Json => to_json(value),
    }
}

/// Writes every file or none: all contents go to temporary files in their
/// target directories, and the renames happen only after all writes succeeded.
pub fn write_all(files: &[(PathBuf, String)]) -> Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, content) in files {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        let mut temp = tempfile::Builder::new()
            .prefix(".smlog-")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, e))?;
        // No fsync: the rename makes each file appear whole or not at all, which
        // is the promise; surviving a power cut mid-write is not worth 0.5 ms a
        // file for artefacts one `smlog synth` regenerates byte for byte.
        temp.write_all(content.as_bytes())
            .map_err(|e| Error::io(temp.path(), e))?;
        staged.push((temp, path));
    }
    for (temp, path) in staged {
        persist(temp, path)?;
    }
    Ok(())
}

fn persist(temp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    temp.persist(path)
        .map(drop)
        .map_err(|e| Error::io(path, e.error))
}
