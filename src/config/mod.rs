//! The configuration file (`smlog.yaml`): raw serde structs that reject unknown
//! keys, and `resolve()`, which checks every value once and fills every default.

mod locate;
pub mod schema;

/// The commented starter file `smlog init` writes.
pub const STARTER: &str = include_str!("starter.yaml");

use crate::error::{Error, Result};
use crate::ids::{
    AccountId, BucketName, InvalidId, KmsKeyArn, Minutes, OrgId, OrgPath, OsUserName, OuId, Region,
    RoleName, StackSetName, IDLE_TIMEOUT_RANGE, MAX_DURATION_RANGE,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The file read when `-c` is not given and it exists in the working directory.
pub const DEFAULT_FILE: &str = "smlog.yaml";
/// Larger configuration files are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// How many KMS keys the central stack creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyMode {
    /// One key encrypts the bucket and the session data.
    One,
    /// A bucket key (used only through S3) and a separate session key.
    #[default]
    Two,
}

/// Where the key that encrypts session data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyPlacement {
    /// One key in the central account's home Region.
    #[default]
    Central,
    /// A key per member account and Region, created by the member stack.
    PerAccount,
}

/// How member stacks write the Session Manager preferences document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PreferencesMode {
    /// A custom resource creates the document or updates an existing one.
    #[default]
    Upsert,
    /// A plain `AWS::SSM::Document`; fails where the document already exists.
    Native,
}

/// Which account drives the StackSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum CallAs {
    /// The organisation's management account.
    #[default]
    #[serde(rename = "SELF")]
    SelfAccount,
    /// A delegated administrator account for StackSets.
    #[serde(rename = "DELEGATED_ADMIN")]
    DelegatedAdmin,
}

