//! The configuration file as written: serde structs that reject unknown keys.
//! Values stay strings here; `resolve` checks them. Doc comments become the
//! descriptions in `smlog schema`, and `schemars(with)` borrows each checked
//! type's pattern, so the schema follows these structs by itself.

pub use super::vocabulary::{CallAs, KeyMode, KeyPlacement, LockMode};
use super::vocabulary::{
    LOG_RETENTION_DAYS, MAX_LOCK_YEARS, MAX_PERCENTAGE, MAX_REPAIR_INTERVAL_HOURS,
    MAX_SHELL_PROFILE_CHARS,
};
use crate::ids::{
    AccountId, BucketName, KmsKeyArn, OrgId, OrgPath, OsUserName, OuId, Region, RoleName,
    StackSetName, IDLE_TIMEOUT_RANGE, MAX_DURATION_RANGE,
};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeSet;

/// smlog configuration: organisation-wide Session Manager logging. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// AWS Organizations id admitted to the bucket and keys (aws:PrincipalOrgID).
    #[schemars(with = "Option<OrgId>")]
    pub organization_id: Option<String>,
    /// Parts of the organisation admitted by aws:PrincipalOrgPaths: o-…/r-…/ then ou-…/ segments.
    #[schemars(with = "Option<BTreeSet<OrgPath>>")]
    pub organization_paths: Option<Vec<String>>,
    /// Accounts admitted by aws:PrincipalAccount, inside or outside the organisation.
    #[schemars(with = "Option<BTreeSet<AccountId>>")]
    pub accounts: Option<Vec<String>>,
    /// The central log bucket; unset for session-manager-logs-<account id>-<Region>.
    #[schemars(with = "Option<BucketName>")]
    pub bucket_name: Option<String>,
    /// A log archive bucket and key that already exist (such as Landing Zone
    /// Accelerator's central log bucket), used instead of creating them.
    #[serde(default)]
    pub existing_bucket: Option<RawExistingBucket>,
    /// One KMS key for bucket and sessions, or two.
    pub keys: Option<KeyMode>,
    /// The central stack's Region: its bucket and keys live there.
    #[schemars(with = "Option<Region>")]
    pub home_region: Option<String>,
    /// The member stack every account gets.
    #[serde(default)]
    pub member: Option<RawMember>,
    /// Session Manager preferences.
    #[serde(default)]
    pub session: Option<RawSession>,
    /// The service-managed StackSet.
    #[serde(default)]
    pub rollout: Option<RawRollout>,
    /// Tamper resistance and retention of the log bucket (opt-in), and its
    /// S3 server access logs (on by default).
    #[serde(default)]
    pub retention: Option<RawRetention>,
    /// A managed policy for the people who start sessions (opt-in).
    #[serde(default)]
    pub operators: Option<RawOperators>,
    /// Session logs in CloudWatch Logs too, in every member account and Region (opt-in).
    #[serde(default)]
    pub cloudwatch: Option<RawCloudWatch>,
    /// A service control policy that keeps member administrators from switching logging off (opt-in).
    #[serde(default)]
    pub guardrail: Option<RawGuardrail>,
    /// VPC endpoints for nodes in private subnets, a stack per VPC (opt-in).
    #[serde(default)]
    pub endpoints: Option<RawEndpoints>,
    /// A copy of every log in a bucket in a second Region of the central account (opt-in).
    #[serde(default)]
    pub replica: Option<RawReplica>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReplica {
    /// The replica's Region; not the home Region.
    #[schemars(with = "Region")]
    pub region: String,
    /// The replica bucket; unset for session-manager-logs-replica-<account id>-<Region>.
    #[schemars(with = "Option<BucketName>")]
    pub bucket_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoints {
    /// Write templates/endpoints.yaml, to deploy once per VPC with private subnets.
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGuardrail {
    /// Write templates/guardrail.yaml, for the management account.
    pub enabled: Option<bool>,
    /// Principals (IAM ARN patterns, such as a break-glass role) still allowed
    /// sessions Session Manager never logs: SSH, port forwarding, other
    /// Session documents.
    #[schemars(with = "Option<BTreeSet<String>>")]
    pub unlogged_sessions_allowed_for: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMember {
    /// Which roles get the agent policy; at least one path must reach a role.
    #[serde(default)]
    pub attach: Option<RawAttach>,
    /// The Region of the account controller, which writes every Region's
    /// preferences; default: where IAM's events arrive (us-east-1 in aws).
    #[schemars(with = "Option<Region>")]
    pub controller_region: Option<String>,
    /// Hours between the controller's repair runs (besides the IAM events); 1 to 24, default 6.
    #[schemars(range(min = 1, max = MAX_REPAIR_INTERVAL_HOURS))]
    pub repair_interval_hours: Option<u32>,
    /// The EventBridge bus that receives the controller's reports (repairs,
    /// failures); default: the account's own default bus.
    #[schemars(regex(
        pattern = r"^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256}$"
    ))]
    pub report_event_bus_arn: Option<String>,
    /// While moving to another bucket or session key: the ones in use until
    /// now, still allowed until every session that started with them has ended.
    #[serde(default)]
    pub previous: Option<RawPrevious>,
    /// Full ARN of the bucket key (central stack output BucketKeyArn).
    #[schemars(with = "Option<KmsKeyArn>")]
    pub bucket_key_arn: Option<String>,
    /// Full ARN of the session key (central stack output SessionKeyArn).
    #[schemars(with = "Option<KmsKeyArn>")]
    pub session_key_arn: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExistingBucket {
    /// The bucket's name.
    #[schemars(with = "BucketName")]
    pub name: String,
    /// The full ARN of the KMS key its default encryption names (never an alias).
    #[schemars(with = "KmsKeyArn")]
    pub key_arn: String,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAttach {
    /// Every role in an instance profile of the account, and roles added later (default true).
    pub instance_profile_roles: Option<bool>,
    /// These roles (names, not ARNs), where they exist.
    #[schemars(with = "Option<BTreeSet<RoleName>>")]
    pub role_names: Option<Vec<String>>,
    /// The Default Host Management Configuration role, as each Region's
    /// service setting names it (default true).
    pub default_host_management_role: Option<bool>,
    /// The roles of hybrid activations, the nodes outside EC2 (default true).
    pub activation_roles: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPrevious {
    /// The bucket logs went to until now.
    #[schemars(with = "Option<BucketName>")]
    pub bucket_name: Option<String>,
    /// Its key's full ARN.
    #[schemars(with = "Option<KmsKeyArn>")]
    pub bucket_key_arn: Option<String>,
    /// The session key used until now (full ARN; a multi-Region key's primary).
    #[schemars(with = "Option<KmsKeyArn>")]
    pub session_key_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    /// One session key in the central account, or one per member account and Region.
    pub key_placement: Option<KeyPlacement>,
    /// Idle session timeout in minutes.
    #[schemars(range(min = *IDLE_TIMEOUT_RANGE.start(), max = *IDLE_TIMEOUT_RANGE.end()))]
    pub idle_timeout_minutes: Option<u32>,
    /// Maximum session duration in minutes; unset for no limit.
    #[schemars(range(min = *MAX_DURATION_RANGE.start(), max = *MAX_DURATION_RANGE.end()))]
    pub max_duration_minutes: Option<u32>,
    /// The OS user sessions run as; unset leaves run-as off.
    #[schemars(with = "Option<OsUserName>")]
    pub run_as_user: Option<String>,
    /// Commands run at the start of every Linux session.
    #[schemars(length(max = MAX_SHELL_PROFILE_CHARS))]
    pub linux_shell_profile: Option<String>,
    /// Commands run at the start of every Windows session.
    #[schemars(length(max = MAX_SHELL_PROFILE_CHARS))]
    pub windows_shell_profile: Option<String>,
    /// Ready the session keys for just-in-time node access: tag them
    /// SystemsManagerJustInTimeNodeAccessManaged=true (needs max_duration_minutes).
    pub just_in_time: Option<bool>,
    /// Record Fleet Manager's RDP connections into the log bucket, in every
    /// Region where Systems Manager records them.
    pub rdp_recording: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRollout {
    /// The StackSet's name.
    #[schemars(with = "Option<StackSetName>")]
    pub stack_set_name: Option<String>,
    /// Target OUs or the root; a parent OU includes its children.
    #[schemars(with = "Option<BTreeSet<OuId>>")]
    pub organizational_unit_ids: Option<Vec<String>>,
    /// Regions that get the member stack.
    #[schemars(with = "Option<BTreeSet<Region>>")]
    pub regions: Option<Vec<String>>,
    /// Accounts of the target OUs that get no member stack (checked at each
    /// rollout; accounts that join an OU later are deployed by auto-deployment).
    #[schemars(with = "Option<BTreeSet<AccountId>>")]
    pub exclude_accounts: Option<Vec<String>>,
    /// Regions left out of `regions`.
    #[schemars(with = "Option<BTreeSet<Region>>")]
    pub exclude_regions: Option<Vec<String>>,
    /// SELF (management account) or DELEGATED_ADMIN.
    pub call_as: Option<CallAs>,
    /// Accounts deployed at once, per Region, in percent.
    #[schemars(range(max = MAX_PERCENTAGE))]
    pub max_concurrent_percentage: Option<u32>,
    /// Accounts that may fail, per Region, in percent.
    #[schemars(range(max = MAX_PERCENTAGE))]
    pub failure_tolerance_percentage: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRetention {
    /// S3 Object Lock default retention, in days or in years (one of the two).
    pub object_lock: Option<RawObjectLock>,
    /// Move logs to Glacier after this many days.
    #[schemars(range(min = 1))]
    pub transition_to_glacier_days: Option<u32>,
    /// Expire overwritten versions after this many days (current logs never expire).
    #[schemars(range(min = 1))]
    pub noncurrent_version_expiration_days: Option<u32>,
    /// S3 server access logs of the log bucket (default true): into a bucket
    /// the central stack creates beside it (SSE-S3, which S3 requires of a
    /// log target), or into access_log_bucket. false switches them off.
    pub access_logging: Option<bool>,
    /// An existing bucket for the server access logs instead of one smlog
    /// creates: same account and Region as the log bucket, SSE-S3 default
    /// encryption, a policy that admits logging.s3.amazonaws.com.
    #[schemars(with = "Option<BucketName>")]
    pub access_log_bucket: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawObjectLock {
    pub mode: LockMode,
    #[schemars(range(min = 1, max = MAX_LOCK_YEARS * 365))]
    pub days: Option<u32>,
    #[schemars(range(min = 1, max = MAX_LOCK_YEARS))]
    pub years: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOperators {
    /// Create the operator policy in every member account.
    pub enabled: Option<bool>,
    /// Roles that get the operator policy.
    #[schemars(with = "Option<BTreeSet<RoleName>>")]
    pub role_names: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCloudWatch {
    /// Create a log group per member account and Region and log sessions to it.
    pub enabled: Option<bool>,
    /// The log group's name.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_/.#-]{1,512}$"))]
    pub log_group_name: Option<String>,
    /// Days CloudWatch Logs keeps events; one of the periods it accepts.
    #[schemars(extend("enum" = LOG_RETENTION_DAYS))]
    pub retention_days: Option<u32>,
    /// Stream as the session runs (true) or upload at its end.
    pub streaming: Option<bool>,
}
