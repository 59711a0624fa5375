//! Reading the configuration: the given file, else `smlog.yaml` when present,
//! else the built-in defaults; then the command line's overrides; then one
//! resolution, with messages pointing at the file, line and column.

use super::locate;
use super::raw::{KeyMode, RawConfig};
use super::settings::Settings;
use super::suggest::{retired, suggestion, without_type_names};
use crate::error::{Error, Location, Result};
use std::path::{Path, PathBuf};

/// The file read when `-c` is not given and it exists in the working directory.
pub const DEFAULT_FILE: &str = "smlog.yaml";
/// Larger configuration files are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Values given on the command line; they win over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub organization_id: Option<String>,
    pub bucket_name: Option<String>,
    pub keys: Option<KeyMode>,
}

impl Overrides {
    fn apply(&self, raw: &mut RawConfig) {
        if let Some(id) = &self.organization_id {
            raw.organization_id = Some(id.clone());
        }
        if let Some(name) = &self.bucket_name {
            raw.bucket_name = Some(name.clone());
        }
        if let Some(keys) = self.keys {
            raw.keys = Some(keys);
        }
    }

    /// Whether a field's value came from a flag (it then has no place in the file).
    fn sets(&self, field: &str) -> bool {
        (field == "organization_id" && self.organization_id.is_some())
            || (field == "bucket_name" && self.bucket_name.is_some())
    }
}

/// Loads, overrides and resolves: the settings every command works from.
pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Settings> {
    let (mut raw, source) = read(path)?;
    overrides.apply(&mut raw);
    raw.resolve().map_err(|error| match (&source, &error) {
        (Some(source), Error::Field { field, .. }) if !overrides.sets(field) => {
            source.annotate(error)
        }
        _ => error,
    })
}

/// A configuration file as read, to point messages at lines in it.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    /// Adds the file, line and column to an error about one of its fields.
    pub fn annotate(&self, error: Error) -> Error {
        match error {
            Error::Field { field, message, .. } => {
                let location = Location {
                    path: self.path.clone(),
                    line_column: locate::locate(&self.text, &field),
                };
                Error::Field {
                    field,
                    message,
                    location: Some(location),
                }
            }
            other => other,
        }
    }
}

impl RawConfig {
    /// Parses YAML text; `origin` names the file in messages.
    pub fn from_yaml(text: &str, origin: &Path) -> Result<Self> {
        let only_comments = text
            .lines()
            .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
        if only_comments {
            return Err(Error::Config(format!(
                "{}: the file is empty; delete it to use the built-in defaults, or run `smlog init` for a starter",
                origin.display()
            )));
        }
        serde_yaml_ng::from_str(text).map_err(|err| {
            let location = err
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            let message = without_type_names(&err.to_string());
            let hint = match retired(&message) {
                Some(replaced) => format!(" ({replaced})"),
                None => suggestion(&message)
                    .map(|known| format!(" (did you mean `{known}`?)"))
                    .unwrap_or_default(),
            };
            Error::Config(format!("{}{location}: {message}{hint}", origin.display()))
        })
    }
}

/// The raw configuration and, for a file, its text.
fn read(path: Option<&Path>) -> Result<(RawConfig, Option<Source>)> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => return Ok((RawConfig::default(), None)),
    };
    let bytes = read_bounded(&path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::Config(format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    let raw = RawConfig::from_yaml(&text, &path)?;
    Ok((raw, Some(Source { path, text })))
}

/// The file's bytes, refused past `MAX_FILE_BYTES`. Reads at most one byte
/// more than the limit, so `/dev/zero`, a FIFO or a growing file cannot
/// exhaust memory the way trusting `metadata().len()` (0 for devices) would.
fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::Config(format!(
            "{}: the file is larger than {MAX_FILE_BYTES} bytes, the most a configuration file may be",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Resolves YAML text as if it were a file named `origin`: for tests and
/// for checking example configurations.
pub fn from_text(text: &str, origin: &Path) -> Result<Settings> {
    let source = Source {
        path: origin.to_path_buf(),
        text: text.to_owned(),
    };
    RawConfig::from_yaml(text, origin)?
        .resolve()
        .map_err(|e| source.annotate(e))
}