impl CallAs {
    pub fn as_str(self) -> &'static str {
        match self {
            CallAs::SelfAccount => "SELF",
            CallAs::DelegatedAdmin => "DELEGATED_ADMIN",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub organization_id: Option<String>,
    pub organization_paths: Option<Vec<String>>,
    pub accounts: Option<Vec<String>>,
    pub bucket_name: Option<String>,
    pub keys: Option<KeyMode>,
    pub home_region: Option<String>,
    #[serde(default)]
    pub member: RawMember,
    #[serde(default)]
    pub session: RawSession,
    #[serde(default)]
    pub rollout: RawRollout,
    #[serde(default)]
    pub retention: RawRetention,
    #[serde(default)]
    pub operators: RawOperators,
    #[serde(default)]
    pub cloudwatch: RawCloudWatch,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCloudWatch {
    pub enabled: Option<bool>,
    pub log_group_name: Option<String>,
    pub retention_days: Option<u32>,
    pub streaming: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetention {
    pub object_lock: Option<RawObjectLock>,
    pub transition_to_glacier_days: Option<u32>,
    pub noncurrent_version_expiration_days: Option<u32>,
    pub access_log_bucket: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjectLock {
    pub mode: LockMode,
    pub days: Option<u32>,
    pub years: Option<u32>,
}

/// S3 Object Lock retention modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum LockMode {
    /// Users with `s3:BypassGovernanceRetention` may still delete early.
    #[serde(rename = "GOVERNANCE")]
    Governance,
    /// Nobody, the root user included, can delete before the period ends.
    #[serde(rename = "COMPLIANCE")]
    Compliance,
}

impl LockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::Governance => "GOVERNANCE",
            LockMode::Compliance => "COMPLIANCE",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperators {
    pub enabled: Option<bool>,
    pub role_names: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMember {
    pub agent_role_names: Option<Vec<String>>,
    pub default_host_management_role: Option<bool>,
    pub iam_region: Option<String>,
    pub preferences: Option<PreferencesMode>,
    pub bucket_key_arn: Option<String>,
    pub session_key_arn: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    pub key_placement: Option<KeyPlacement>,
    pub idle_timeout_minutes: Option<u32>,
    pub max_duration_minutes: Option<u32>,
    pub run_as_user: Option<String>,
    pub linux_shell_profile: Option<String>,
    pub windows_shell_profile: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollout {
    pub stack_set_name: Option<String>,
    pub organizational_unit_ids: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub call_as: Option<CallAs>,
    pub max_concurrent_percentage: Option<u32>,
    pub failure_tolerance_percentage: Option<u32>,
}

/// Checked settings: everything the stacks need, every value valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub cloudwatch: Option<CloudWatchSettings>,
    pub retention: RetentionSettings,
    pub operators: OperatorSettings,
    pub organization_id: Option<OrgId>,
    pub principals: Principals,
    pub bucket_name: Option<BucketName>,
    pub key_mode: KeyMode,
    pub home_region: Region,
    pub member: MemberSettings,
    pub session: SessionSettings,
    pub rollout: RolloutSettings,
}

/// Who may deliver logs and use the keys: any mix of the organisation (by id),
/// parts of it (by path), and listed accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Principals {
    /// Admit the organisation named by the `OrganizationId` parameter.
    pub organization: bool,
    pub organization_paths: Vec<OrgPath>,
    pub accounts: Vec<AccountId>,
}

/// Tamper resistance and retention of the log bucket (all opt-in).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetentionSettings {
    pub object_lock: Option<ObjectLock>,
    pub transition_to_glacier_days: Option<u32>,
    pub noncurrent_version_expiration_days: Option<u32>,
    pub access_log_bucket: Option<BucketName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectLock {
    pub mode: LockMode,
    pub period: LockPeriod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockPeriod {
    Days(u32),
    Years(u32),
}

/// Session logs streamed (or uploaded) to CloudWatch Logs in every member account and Region.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudWatchSettings {
    pub log_group_name: String,
    pub retention_days: u32,
    pub streaming: bool,
}

/// The retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
pub const DEFAULT_LOG_GROUP: &str = "/aws/ssm/session-manager";

fn log_group_name(field: &str, name: &str) -> Result<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-/.#".contains(c);
    if (1..=512).contains(&name.len()) && name.chars().all(allowed) && !name.starts_with("aws/") {
        Ok(name.to_owned())
    } else {
        Err(Error::field(
            field,
            format!("{name:?} is not a valid log group name: 1 to 512 letters, digits and _-/.#"),
        ))
    }
}

/// The optional policy for people who start sessions, in member accounts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OperatorSettings {
    pub enabled: bool,
    pub role_names: Vec<RoleName>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberSettings {
    pub agent_role_names: Vec<RoleName>,
    pub default_host_management_role: bool,
    pub iam_region: Region,
    pub preferences: PreferencesMode,
    pub bucket_key_arn: Option<KmsKeyArn>,
    pub session_key_arn: Option<KmsKeyArn>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionSettings {
    pub key_placement: KeyPlacement,
    pub idle_timeout: Minutes,
    pub max_duration: Option<Minutes>,
    pub run_as_user: Option<OsUserName>,
    pub linux_shell_profile: String,
    pub windows_shell_profile: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RolloutSettings {
    pub stack_set_name: StackSetName,
    pub organizational_unit_ids: Vec<OuId>,
    pub regions: Vec<Region>,
    pub call_as: CallAs,
    pub max_concurrent_percentage: u32,
    pub failure_tolerance_percentage: u32,
}

pub const DEFAULT_HOME_REGION: &str = "us-east-1";
pub const DEFAULT_STACK_SET_NAME: &str = "session-manager-logging";
pub const DEFAULT_IDLE_TIMEOUT_MINUTES: u32 = 20;
/// Shell profiles run on every session start; this keeps them short.
pub const MAX_SHELL_PROFILE_CHARS: usize = 4096;

impl Settings {
    /// A central session key that member stacks in other Regions need too:
    /// it becomes a multi-Region key with a replica in each of them.
    pub fn multi_region_session_key(&self) -> bool {
        self.key_mode == KeyMode::Two
            && self.session.key_placement == KeyPlacement::Central
            && self.rollout.regions.iter().any(|r| *r != self.home_region)
    }
}

impl Default for Settings {
    fn default() -> Self {
        RawConfig::default()
            .resolve()
            .expect("the built-in defaults are valid")
    }
}

/// Names the offending field in an identifier error.
fn at(field: &str) -> impl Fn(InvalidId) -> Error + '_ {
    move |err| Error::field(field, err.to_string())
}

fn parse_opt<T: FromStr<Err = InvalidId>>(
    field: &str,
    value: Option<&String>,
) -> Result<Option<T>> {
    value.map(|v| v.parse().map_err(at(field))).transpose()
}

fn parse_list<T: FromStr<Err = InvalidId>>(field: &str, values: &[String]) -> Result<Vec<T>> {
    let items: Vec<T> = values
        .iter()
        .enumerate()
        .map(|(i, v)| v.parse().map_err(at(&format!("{field}[{i}]"))))
        .collect::<Result<_>>()?;
    if let Some((i, duplicate)) = values
        .iter()
        .enumerate()
        .find(|(i, v)| values[..*i].contains(v))
    {
        return Err(Error::field(
            format!("{field}[{i}]"),
            format!("{duplicate:?} is listed twice; each value may appear once"),
        ));
    }
    Ok(items)
}

fn percentage(field: &str, value: Option<u32>, default: u32) -> Result<u32> {
    match value.unwrap_or(default) {
        p @ 0..=100 => Ok(p),
        p => Err(Error::field(
            field,
            format!("{p} is not a valid percentage: must be between 0 and 100"),
        )),
    }
}

fn shell_profile(field: &str, value: &Option<String>) -> Result<String> {
    let profile = value.clone().unwrap_or_default();
    if profile.chars().count() > MAX_SHELL_PROFILE_CHARS {
        return Err(Error::field(
            field,
            format!(
                "the profile is {} characters long; it must be at most {MAX_SHELL_PROFILE_CHARS}",
                profile.chars().count()
            ),
        ));
    }
    Ok(profile)
}

/// Object Lock allows at most 100 years of default retention.
pub const MAX_LOCK_YEARS: u32 = 100;

fn at_least_one_day(field: &str, value: Option<u32>) -> Result<Option<u32>> {
    match value {
        Some(0) => Err(Error::field(
            field,
            "0 days is not a period: give at least 1",
        )),
        other => Ok(other),
    }
}

impl RawRetention {
    fn resolve(&self) -> Result<RetentionSettings> {
        let object_lock = match &self.object_lock {
            None => None,
            Some(lock) => {
                let period = match (lock.days, lock.years) {
                    (Some(days), None) if (1..=MAX_LOCK_YEARS * 365).contains(&days) => {
                        LockPeriod::Days(days)
                    }
                    (None, Some(years)) if (1..=MAX_LOCK_YEARS).contains(&years) => {
                        LockPeriod::Years(years)
                    }
                    (Some(_), Some(_)) | (None, None) => {
                        return Err(Error::field(
                            "retention.object_lock",
                            "give the default retention in days or in years (one of the two)",
                        ))
                    }
                    _ => {
                        return Err(Error::field(
                            "retention.object_lock",
                            format!(
                                "the retention must be 1 to {} days or 1 to {MAX_LOCK_YEARS} years",
                                MAX_LOCK_YEARS * 365
                            ),
                        ))
                    }
                };
                Some(ObjectLock {
                    mode: lock.mode,
                    period,
                })
            }
        };
        let transition = at_least_one_day(
            "retention.transition_to_glacier_days",
            self.transition_to_glacier_days,
        )?;
        let noncurrent = at_least_one_day(
            "retention.noncurrent_version_expiration_days",
            self.noncurrent_version_expiration_days,
        )?;
        Ok(RetentionSettings {
            object_lock,
            transition_to_glacier_days: transition,
            noncurrent_version_expiration_days: noncurrent,
            access_log_bucket: parse_opt(
                "retention.access_log_bucket",
                self.access_log_bucket.as_ref(),
            )?,
        })
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
        serde_yaml::from_str(text).map_err(|err| {
            let location = err
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            let hint = suggestion(&err.to_string())
                .map(|known| format!(" (did you mean `{known}`?)"))
                .unwrap_or_default();
            Error::Config(format!("{}{location}: {err}{hint}", origin.display()))
        })
    }

    /// Checks every value and fills every default.
    pub fn resolve(&self) -> Result<Settings> {
        let home_region: Region = parse_opt("home_region", self.home_region.as_ref())?
            .unwrap_or_else(|| DEFAULT_HOME_REGION.parse().expect("valid default Region"));
        let member = &self.member;
        let session = &self.session;
        let rollout = &self.rollout;

        let idle_timeout = Minutes::new(
            "idle timeout",
            session
                .idle_timeout_minutes
                .unwrap_or(DEFAULT_IDLE_TIMEOUT_MINUTES),
            IDLE_TIMEOUT_RANGE,
        )
        .map_err(at("session.idle_timeout_minutes"))?;
        let max_duration = session
            .max_duration_minutes
            .map(|m| Minutes::new("maximum session duration", m, MAX_DURATION_RANGE))
            .transpose()
            .map_err(at("session.max_duration_minutes"))?;

        let key_placement = session.key_placement.unwrap_or_default();
        if key_placement == KeyPlacement::PerAccount && self.keys == Some(KeyMode::One) {
            return Err(Error::field(
                "session.key_placement",
                "per-account session keys need keys: two (with keys: one the bucket key is the session key)",
            ));
        }

        let regions = match &rollout.regions {
            Some(regions) if regions.is_empty() => {
                return Err(Error::field(
                    "rollout.regions",
                    "the list is empty; name at least one Region",
                ))
            }
            Some(regions) => parse_list("rollout.regions", regions)?,
            None => vec![home_region.clone()],
        };

        let organization_id: Option<OrgId> =
            parse_opt("organization_id", self.organization_id.as_ref())?;
        let organization_paths: Vec<OrgPath> = parse_list(
            "organization_paths",
            self.organization_paths.as_deref().unwrap_or_default(),
        )?;
        if let Some(id) = &organization_id {
            let prefix = format!("{id}/");
            if let Some((i, path)) = organization_paths
                .iter()
                .enumerate()
                .find(|(_, p)| !p.as_str().starts_with(&prefix))
            {
                return Err(Error::field(
                    format!("organization_paths[{i}]"),
                    format!("{:?} is not inside organization_id {id}", path.as_str()),
                ));
            }
        }
        let accounts: Vec<AccountId> =
            parse_list("accounts", self.accounts.as_deref().unwrap_or_default())?;
        let principals = Principals {
            organization: organization_id.is_some()
                || (organization_paths.is_empty() && accounts.is_empty()),
            organization_paths,
            accounts,
        };

        let cloudwatch = match self.cloudwatch.enabled.unwrap_or(false) {
            false => None,
            true => {
                let retention_days = self.cloudwatch.retention_days.unwrap_or(365);
                if !LOG_RETENTION_DAYS.contains(&retention_days) {
                    return Err(Error::field(
                        "cloudwatch.retention_days",
                        format!("{retention_days} is not a CloudWatch Logs retention period: use one of {LOG_RETENTION_DAYS:?}"),
                    ));
                }
                Some(CloudWatchSettings {
                    log_group_name: log_group_name(
                        "cloudwatch.log_group_name",
                        self.cloudwatch
                            .log_group_name
                            .as_deref()
                            .unwrap_or(DEFAULT_LOG_GROUP),
                    )?,
                    retention_days,
                    streaming: self.cloudwatch.streaming.unwrap_or(true),
                })
            }
        };

        Ok(Settings {
            cloudwatch,
            retention: self.retention.resolve()?,
            operators: OperatorSettings {
                enabled: self.operators.enabled.unwrap_or(false),
                role_names: parse_list(
                    "operators.role_names",
                    self.operators.role_names.as_deref().unwrap_or_default(),
                )?,
            },
            organization_id,
            principals,
            bucket_name: parse_opt("bucket_name", self.bucket_name.as_ref())?,
            key_mode: self.keys.unwrap_or_default(),
            member: MemberSettings {
                agent_role_names: parse_list(
                    "member.agent_role_names",
                    member.agent_role_names.as_deref().unwrap_or_default(),
                )?,
                default_host_management_role: member.default_host_management_role.unwrap_or(false),
                iam_region: parse_opt("member.iam_region", member.iam_region.as_ref())?
                    .unwrap_or_else(|| home_region.clone()),
                preferences: member.preferences.unwrap_or_default(),
                bucket_key_arn: parse_opt("member.bucket_key_arn", member.bucket_key_arn.as_ref())?,
                session_key_arn: parse_opt(
                    "member.session_key_arn",
                    member.session_key_arn.as_ref(),
                )?,
            },
            session: SessionSettings {
                key_placement,
                idle_timeout,
                max_duration,
                run_as_user: parse_opt("session.run_as_user", session.run_as_user.as_ref())?,
                linux_shell_profile: shell_profile(
                    "session.linux_shell_profile",
                    &session.linux_shell_profile,
                )?,
                windows_shell_profile: shell_profile(
                    "session.windows_shell_profile",
                    &session.windows_shell_profile,
                )?,
            },
            rollout: RolloutSettings {
                stack_set_name: parse_opt(
                    "rollout.stack_set_name",
                    rollout.stack_set_name.as_ref(),
                )?
                .unwrap_or_else(|| DEFAULT_STACK_SET_NAME.parse().expect("valid default name")),
                organizational_unit_ids: parse_list(
                    "rollout.organizational_unit_ids",
                    rollout
                        .organizational_unit_ids
                        .as_deref()
                        .unwrap_or_default(),
                )?,
                regions,
                call_as: rollout.call_as.unwrap_or_default(),
                max_concurrent_percentage: percentage(
                    "rollout.max_concurrent_percentage",
                    rollout.max_concurrent_percentage,
                    25,
                )?,
                failure_tolerance_percentage: percentage(
                    "rollout.failure_tolerance_percentage",
                    rollout.failure_tolerance_percentage,
                    10,
                )?,
            },
            home_region,
        })
    }
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
            Error::Field { field, message } => {
                let location = locate::locate(&self.text, &field)
                    .map(|(line, column)| format!(":{line}:{column}"))
                    .unwrap_or_default();
                Error::Config(format!(
                    "{}{location}: {field}: {message}",
                    self.path.display()
                ))
            }
            other => other,
        }
    }
}

/// The known key nearest to an unknown one in a serde "unknown field" message.
fn suggestion(message: &str) -> Option<String> {
    let unknown = message.split("unknown field `").nth(1)?.split('`').next()?;
    let expected = message
        .split("expected one of ")
        .nth(1)
        .or_else(|| message.split("expected ").nth(1))?;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|known| (edit_distance(unknown, known), known))
        .filter(|(distance, known)| *distance <= known.len().max(unknown.len()) / 2)
        .min()
        .map(|(_, known)| known.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Reads the configuration: the given file, else `smlog.yaml` when present,
/// else the built-in defaults. Returns the raw config and, for a file, its text.
pub fn load(path: Option<&Path>) -> Result<(RawConfig, Option<Source>)> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => return Ok((RawConfig::default(), None)),
    };
    let size = std::fs::metadata(&path)
        .map_err(|e| Error::io(&path, e))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(Error::Config(format!(
            "{}: the file is {size} bytes; a configuration file may be at most {MAX_FILE_BYTES} bytes",
            path.display()
        )));
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(yaml: &str) -> Result<Settings> {
        let source = Source {
            path: PathBuf::from("test.yaml"),
            text: yaml.to_owned(),
        };
        RawConfig::from_yaml(yaml, &source.path)?
            .resolve()
            .map_err(|e| source.annotate(e))
    }

