//! Checked settings: the decisions the stacks, `explain` and `verify` match on,
//! made once by `resolve`. Every value is valid and every default filled;
//! combinations AWS cannot serve cannot be written down.

pub use super::vocabulary::*;
use crate::ids::{
    AccountId, BucketName, KmsKeyArn, Minutes, OrgId, OrgPath, OsUserName, OuId, Region, RoleName,
    StackSetName,
};

/// Everything the stacks need.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub scope: Scope,
    pub bucket: LogBucket,
    pub session_key: SessionKey,
    pub home_region: Region,
    pub member: MemberSettings,
    pub session: SessionSettings,
    pub rollout: RolloutSettings,
    pub cloudwatch: Option<CloudWatchSettings>,
    pub operators: Option<OperatorSettings>,
    /// The service control policy on the rollout's OUs (opt-in).
    pub guardrail: Option<GuardrailSettings>,
    /// The VPC endpoints template for private subnets (opt-in).
    pub endpoints: bool,
    /// The cross-Region copy of the log bucket (opt-in).
    pub replica: Option<Replica>,
}

/// Who may deliver logs and use the keys: any mix of the organisation, parts
/// of it and listed accounts, never none. Each part gets statements of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// The whole organisation, by the central stack's `OrganizationId`
    /// parameter; its default is the configured id, when there is one.
    pub organization: Option<Organization>,
    /// Parts of one organisation, by `aws:PrincipalOrgPaths`.
    pub paths: Option<OrganizationPaths>,
    /// Accounts, inside or outside the organisation, by `aws:PrincipalAccount`.
    pub accounts: Vec<AccountId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: Option<OrgId>,
}

/// Paths in one organisation. S3 Block Public Access counts a wildcard
/// `aws:PrincipalOrgPaths` as public, so statements pair the paths with
/// the organisation's fixed `aws:PrincipalOrgID`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationPaths {
    pub organization: OrgId,
    pub paths: Vec<OrgPath>,
}

impl Scope {
    /// The organisation id, when the configuration names one or its paths do.
    pub fn organization_id(&self) -> Option<&OrgId> {
        self.organization
            .as_ref()
            .and_then(|o| o.id.as_ref())
            .or(self.paths.as_ref().map(|p| &p.organization))
    }
}

/// The central log bucket.
#[derive(Debug, Clone, PartialEq)]
pub enum LogBucket {
    /// The central stack creates it and its key.
    Created {
        /// None: `session-manager-logs-<account id>-<Region>`, generated at deploy time.
        name: Option<BucketName>,
        retention: RetentionSettings,
    },
    /// A log archive bucket and key that exist: smlog writes the statements
    /// their policies must contain, and creates neither.
    Existing { name: BucketName, key: KmsKeyArn },
}

impl LogBucket {
    /// The bucket's name, when known before deployment.
    pub fn name(&self) -> Option<&BucketName> {
        match self {
            LogBucket::Created { name, .. } => name.as_ref(),
            LogBucket::Existing { name, .. } => Some(name),
        }
    }
}

/// Which key encrypts session data, and so which keys the central stack makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKey {
    /// `keys: one`: one key encrypts the bucket and session data.
    Shared { multi_region: bool },
    /// A key of its own in the central account.
    Central { multi_region: bool },
    /// A key in every member account and Region; the central stack holds
    /// the bucket key only.
    PerAccount,
}

impl SessionKey {
    /// KMS keys are regional and agents use the session key in their own
    /// Region: a central key that members in other Regions use is a
    /// multi-Region key with a replica there, named by its `mrk-` id.
    pub fn is_multi_region(self) -> bool {
        matches!(
            self,
            SessionKey::Shared { multi_region: true } | SessionKey::Central { multi_region: true }
        )
    }
}

/// The log bucket's copy in a second Region of the central account.
#[derive(Debug, Clone, PartialEq)]
pub struct Replica {
    pub region: Region,
    pub bucket_name: Option<BucketName>,
}

/// Tamper resistance and retention of the log bucket (all opt-in), and
/// where its server access logs go.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetentionSettings {
    pub object_lock: Option<ObjectLock>,
    pub transition_to_glacier_days: Option<u32>,
    pub noncurrent_version_expiration_days: Option<u32>,
    pub access_logs: AccessLogs,
}

