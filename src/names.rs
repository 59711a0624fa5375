//! Every name smlog gives or matches, in one place: the logical ids of its
//! templates, the parameters and outputs that wire one stack into the next,
//! and the names of the AWS resources it creates or looks for. The stacks,
//! `explain`, `verify`, the tests and the guard rules all name them.

/// Logical ids of resources in smlog's templates.
pub mod logical {
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
    /// The log bucket's S3 server access log target, and its policy (in the
    /// replica stack too). The rules tell a target by this id: it takes
    /// SSE-S3, where every log bucket takes SSE-KMS.
    pub const ACCESS_LOG_BUCKET: &str = "AccessLogBucket";
    pub const ACCESS_LOG_BUCKET_POLICY: &str = "AccessLogBucketPolicy";
    /// With a replica: the role S3 replicates with.
    pub const REPLICATION_ROLE: &str = "ReplicationRole";
    // Member stack.
    pub const AGENT_POLICY: &str = "SessionLoggingAgentPolicy";
    pub const OPERATOR_POLICY: &str = "SessionOperatorPolicy";
    pub const PREFERENCES: &str = "SessionPreferences";
    /// A per-account session key has the central key's logical id.
    pub const MEMBER_SESSION_KEY: &str = SESSION_KEY;
    pub const LOGS_KEY: &str = "SessionLogsKey";
    pub const LOGS_KEY_ALIAS: &str = "SessionLogsKeyAlias";
    // Rollout stack.
    pub const STACK_SET: &str = "SessionLoggingStackSet";
    pub const REGIONAL_STACK_SET: &str = "SessionLoggingRegionalStackSet";
    // Operator permission set.
    pub const PERMISSION_SET: &str = "OperatorPermissionSet";
    // Guardrail.
    pub const GUARDRAIL: &str = "SessionLoggingGuardrail";
    // Audit policies.
    pub const AUDIT_POLICY: &str = "SessionAuditPolicy";
    pub const AUDIT_MEMBER_POLICY: &str = "SessionAuditMemberPolicy";
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

/// Names of AWS resources smlog creates or finds in every account.
pub mod resource {
    /// The Session Manager preferences document in every account and Region.
    pub const PREFERENCES_DOCUMENT: &str = "SSM-SessionManagerRunShell";
    /// The alias of the session key, in the central account or in each member account.
    pub const SESSION_KEY_ALIAS: &str = "alias/session-manager-logs/session";
    /// Fixed names, so account baselines (Control Tower customisations,
    /// Terraform, permission boundaries) can name the policies.
    pub const AGENT_POLICY: &str = "smlog-session-manager-agent";
    pub const OPERATOR_POLICY: &str = "smlog-session-manager-operator";
    /// `smlog audit`'s reads: for whoever runs it, and for the role it
    /// assumes in each account (`AUDIT_ROLE` unless told otherwise).
    pub const AUDIT_POLICY: &str = "smlog-session-audit";
    pub const AUDIT_MEMBER_POLICY: &str = "smlog-session-audit-member";
    pub const AUDIT_ROLE: &str = "smlog-session-auditor";
    /// The role Default Host Management Configuration uses when an instance
    /// profile cannot call `ssm:UpdateInstanceInformation`.
    pub const DHMC_ROLE: &str = "AWSSystemsManagerDefaultEC2InstanceManagementRole";
    /// The SSM parameters the controller publishes in every Region (the agent
    /// policy's ARN, the bucket, the Region's session key, the log group),
    /// for account baselines to read instead of hard-coding them.
    pub const PARAMETER_PREFIX: &str = "/smlog/";
    /// The tag just-in-time node access and RDP recording require on every
    /// key they use (`aws:ResourceTag` in AWS's managed token policies).
    pub const JUST_IN_TIME_TAG: (&str, &str) =
        ("SystemsManagerJustInTimeNodeAccessManaged", "true");
}

/// Service principals that are the same in every partition (aws, aws-cn,
/// aws-us-gov), as AWS CDK's standardized service principals have them. The
/// only `amazonaws.com` smlog writes literally; regional principals and
/// endpoints use `${AWS::URLSuffix}`.
pub mod principal {
    pub const LAMBDA: &str = "lambda.amazonaws.com";
    pub const EVENTS: &str = "events.amazonaws.com";
    pub const S3: &str = "s3.amazonaws.com";
    /// Fleet Manager's Remote Desktop (GUI Connect), as `aws:CalledVia` names it.
    pub const GUI_CONNECT: &str = "ssm-guiconnect.amazonaws.com";
    /// IAM, as CloudTrail's events name their source (`eventSource`).
    pub const IAM_EVENT_SOURCE: &str = "iam.amazonaws.com";
    /// S3 server access log delivery.
    pub const S3_LOGGING: &str = "logging.s3.amazonaws.com";
}