    fn config_error(yaml: &str) -> String {
        let err = resolve(yaml).expect_err("config should be rejected");
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
        err.to_string()
    }

    #[test]
    fn defaults_resolve() {
        let settings = RawConfig::default().resolve().unwrap();
        assert_eq!(settings.key_mode, KeyMode::Two);
        assert_eq!(settings.home_region.as_str(), "us-east-1");
        assert_eq!(settings.member.iam_region.as_str(), "us-east-1");
        assert_eq!(settings.rollout.regions.len(), 1);
        assert_eq!(settings.session.idle_timeout.get(), 20);
    }

    #[test]
    fn values_are_checked_with_their_field_path() {
        let err = config_error("organization_id: o-123\n");
        assert!(
            err.contains("organization_id") && err.contains("o-123"),
            "{err}"
        );
        let err = config_error("bucket_name: customer_session_manager_logging_bucket\n");
        assert!(
            err.contains("bucket_name") && err.contains("lowercase letters"),
            "{err}"
        );
        let err = config_error("rollout:\n  regions: [us-east-1, eu-west-1, mars]\n");
        assert!(
            err.contains("rollout.regions[2]") && err.contains("\"mars\""),
            "{err}"
        );
        let err = config_error("rollout:\n  regions: [us-east-1, us-east-1]\n");
        assert!(err.contains("listed twice"), "{err}");
        let err = config_error("session:\n  idle_timeout_minutes: 0\n");
        assert!(
            err.contains("session.idle_timeout_minutes") && err.contains("between 1 and 60"),
            "{err}"
        );
    }

