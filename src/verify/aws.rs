//! The `aws` command line, as the user has it configured (profiles, SSO,
//! endpoints such as `AWS_ENDPOINT_URL`), called with `--output json`.

pub use crate::error::AwsError;
use std::process::Command;

/// How to reach one account: the CLI's own configuration, optionally with a
/// profile, a Region, or credentials from an assumed role.
#[derive(Debug, Clone, Default)]
pub struct Aws {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub credentials: Vec<(String, String)>,
}

impl Aws {
    pub fn call(&self, args: &[&str]) -> Result<serde_json::Value, AwsError> {
        let mut command = Command::new("aws");
        command.args(args).args(["--output", "json"]);
        if let Some(profile) = &self.profile {
            command.args(["--profile", profile]);
        }
        if let Some(region) = &self.region {
            command.args(["--region", region]);
        }
        if !self.credentials.is_empty() {
            command.env_remove("AWS_PROFILE");
        }
        command.envs(
            self.credentials
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let output = command
            .output()
            .map_err(|e| AwsError::local(format!("could not run the aws CLI: {e}")))?;
        if !output.status.success() {
            return Err(AwsError::from_cli(&String::from_utf8_lossy(&output.stderr)));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        if text.trim().is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(&text)
            .map_err(|e| AwsError::local(format!("unreadable aws CLI output: {e}")))
    }

    /// The account these credentials belong to.
    pub fn account(&self) -> Result<String, AwsError> {
        self.identity("Account")
    }

    /// The partition (`aws`, `aws-cn`, `aws-us-gov`) these credentials live in.
    pub fn partition(&self) -> Result<String, AwsError> {
        let arn = self.identity("Arn")?;
        arn.split(':')
            .nth(1)
            .map(str::to_owned)
            .ok_or_else(|| AwsError::local(format!("get-caller-identity returned the ARN {arn:?}")))
    }

    fn identity(&self, field: &str) -> Result<String, AwsError> {
        let identity = self.call(&["sts", "get-caller-identity"])?;
        identity[field]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| AwsError::local(format!("get-caller-identity returned no {field}")))
    }

    /// The Region calls go to: the one given, else the CLI's configured one.
    pub fn effective_region(&self) -> Option<String> {
        if let Some(region) = &self.region {
            return Some(region.clone());
        }
        for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let Ok(region) = std::env::var(var) {
                return Some(region);
            }
        }
        let mut command = Command::new("aws");
        command.args(["configure", "get", "region"]);
        if let Some(profile) = &self.profile {
            command.args(["--profile", profile]);
        }
        let output = command.output().ok()?;
        let region = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        (!region.is_empty()).then_some(region)
    }

    /// The same CLI with an assumed role's credentials.
    pub fn assume(&self, role_arn: &str) -> Result<Aws, AwsError> {
        let answer = self.call(&[
            "sts",
            "assume-role",
            "--role-arn",
            role_arn,
            "--role-session-name",
            "smlog-verify",
        ])?;
        let creds = &answer["Credentials"];
        let field = |name: &str| {
            creds[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| AwsError::local(format!("assume-role returned no {name}")))
        };
        Ok(Aws {
            profile: None,
            region: self.effective_region(),
            credentials: vec![
                ("AWS_ACCESS_KEY_ID".to_owned(), field("AccessKeyId")?),
                (
                    "AWS_SECRET_ACCESS_KEY".to_owned(),
                    field("SecretAccessKey")?,
                ),
                ("AWS_SESSION_TOKEN".to_owned(), field("SessionToken")?),
            ],
        })
    }
}
