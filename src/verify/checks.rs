//! The runbook's last steps as checks: the preferences point at the central
//! bucket and key, the bucket is encrypted with the expected key, the
//! published names and RDP recording say the same, and the agent policy is
//! attached where the configuration says.

use super::aws::Aws;
use crate::config::Attachment;
use crate::ids::{KmsKeyArn, Region};
use crate::names::resource;
use crate::stacks::controller::contract::{is_unmodifiable, DHMC_SETTING};
use serde::Serialize;

/// What the configuration says the account should show.
#[derive(Debug, Clone)]
pub struct Expected {
    pub bucket: String,
    pub bucket_key_arn: Option<KmsKeyArn>,
    pub session_key_arn: Option<KmsKeyArn>,
    pub attach: Attachment,
    /// The partition the accounts live in (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// Fleet Manager's RDP connections recorded into the bucket.
    pub rdp_recording: bool,
}

impl Expected {
    /// The session key as the checked Region names it (a multi-Region key: its replica there).
    fn session_key_in(&self, region: &str) -> Option<String> {
        let key = self.session_key_arn.as_ref()?;
        Some(match region.parse::<Region>() {
            Ok(region) => key.in_region(&region).to_string(),
            Err(_) => key.to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// AWS did not answer (access denied, throttling, missing resource).
    Error,
    /// Worth knowing, not a failure (a named role this account lacks).
    Note,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub account: String,
    pub region: String,
    pub check: String,
    pub status: Status,
    pub observed: String,
    pub expected: String,
}

struct Recorder<'a> {
    account: &'a str,
    region: &'a str,
    checks: Vec<Check>,
}

impl Recorder<'_> {
    fn compare(&mut self, check: &str, observed: impl Into<String>, expected: impl Into<String>) {
        let (observed, expected) = (observed.into(), expected.into());
        let status = if observed == expected {
            Status::Pass
        } else {
            Status::Fail
        };
        self.push(check, status, observed, expected);
    }

    fn push(&mut self, check: &str, status: Status, observed: String, expected: String) {
        self.checks.push(Check {
            account: self.account.to_owned(),
            region: self.region.to_owned(),
            check: check.to_owned(),
            status,
            observed,
            expected,
        });
    }

    fn error(&mut self, check: &str, error: impl std::fmt::Display, expected: impl Into<String>) {
        self.push(check, Status::Error, error.to_string(), expected.into());
    }
}

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(missing)".to_owned(),
        other => other.to_string(),
    }
}

/// Every member check in one account and Region.
pub fn member(aws: &Aws, account: &str, region: &str, expected: &Expected) -> Vec<Check> {
    let mut r = Recorder {
        account,
        region,
        checks: Vec::new(),
    };
    match aws.call(&[
        "ssm",
        "get-document",
        "--name",
        resource::PREFERENCES_DOCUMENT,
        "--document-format",
        "JSON",
    ]) {
        Ok(document) => {
            let content = match &document["Content"] {
                serde_json::Value::String(s) => serde_json::from_str(s).unwrap_or_default(),
                other => other.clone(),
            };
            let inputs = &content["inputs"];
            r.compare(
                "preferences: s3BucketName",
                text(&inputs["s3BucketName"]),
                expected.bucket.clone(),
            );
            r.compare(
                "preferences: s3EncryptionEnabled",
                inputs["s3EncryptionEnabled"].to_string(),
                "true",
            );
            r.compare(
                "preferences: s3KeyPrefix",
                text(&inputs["s3KeyPrefix"]),
                format!("{account}/{region}"),
            );
            if let Some(key) = expected.session_key_in(region) {
                r.compare("preferences: kmsKeyId", text(&inputs["kmsKeyId"]), key);
            }
        }
        Err(error) => r.error(
            "preferences: SSM-SessionManagerRunShell exists",
            error,
            "the document",
        ),
    }
    match aws.call(&[
        "s3api",
        "get-bucket-encryption",
        "--bucket",
        &expected.bucket,
    ]) {
        Ok(answer) => {
            let default = &answer["ServerSideEncryptionConfiguration"]["Rules"][0]
                ["ApplyServerSideEncryptionByDefault"];
            r.compare(
                "bucket: default encryption",
                text(&default["SSEAlgorithm"]),
                "aws:kms",
            );
            if let Some(key) = &expected.bucket_key_arn {
                r.compare(
                    "bucket: encryption key",
                    text(&default["KMSMasterKeyID"]),
                    key.to_string(),
                );
            }
        }
        Err(error) => r.error("bucket: default encryption", error, "aws:kms"),
    }
    published_names(aws, &mut r, expected);
    if expected.rdp_recording && region.parse::<Region>().is_ok_and(|r| r.records_rdp()) {
        rdp_recording(aws, &mut r, expected);
    }
    r.checks
}

