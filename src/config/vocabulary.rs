//! The words the configuration file and the checked settings share: the
//! enumerated choices, their defaults and the limits values must keep.

use schemars::JsonSchema;
use serde::Deserialize;

/// How many KMS keys the central stack creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyMode {
    /// One key encrypts the bucket and the session data.
    One,
    /// A bucket key (used only through S3) and a separate session key.
    #[default]
    Two,
}

/// Where the key that encrypts session data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KeyPlacement {
    /// One key in the central account (multi-Region when the rollout spans Regions).
    #[default]
    Central,
    /// A key per member account and Region, created by the member stack.
    PerAccount,
}

/// Which account drives the StackSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
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

/// S3 Object Lock retention modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum LockMode {
    /// Users with s3:BypassGovernanceRetention may still delete early.
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
pub const DEFAULT_MAX_CONCURRENT_PERCENTAGE: u32 = 100;
pub const DEFAULT_FAILURE_TOLERANCE_PERCENTAGE: u32 = 10;
pub const MAX_PERCENTAGE: u32 = 100;
/// Shell profiles run on every session start; this keeps them short, and
/// both fit the controller's environment (4 KB for all its variables).
pub const MAX_SHELL_PROFILE_CHARS: usize = 512;
pub const DEFAULT_REPAIR_INTERVAL_HOURS: u32 = 6;
pub const MAX_REPAIR_INTERVAL_HOURS: u32 = 24;
/// Object Lock allows at most 100 years of default retention.
pub const MAX_LOCK_YEARS: u32 = 100;