/// Where a log bucket's S3 server access logs go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AccessLogs {
    /// Into a bucket the stack creates beside the log bucket (and, for the
    /// replica, beside the replica): S3 delivers only within an account and
    /// Region.
    #[default]
    Created,
    /// Into a bucket that exists, beside the log bucket; the replica, in
    /// another Region, still gets one of its own.
    Existing(BucketName),
    /// Not at all (`retention.access_logging: false`).
    Off,
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

impl LockPeriod {
    /// The period in days, a year counted as 365 (S3 counts actual years,
    /// which are never shorter).
    pub fn days(self) -> u32 {
        match self {
            LockPeriod::Days(days) => days,
            LockPeriod::Years(years) => years * 365,
        }
    }
}

/// Session logs streamed (or uploaded) to CloudWatch Logs in every member account and Region.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudWatchSettings {
    pub log_group_name: String,
    pub retention_days: u32,
    pub streaming: bool,
}

/// The guardrail's exceptions: principals still allowed unlogged sessions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GuardrailSettings {
    /// IAM ARN patterns (`arn:aws:iam::*:role/BreakGlass`).
    pub unlogged_sessions_allowed_for: Vec<String>,
}

/// The policy for people who start sessions, in member accounts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OperatorSettings {
    pub role_names: Vec<RoleName>,
}

/// Which roles get the agent policy; at least one path reaches some role.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub instance_profile_roles: bool,
    pub role_names: Vec<RoleName>,
    /// The role each Region's Default Host Management setting names.
    pub default_host_management_role: bool,
    /// The roles of hybrid activations.
    pub activation_roles: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberSettings {
    pub attach: Attachment,
    /// Where the account controller runs; it writes every rollout Region.
    pub controller_region: Region,
    /// Hours between repair runs.
    pub repair_interval_hours: u32,
    /// Where the controller sends its reports; none: the account's default bus.
    pub report_event_bus_arn: Option<String>,
    /// The bucket and keys being moved away from, still allowed meanwhile.
    pub previous: Option<Previous>,
    /// The central stack's outputs, when known: defaults for the member
    /// parameters and what `verify` expects.
    pub bucket_key_arn: Option<KmsKeyArn>,
    pub session_key_arn: Option<KmsKeyArn>,
    /// The account that owns the bucket and keys, when a known key ARN says.
    pub central_account_id: Option<AccountId>,
}

/// What a member account used until a move to another bucket or key. At
/// least one of them is set, and each differs from the new one.
#[derive(Debug, Clone, PartialEq)]
pub struct Previous {
    pub bucket_name: Option<BucketName>,
    pub bucket_key_arn: Option<KmsKeyArn>,
    pub session_key_arn: Option<KmsKeyArn>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionSettings {
    pub idle_timeout: Minutes,
    pub max_duration: Option<Minutes>,
    pub run_as_user: Option<OsUserName>,
    pub linux_shell_profile: String,
    pub windows_shell_profile: String,
    /// Session keys tagged for just-in-time node access.
    pub just_in_time: bool,
    /// Fleet Manager RDP connections recorded into the log bucket.
    pub rdp_recording: bool,
}

impl SessionSettings {
    /// Just-in-time node access and RDP recording both use only keys that
    /// carry `SystemsManagerJustInTimeNodeAccessManaged=true`.
    pub fn tags_keys_for_just_in_time(&self) -> bool {
        self.just_in_time || self.rdp_recording
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RolloutSettings {
    pub stack_set_name: StackSetName,
    pub organizational_unit_ids: Vec<OuId>,
    /// In deployment order: the member IAM Region first; exclusions removed.
    pub regions: Vec<Region>,
    /// Accounts of the target OUs left out.
    pub excluded_accounts: Vec<AccountId>,
    pub call_as: CallAs,
    pub max_concurrent_percentage: u32,
    pub failure_tolerance_percentage: u32,
}

impl Default for Settings {
    fn default() -> Self {
        super::raw::RawConfig::default()
            .resolve()
            .expect("the built-in defaults are valid")
    }
}
