//! The Session Manager logging domain: pure functions from checked settings
//! to templates. Nothing here reads files, renders text or checks rules.

pub mod attachments;
pub mod central;
pub mod cloudwatch;
pub mod endpoints;
pub mod existing;
pub mod guardrail;
pub mod handler;
pub mod member;
pub mod operators;
pub mod permission_set;
pub mod preferences;
pub mod replica;
pub mod rollout;
pub mod session_key;

use crate::cfn::kms::Key;
use crate::cfn::{
    DanglingReference, PolicyDocument, Principal, Resource, Statement, Template, Value,
};
use crate::error::Error;

/// Logical ids that more than one module names (the stacks, `explain`,
/// `verify`, the tests). The guard rules name some of them too.
pub mod ids {
    // Central stack.
    pub const BUCKET_KEY: &str = "BucketKey";
    pub const BUCKET_KEY_ALIAS: &str = "BucketKeyAlias";
    pub const SESSION_KEY: &str = "SessionKey";
    pub const SESSION_KEY_ALIAS: &str = "SessionKeyAlias";
    pub const SESSION_KEY_REPLICA: &str = "SessionKeyReplica";
    /// With `keys: one`, the single key that serves both purposes.
    pub const LOGGING_KEY: &str = "LoggingKey";
    pub const LOGGING_KEY_ALIAS: &str = "LoggingKeyAlias";
    pub const LOG_BUCKET: &str = "LogBucket";
    pub const LOG_BUCKET_POLICY: &str = "LogBucketPolicy";
    /// With a replica: the role S3 replicates with.
    pub const REPLICATION_ROLE: &str = "ReplicationRole";
    // Member stack.
    pub const AGENT_POLICY: &str = "SessionLoggingAgentPolicy";
    pub const OPERATOR_POLICY: &str = "SessionOperatorPolicy";
    pub const PREFERENCES: &str = "SessionPreferences";
    /// A per-account session key has the central key's logical id.
    pub const MEMBER_SESSION_KEY: &str = SESSION_KEY;
    pub const LOG_GROUP: &str = "SessionLogGroup";
    pub const LOGS_KEY: &str = "SessionLogsKey";
    // Rollout stack.
    pub const STACK_SET: &str = "SessionLoggingStackSet";
    // Operator permission set.
    pub const PERMISSION_SET: &str = "OperatorPermissionSet";
    // Guardrail.
    pub const GUARDRAIL: &str = "SessionLoggingGuardrail";
}

/// Names shared by the central stack's outputs and the member stack's
/// parameters, so the one can be fed into the other without renaming.
pub mod wiring {
    pub const BUCKET_NAME: &str = "BucketName";
    pub const BUCKET_ARN: &str = "BucketArn";
    pub const BUCKET_KEY_ARN: &str = "BucketKeyArn";
    pub const SESSION_KEY_ARN: &str = "SessionKeyArn";
    /// With a multi-Region session key: its `mrk-` id and the central account.
    pub const SESSION_KEY_ID: &str = "SessionKeyId";
    pub const CENTRAL_ACCOUNT_ID: &str = "CentralAccountId";
}

/// The name of the Session Manager preferences document in every account and Region.
pub const PREFERENCES_DOCUMENT: &str = "SSM-SessionManagerRunShell";
/// Every call that changes the preferences document (guardrail and operator denies).
pub const PREFERENCES_CHANGES: [&str; 4] = [
    "ssm:CreateDocument",
    "ssm:UpdateDocument",
    "ssm:UpdateDocumentDefaultVersion",
    "ssm:DeleteDocument",
];

/// The alias of the session key, in the central account or in each member account.
pub const SESSION_KEY_ALIAS_NAME: &str = "alias/session-manager-logs/session";

/// Service principals that are the same in every partition (aws, aws-cn,
/// aws-us-gov), as AWS CDK's standardized service principals have them. The
/// only `amazonaws.com` smlog writes literally; regional principals and
/// endpoints use `${AWS::URLSuffix}`.
pub const LAMBDA_PRINCIPAL: &str = "lambda.amazonaws.com";
pub const EVENTS_PRINCIPAL: &str = "events.amazonaws.com";

/// The role Default Host Management Configuration uses when an instance
/// profile cannot call `ssm:UpdateInstanceInformation`.
pub const DHMC_ROLE_NAME: &str = "AWSSystemsManagerDefaultEC2InstanceManagementRole";

/// Whose resources an identity policy names: those of the account its stack
/// is in, or, for an Identity Center permission set assigned to many
/// accounts, those of whichever account the role it becomes lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    ThisAccount,
    AssignedAccount,
}

impl Holder {
    /// The account part of the ARNs the policy names.
    pub fn account(self) -> &'static str {
        match self {
            Holder::ThisAccount => "${AWS::AccountId}",
            // A role only ever reaches its own account's instances and sessions.
            Holder::AssignedAccount => "*",
        }
    }
}

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

/// A finished template: every reference resolves, or smlog has a bug.
pub(crate) fn finish(template: Template, name: &str) -> crate::error::Result<Template> {
    template.verified().map_err(|dangling: DanglingReference| {
        Error::Internal(format!(
            "the {name} template has a dangling reference: {dangling}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::kms::Alias;

    #[test]
    fn a_template_with_a_dangling_reference_does_not_leave_the_builder() {
        let mut template = Template::new("d");
        template.resource(
            "Alias",
            Alias {
                alias_name: "alias/x".into(),
                target_key_id: Value::reference("KeyThatIsNotThere"),
            },
        );
        let error = finish(template, "test").unwrap_err();
        assert_eq!(error.exit_code(), crate::error::exit::INTERNAL);
        assert_eq!(
            error.to_string(),
            "internal error: the test template has a dangling reference: Resources.Alias: Ref names \"KeyThatIsNotThere\", which the template does not define"
        );
    }
}