/// The names the controller publishes for account baselines.
fn published_names(aws: &Aws, r: &mut Recorder, expected: &Expected) {
    let name = |n: &str| format!("{}{n}", resource::PARAMETER_PREFIX);
    let (bucket, key) = (name("bucket-name"), name("session-key-arn"));
    match aws.call(&["ssm", "get-parameters", "--names", &bucket, &key]) {
        Ok(answer) => {
            let value = |wanted: &str| {
                answer["Parameters"]
                    .as_array()
                    .and_then(|found| found.iter().find(|p| p["Name"] == wanted))
                    .map_or("(missing)".to_owned(), |p| text(&p["Value"]))
            };
            r.compare(
                &format!("published: {bucket}"),
                value(&bucket),
                expected.bucket.clone(),
            );
            if let Some(expected_key) = expected.session_key_in(r.region) {
                r.compare(&format!("published: {key}"), value(&key), expected_key);
            }
        }
        Err(error) => r.error(
            "published names",
            error,
            format!("parameters under {}", resource::PARAMETER_PREFIX),
        ),
    }
}

/// Fleet Manager's RDP recording preferences: the bucket and the Region's session key.
fn rdp_recording(aws: &Aws, r: &mut Recorder, expected: &Expected) {
    match aws.call(&["ssm-guiconnect", "get-connection-recording-preferences"]) {
        Ok(answer) => {
            let preferences = &answer["ConnectionRecordingPreferences"];
            r.compare(
                "RDP recording: bucket",
                text(&preferences["RecordingDestinations"]["S3Buckets"][0]["BucketName"]),
                expected.bucket.clone(),
            );
            if let Some(key) = expected.session_key_in(r.region) {
                r.compare(
                    "RDP recording: KMSKeyArn",
                    text(&preferences["KMSKeyArn"]),
                    key,
                );
            }
        }
        Err(error) => r.error(
            "RDP recording preferences",
            error,
            "recording into the log bucket",
        ),
    }
}

/// The region column of checks about IAM, which is global.
pub const IAM_SCOPE: &str = "(IAM)";

/// Who holds the agent policy, once per account: every instance-profile role
/// (when that path is on), the named roles and the DHMC role where they exist.
pub fn agent_policy_holders(aws: &Aws, account: &str, expected: &Expected) -> Vec<Check> {
    let mut r = Recorder {
        account,
        region: IAM_SCOPE,
        checks: Vec::new(),
    };
    let policy = format!(
        "arn:{}:iam::{account}:policy/{}",
        expected.partition,
        resource::AGENT_POLICY
    );
    let holders: Vec<String> = match aws.call(&[
        "iam",
        "list-entities-for-policy",
        "--policy-arn",
        &policy,
        "--entity-filter",
        "Role",
    ]) {
        Ok(answer) => {
            r.push(
                "agent policy exists",
                Status::Pass,
                policy.clone(),
                policy.clone(),
            );
            answer["PolicyRoles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|role| role["RoleName"].as_str().map(str::to_owned))
                .collect()
        }
        Err(error) => {
            r.error("agent policy exists", error, policy);
            return r.checks;
        }
    };
    let holds = |r: &mut Recorder, role: &str| {
        let held = holders.iter().any(|h| h == role);
        r.push(
            &format!("agent policy attached to {role}"),
            if held { Status::Pass } else { Status::Fail },
            if held { "attached" } else { "not attached" }.to_owned(),
            "attached".to_owned(),
        );
    };
    if expected.attach.instance_profile_roles {
        match aws.call(&["iam", "list-instance-profiles"]) {
            Ok(answer) => {
                let mut roles: Vec<(String, String)> = answer["InstanceProfiles"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|profile| profile["Roles"].as_array().into_iter().flatten())
                    .filter_map(|role| {
                        Some((
                            role["RoleName"].as_str()?.to_owned(),
                            role["Path"].as_str().unwrap_or("/").to_owned(),
                        ))
                    })
                    .collect();
                roles.sort();
                roles.dedup();
                for (role, path) in roles {
                    if is_unmodifiable(&role, &path) {
                        continue; // AWS's own: the controller skips them too
                    }
                    holds(&mut r, &role);
                }
            }
            Err(error) => r.error("instance-profile roles", error, "a list"),
        }
    }
    let named = expected.attach.role_names.iter().map(|n| n.to_string());
    let dhmc = if expected.attach.default_host_management_role {
        default_host_management_role(aws, &mut r)
    } else {
        None
    };
    for role in named.chain(dhmc) {
        match aws.call(&["iam", "get-role", "--role-name", &role]) {
            Ok(_) => holds(&mut r, &role),
            Err(error) if error.is("NoSuchEntity") => r.push(
                &format!("role {role}"),
                Status::Note,
                "does not exist in this account (skipped)".to_owned(),
                "attached where it exists".to_owned(),
            ),
            Err(error) => r.error(&format!("role {role}"), error, "the role"),
        }
    }
    r.checks
}

/// The role this Region's Default Host Management Configuration names
/// (its setting holds a role name, perhaps with a path); none when it is off.
fn default_host_management_role(aws: &Aws, r: &mut Recorder) -> Option<String> {
    match aws.call(&["ssm", "get-service-setting", "--setting-id", DHMC_SETTING]) {
        Ok(answer) => {
            let value = answer["ServiceSetting"]["SettingValue"]
                .as_str()
                .unwrap_or("$None");
            (value != "$None" && !value.is_empty())
                .then(|| value.rsplit('/').next().unwrap_or(value).to_owned())
        }
        Err(error) => {
            r.error("default host management role", error, "the service setting");
            None
        }
    }
}
