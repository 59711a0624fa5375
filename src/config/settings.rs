//! Checked settings: the decisions the stacks, `explain` and `verify` match on,
//! made once by `resolve`. Every value is valid and every default filled;
//! combinations AWS cannot serve cannot be written down.

pub use super::raw::{CallAs, LockMode, PreferencesMode};
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
    pub guardrail: bool,
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
    pub default_host_management_role: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberSettings {
    pub attach: Attachment,
    /// The one Region whose stack creates the account's IAM resources.
    pub iam_region: Region,
    pub preferences: PreferencesMode,
    /// The central stack's outputs, when known: defaults for the member
    /// parameters and what `verify` expects.
    pub bucket_key_arn: Option<KmsKeyArn>,
    pub session_key_arn: Option<KmsKeyArn>,
    /// The account that owns the bucket and keys, when a known key ARN says.
    pub central_account_id: Option<AccountId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionSettings {
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
    /// In deployment order: the member IAM Region first; exclusions removed.
    pub regions: Vec<Region>,
    /// Accounts of the target OUs left out.
    pub excluded_accounts: Vec<AccountId>,
    pub call_as: CallAs,
    pub max_concurrent_percentage: u32,
    pub failure_tolerance_percentage: u32,
}

/// The retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
pub const DEFAULT_LOG_GROUP: &str = "/aws/ssm/session-manager";
pub const DEFAULT_LOG_RETENTION_DAYS: u32 = 365;
pub const DEFAULT_HOME_REGION: &str = "us-east-1";
pub const DEFAULT_STACK_SET_NAME: &str = "session-manager-logging";
pub const DEFAULT_IDLE_TIMEOUT_MINUTES: u32 = 20;
pub const DEFAULT_MAX_CONCURRENT_PERCENTAGE: u32 = 25;
pub const DEFAULT_FAILURE_TOLERANCE_PERCENTAGE: u32 = 10;
pub const MAX_PERCENTAGE: u32 = 100;
/// Shell profiles run on every session start; this keeps them short.
pub const MAX_SHELL_PROFILE_CHARS: usize = 4096;
/// Object Lock allows at most 100 years of default retention.
pub const MAX_LOCK_YEARS: u32 = 100;

impl Default for Settings {
    fn default() -> Self {
        super::raw::RawConfig::default()
            .resolve()
            .expect("the built-in defaults are valid")
    }
}
