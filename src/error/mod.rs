//! The library's one error type and the process exit code each kind maps to.
//! It depends on nothing else of smlog's: the exit codes, rule violations and
//! AWS errors it carries are defined beneath it.

pub mod aws;
pub mod exit;
pub mod violation;

pub use aws::AwsError;
pub use violation::Violation;

use std::fmt;
use std::path::PathBuf;

/// Where in a configuration file a value stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    /// 1-based line and column, when the value was found in the text.
    pub line_column: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.line_column {
            write!(f, ":{line}:{column}")?;
        }
        Ok(())
    }
}

#[derive(Debug)]
pub enum Error {
    /// A combination of arguments that cannot work together.
    Usage(String),
    /// A configuration file smlog cannot accept, or an AWS limit it exceeds.
    Config(String),
    /// A configuration value that breaks its rule, by field path
    /// (`rollout.regions[2]`), with its place in the file where known.
    Field {
        field: String,
        message: String,
        location: Option<Location>,
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
    /// A call to AWS (through the aws CLI) that failed, and what smlog was doing.
    Aws {
        doing: String,
        source: AwsError,
    },
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
            location: None,
        }
    }

    pub fn aws(doing: impl Into<String>) -> impl Fn(AwsError) -> Error {
        let doing = doing.into();
        move |source| Error::Aws {
            doing: doing.clone(),
            source,
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
            Error::Aws { .. } => exit::AWS,
            Error::Context { source, .. } => source.exit_code(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "usage: {message}"),
            Error::Config(message) => write!(f, "configuration error: {message}"),
            Error::Field {
                field,
                message,
                location,
            } => {
                write!(f, "configuration error: ")?;
                if let Some(location) = location {
                    write!(f, "{location}: ")?;
                }
                write!(f, "{field}: {message}")
            }
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
            Error::Aws { doing, source } => write!(f, "AWS error: {source} (while {doing})"),
            Error::Context { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Aws { source, .. } => Some(source),
            Error::Context { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
