//! The library's one error type and the process exit code each kind maps to.

use crate::gate::guard::Violation;
use std::fmt;
use std::path::PathBuf;

/// Process exit codes, one per kind of failure.
pub mod exit {
    pub const OK: u8 = 0;
    /// Templates break the policy rules.
    pub const VIOLATIONS: u8 = 1;
    /// Bad command line (clap's own code).
    pub const USAGE: u8 = 2;
    /// Bad configuration value or file, or an AWS limit the configuration exceeds.
    pub const CONFIG: u8 = 3;
    /// A file could not be read or written.
    pub const IO: u8 = 4;
    /// A bug or broken rule set inside smlog.
    pub const INTERNAL: u8 = 5;
    /// AWS could not be asked: the aws CLI failed where no single check could absorb it.
    pub const AWS: u8 = 6;
}

#[derive(Debug)]
pub enum Error {
    /// A combination of arguments that cannot work together.
    Usage(String),
    /// A configuration value or file smlog cannot accept.
    Config(String),
    /// A configuration value that breaks its rule, by field path
    /// (`rollout.regions[2]`); the file and line are added where known.
    Field {
        field: String,
        message: String,
    },
    /// Generated or given templates break the policy rules.
    Violations(Vec<Violation>),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file that is not a template smlog can read.
    Unreadable {
        path: PathBuf,
        reason: String,
    },
    Internal(String),
    /// A call to AWS (through the aws CLI) that failed.
    Aws(String),
    /// Another error, with what smlog was doing when it happened.
    Context {
        context: String,
        source: Box<Error>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Field {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Config(_) | Error::Field { .. } => exit::CONFIG,
            Error::Violations(_) => exit::VIOLATIONS,
            Error::Io { .. } | Error::Unreadable { .. } => exit::IO,
            Error::Internal(_) => exit::INTERNAL,
            Error::Aws(_) => exit::AWS,
            Error::Context { source, .. } => source.exit_code(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "usage: {message}"),
            Error::Config(message) => write!(f, "configuration error: {message}"),
            Error::Field { field, message } => write!(f, "configuration error: {field}: {message}"),
            Error::Violations(violations) => {
                write!(f, "{} policy violation(s):", violations.len())?;
                for violation in violations {
                    write!(f, "\n  {violation}")?;
                }
                Ok(())
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Unreadable { path, reason } => write!(f, "{}: {reason}", path.display()),
            Error::Internal(message) => write!(f, "internal error: {message}"),
            Error::Aws(message) => write!(f, "AWS error: {message}"),
            Error::Context { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for Error {}