    #[test]
    fn principals_mix_organisation_paths_and_accounts() {
        let settings = resolve("keys: two\n").unwrap();
        assert!(settings.principals.organization);
        let settings = resolve("accounts: ['111111111111', '222222222222']\n").unwrap();
        assert!(
            !settings.principals.organization,
            "accounts alone need no organisation"
        );
        assert_eq!(settings.principals.accounts.len(), 2);
        let settings =
            resolve("organization_id: o-a1b2c3d4e5\naccounts: ['111111111111']\norganization_paths: [o-a1b2c3d4e5/r-ab12/]\n")
                .unwrap();
        assert!(settings.principals.organization);
        assert_eq!(
            settings.principals.organization_paths[0].as_str(),
            "o-a1b2c3d4e5/r-ab12/*"
        );
        let err = config_error(
            "organization_id: o-a1b2c3d4e5\norganization_paths: [o-zzzzzzzzzz/r-ab12/]\n",
        );
        assert!(
            err.contains("organization_paths[0]") && err.contains("not inside"),
            "{err}"
        );
        let err = config_error("accounts: ['111111111111', '12345']\n");
        assert!(
            err.contains("accounts[1]") && err.contains("12 digits"),
            "{err}"
        );
        let settings = resolve("accounts: [012345678901]\n").unwrap();
        assert_eq!(
            settings.principals.accounts[0].as_str(),
            "012345678901",
            "unquoted ids keep their digits"
        );
    }

