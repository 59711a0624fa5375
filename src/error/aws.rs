//! An AWS error as the `aws` CLI reports it: the error code AWS returned
//! (`NoSuchEntity`, `AccessDenied`, …) kept apart from its message, so
//! callers match on the code, never on the text.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// AWS's error code, when the CLI printed one.
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    /// An error that did not come from AWS (the CLI could not run, or its output was unreadable).
    pub fn local(message: impl Into<String>) -> Self {
        AwsError {
            code: None,
            message: message.into(),
        }
    }

    /// Reads the CLI's last error line: `An error occurred (CODE) when calling
    /// the OPERATION operation: MESSAGE`.
    pub fn from_cli(stderr: &str) -> Self {
        let line = stderr
            .trim()
            .lines()
            .last()
            .unwrap_or("the aws CLI failed")
            .trim();
        let code = line
            .split_once("An error occurred (")
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(code, _)| code.to_owned());
        AwsError {
            code,
            message: line.to_owned(),
        }
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AwsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_read_from_the_cli_message() {
        let error = AwsError::from_cli(
            "\nAn error occurred (NoSuchEntity) when calling the GetRole operation: The role with name X cannot be found.\n",
        );
        assert!(error.is("NoSuchEntity"));
        assert!(error
            .message
            .starts_with("An error occurred (NoSuchEntity)"));
        assert_eq!(
            AwsError::from_cli("Unable to locate credentials").code,
            None
        );
    }
}
