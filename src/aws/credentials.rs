//! The caller's credentials, resolved once: the standard environment
//! variables, or else whatever the user's `aws` CLI v2 resolves for the
//! profile (SSO, assume-role chains, credential processes), exported with
//! `aws configure export-credentials`.

use super::sigv4::Keys;
use crate::error::AwsError;
use std::process::Command;

/// An access key, its secret and, for temporary credentials, the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret or the token, not even in a debug print.
        write!(f, "Credentials({})", self.access_key_id)
    }
}

impl Credentials {
    pub fn keys(&self) -> Keys<'_> {
        Keys {
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
            session_token: self.session_token.as_deref(),
        }
    }

    /// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_SESSION_TOKEN` as `lookup` sees them, when the first two are set.
    pub fn from_variables(lookup: impl Fn(&str) -> Option<String>) -> Option<Credentials> {
        let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
        Some(Credentials {
            access_key_id: set("AWS_ACCESS_KEY_ID")?,
            secret_access_key: set("AWS_SECRET_ACCESS_KEY")?,
            session_token: set("AWS_SESSION_TOKEN"),
        })
    }

    /// Reads the JSON of `aws configure export-credentials --format process`.
    pub fn from_process_output(text: &str) -> Result<Credentials, AwsError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            AwsError::local(format!(
                "unreadable output of aws configure export-credentials: {e}"
            ))
        })?;
        let field = |name: &str| value[name].as_str().map(str::to_owned);
        match (field("AccessKeyId"), field("SecretAccessKey")) {
            (Some(access_key_id), Some(secret_access_key)) => Ok(Credentials {
                access_key_id,
                secret_access_key,
                session_token: field("SessionToken"),
            }),
            _ => Err(AwsError::local(
                "aws configure export-credentials gave no AccessKeyId and SecretAccessKey",
            )),
        }
    }
}

/// The caller's credentials: with no profile asked for, the environment's;
/// otherwise (or when the environment has none) the aws CLI's.
pub fn resolve(profile: Option<&str>) -> Result<Credentials, AwsError> {
    if profile.is_none() {
        if let Some(found) = Credentials::from_variables(|name| std::env::var(name).ok()) {
            return Ok(found);
        }
    }
    let mut command = Command::new("aws");
    command.args(["configure", "export-credentials", "--format", "process"]);
    if let Some(profile) = profile {
        command.args(["--profile", profile]);
    }
    let output = command.output().map_err(|e| {
        AwsError::local(format!(
            "no credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set and the aws CLI could not run ({e})"
        ))
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(AwsError::local(format!(
            "no credentials from `aws configure export-credentials` (it needs the aws CLI v2): {}",
            stderr.trim().lines().last().unwrap_or("it failed")
        )));
    }
    Credentials::from_process_output(&String::from_utf8_lossy(&output.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_variables_need_a_key_and_its_secret() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let found = Credentials::from_variables(env(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
        ]))
        .unwrap();
        assert_eq!(found.session_token.as_deref(), Some("token"));
        assert!(Credentials::from_variables(env(&[("AWS_ACCESS_KEY_ID", "AKID")])).is_none());
        assert!(Credentials::from_variables(env(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "")
        ]))
        .is_none());
    }

    #[test]
    fn the_cli_export_is_read_and_the_secret_never_printed() {
        let found = Credentials::from_process_output(
            r#"{"Version": 1, "AccessKeyId": "ASIAX", "SecretAccessKey": "s3cr3t", "SessionToken": "tok", "Expiration": "2026-12-06T03:00:00+00:00"}"#,
        )
        .unwrap();
        assert_eq!(found.access_key_id, "ASIAX");
        assert!(!format!("{found:?}").contains("s3cr3t"));
        assert!(Credentials::from_process_output(r#"{"Version": 1}"#).is_err());
        assert!(Credentials::from_process_output("not json").is_err());
    }
}