    #[test]
    fn the_starter_file_resolves_as_written_and_with_every_example_switched_on() {
        resolve(STARTER).unwrap();
        let everything: String = STARTER
            .lines()
            .map(|line| match line.trim_start().strip_prefix("# ") {
                // Commented keys and list items, not prose.
                Some(rest) if is_setting(rest.trim_start()) => {
                    let indent = line.len() - line.trim_start().len();
                    format!("{}{rest}\n", " ".repeat(indent))
                }
                _ => format!("{line}\n"),
            })
            .collect();
        let settings = resolve(&everything).unwrap_or_else(|e| panic!("{e}\n{everything}"));
        assert_eq!(settings.principals.accounts.len(), 1);
        assert_eq!(settings.session.max_duration.map(|m| m.get()), Some(480));
        assert_eq!(settings.rollout.organizational_unit_ids.len(), 1);
    }

    /// `key: value`, `key:` or `- item`: a commented-out setting, not prose.
    fn is_setting(text: &str) -> bool {
        let key = text.split(':').next().unwrap_or_default();
        text.starts_with("- ")
            || (text.contains(':')
                && !key.is_empty()
                && key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    }

    /// The fields serde accepts for a struct, read from its "unknown field" message.
    fn known_fields<T: serde::de::DeserializeOwned + std::fmt::Debug>() -> Vec<String> {
        let message = serde_yaml::from_str::<T>("not_a_field_of_any_struct: 1")
            .unwrap_err()
            .to_string();
        let mut fields: Vec<String> = message
            .split("expected one of ")
            .nth(1)
            .or_else(|| message.split("expected ").nth(1))
            .unwrap()
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        fields.sort();
        fields
    }

    fn schema_fields(schema: &serde_json::Value) -> Vec<String> {
        let mut fields: Vec<String> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        fields.sort();
        fields
    }

    #[test]
    fn the_schema_has_exactly_the_config_keys() {
        let schema = schema::schema();
        assert_eq!(schema_fields(&schema), known_fields::<RawConfig>());
        assert_eq!(
            schema_fields(&schema["properties"]["member"]),
            known_fields::<RawMember>()
        );
        assert_eq!(
            schema_fields(&schema["properties"]["session"]),
            known_fields::<RawSession>()
        );
        assert_eq!(
            schema_fields(&schema["properties"]["rollout"]),
            known_fields::<RawRollout>()
        );
    }

    #[test]
    fn retention_settings_are_checked() {
        let settings = resolve(
            "retention:\n  object_lock: {mode: COMPLIANCE, years: 7}\n  transition_to_glacier_days: 90\n  access_log_bucket: access-logs\n",
        )
        .unwrap();
        let lock = settings.retention.object_lock.unwrap();
        assert_eq!(
            (lock.mode, lock.period),
            (LockMode::Compliance, LockPeriod::Years(7))
        );
        let err =
            config_error("retention:\n  object_lock: {mode: GOVERNANCE, days: 1, years: 1}\n");
        assert!(
            err.contains("retention.object_lock") && err.contains("one of the two"),
            "{err}"
        );
        let err = config_error("retention:\n  object_lock: {mode: GOVERNANCE, years: 101}\n");
        assert!(err.contains("1 to 100 years"), "{err}");
        let err = config_error("retention:\n  object_lock: {mode: LEGAL, days: 1}\n");
        assert!(err.contains("unknown variant `LEGAL`"), "{err}");
        let err = config_error("retention:\n  transition_to_glacier_days: 0\n");
        assert!(
            err.contains("retention.transition_to_glacier_days"),
            "{err}"
        );
        let err = config_error("cloudwatch:\n  enabled: true\n  retention_days: 10\n");
        assert!(
            err.contains("cloudwatch.retention_days")
                && err.contains("not a CloudWatch Logs retention period"),
            "{err}"
        );
        let err = config_error("cloudwatch:\n  enabled: true\n  log_group_name: 'bad name'\n");
        assert!(err.contains("cloudwatch.log_group_name"), "{err}");
        let err = config_error("keys: one\nsession:\n  key_placement: per-account\n");
        assert!(
            err.contains("session.key_placement") && err.contains("keys: two"),
            "{err}"
        );
        let err = config_error("operators:\n  role_names: ['a,b']\n");
        assert!(err.contains("operators.role_names[0]"), "{err}");
    }

    #[test]
    fn value_errors_name_file_line_and_column() {
        let err = config_error(
            "member:\n  preferences: native\nrollout:\n  regions: [us-east-1, mars]\n",
        );
        assert!(
            err.contains("test.yaml:4:24: rollout.regions[1]: \"mars\""),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_get_the_nearest_known_key() {
        let err = config_error("bucket_nmae: logs\n");
        assert!(err.contains("did you mean `bucket_name`?"), "{err}");
        let err = config_error("member:\n  agent_roles: [x]\n");
        assert!(err.contains("did you mean `agent_role_names`?"), "{err}");
        let err = config_error("zzzzzz: 1\n");
        assert!(
            !err.contains("did you mean"),
            "no far-fetched guesses: {err}"
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_line() {
        let err = config_error("organization_id: o-abcdefghij\nbucket: x\n");
        assert!(
            err.contains("test.yaml:2:") && err.contains("unknown field `bucket`"),
            "{err}"
        );
        let err = config_error("keys: three\n");
        assert!(err.contains("unknown variant `three`"), "{err}");
        let err = config_error("member:\n  default_host_management_role: \"yes\"\n");
        assert!(err.contains("invalid type"), "{err}");
    }
}
