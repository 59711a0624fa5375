//! The Session Manager logging domain: pure functions from checked settings to templates.

pub mod central;
pub mod cloudwatch;
pub mod member;
pub mod multi_region;
pub mod operators;
pub mod preferences;
pub mod rollout;
pub mod session_key;

use crate::cfn::kms::Key;
use crate::cfn::{PolicyDocument, Principal, Resource, Statement, Template, Value};
use crate::config::Settings;

/// Names shared by the central stack's outputs and the member stack's
/// parameters, so the one can be fed into the other without renaming.
pub mod wiring {
    pub const BUCKET_NAME: &str = "BucketName";
    pub const BUCKET_ARN: &str = "BucketArn";
    pub const BUCKET_KEY_ARN: &str = "BucketKeyArn";
    pub const SESSION_KEY_ARN: &str = "SessionKeyArn";
}

/// The name of the Session Manager preferences document in every account and Region.
pub const PREFERENCES_DOCUMENT: &str = "SSM-SessionManagerRunShell";

/// The alias of the session key, in the central account or in each member account.
pub const SESSION_KEY_ALIAS: &str = "alias/session-manager-logs/session";

/// The role Default Host Management Configuration uses when an instance
/// profile cannot call `ssm:UpdateInstanceInformation`.
pub const DHMC_ROLE_NAME: &str = "AWSSystemsManagerDefaultEC2InstanceManagementRole";

/// Keeps the key's own account (and so its IAM policies) in control of a key.
pub(crate) fn root_administration() -> Statement {
    Statement::allow("EnableAccountAdministration")
        .principal(Principal::Aws(vec![Value::sub(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
        )]))
        .actions(&["kms:*"])
        .resource("*")
}

/// A symmetric customer-managed key with rotation on and a 30-day deletion window.
pub(crate) fn rotated_key(description: &str, statements: Vec<Statement>) -> Key {
    Key {
        description: description.to_owned(),
        enable_key_rotation: true,
        rotation_period_in_days: None,
        pending_window_in_days: Some(30),
        multi_region: None,
        key_policy: PolicyDocument::new(statements),
    }
}

/// A resource that holds data (logs, keys, preferences) outlives its stack.
pub(crate) fn holding_data(resource: impl Into<Resource>) -> Resource {
    resource.into().retained()
}

/// Every artefact smlog synthesizes, by target name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Central,
    Member,
    Rollout,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Central, Target::Member, Target::Rollout];

    pub fn name(self) -> &'static str {
        match self {
            Target::Central => "central",
            Target::Member => "member",
            Target::Rollout => "rollout",
        }
    }

    /// Where the artefact lives in the repository layout (`synth all --out-dir`).
    pub fn path(self) -> &'static str {
        match self {
            Target::Central => "templates/central.yaml",
            Target::Member => "stacksets/member.yaml",
            Target::Rollout => "stacksets/rollout.yaml",
        }
    }

    pub fn build(self, settings: &Settings) -> crate::error::Result<Template> {
        match self {
            Target::Central => Ok(central::build(settings)),
            Target::Member => Ok(member::build(settings)),
            Target::Rollout => rollout::build(settings),
        }
    }
}
