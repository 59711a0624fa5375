//! The member stack, deployed by a StackSet to every account and Region: the
//! agent's IAM policy and its attachments (in one Region: IAM is global), the
//! handler that serves them, and the Session Manager preferences, written
//! only once the agent policy exists and removed (or restored) before it goes.

use super::attachments::{self, AGENT_POLICY_READY};
use super::preferences::{self, SessionDocument};
use super::{cloudwatch, handler, operators, session_key};
use super::{finish, Holder};
use crate::cfn::iam::ManagedPolicy;
use crate::cfn::ssm::Document;
use crate::cfn::{
    Intrinsic, Parameter, PolicyDocument, Pseudo, Resource, Statement, Template, Value,
};
use crate::config::{PreferencesMode, Settings};
use crate::error::Result;
use crate::ids::{AccountId, BucketName, KmsKeyArn, Region};
use crate::names::logical::{AGENT_POLICY, OPERATOR_POLICY, PREFERENCES};
use crate::names::{resource, wiring};
use crate::plan::Plan;

pub const IAM_REGION: &str = "IamRegion";
/// True in the one Region where account-global (IAM) resources are created.
const CREATE_ACCOUNT_RESOURCES: &str = "CreateAccountResources";

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog member stack: IAM policy for the SSM Agent and Session Manager preferences that log to the central bucket",
    );
    parameters(&mut template, settings);
    template.condition(
        CREATE_ACCOUNT_RESOURCES,
        Intrinsic::equals(
            Intrinsic::pseudo(Pseudo::Region),
            Intrinsic::reference(IAM_REGION),
        ),
    );

    template.resource(
        AGENT_POLICY,
        Resource::new(agent_policy(settings)).when(CREATE_ACCOUNT_RESOURCES),
    );
    if let Some(operator_settings) = &settings.operators {
        operators::add(
            &mut template,
            settings,
            operator_settings,
            CREATE_ACCOUNT_RESOURCES,
        );
    }
    let cloudwatch_statements = settings
        .cloudwatch
        .as_ref()
        .map(cloudwatch::handler_statements);
    handler::add(&mut template, cloudwatch_statements.unwrap_or_default());
    attachments::add(
        &mut template,
        AGENT_POLICY,
        settings
            .operators
            .as_ref()
            .map(|_| (OPERATOR_POLICY, operators::OPERATOR_ROLE_NAMES)),
        CREATE_ACCOUNT_RESOURCES,
    );
    attachments::ready(&mut template, CREATE_ACCOUNT_RESOURCES);

    session_key::resources(&mut template, settings);
    let log_group = settings
        .cloudwatch
        .as_ref()
        .map(|cloudwatch| cloudwatch::add(&mut template, cloudwatch));
    let document = preferences::document(
        settings,
        Value::reference(wiring::BUCKET_NAME),
        session_key::arn(settings),
        log_group,
    );
    // Written only once the agent policy exists; deleted (or restored) first
    // on removal, so preferences never point at a bucket the account's
    // nodes can no longer write.
    let preferences = match settings.member.preferences {
        PreferencesMode::Native => Resource::new(native_document(&document)).deleted(),
        PreferencesMode::Upsert => Resource::new(
            handler::custom_resource(PREFERENCES)
                .with("DocumentName", resource::PREFERENCES_DOCUMENT)
                .with("Content", document.to_json()),
        ),
    };
    template.resource(PREFERENCES, preferences.depends_on(AGENT_POLICY_READY));
    finish(template, "member")
}

fn parameters(template: &mut Template, settings: &Settings) {
    let member = &settings.member;
    template.parameter(
        wiring::BUCKET_NAME,
        Parameter::string("Name of the central log bucket (central stack output BucketName)")
            .default_opt(settings.bucket.name().map(|b| b.to_string()))
            .pattern(BucketName::PATTERN, BucketName::CONSTRAINT),
    );
    template.parameter(
        wiring::BUCKET_KEY_ARN,
        Parameter::string("ARN of the bucket's KMS key (central stack output BucketKeyArn)")
            .default_opt(member.bucket_key_arn.as_ref().map(|k| k.to_string()))
            .pattern(KmsKeyArn::PATTERN, KmsKeyArn::CONSTRAINT),
    );
    template.parameter(
        wiring::CENTRAL_ACCOUNT_ID,
        Parameter::string(
            "The central account, which owns the bucket (central stack output CentralAccountId)",
        )
        .default_opt(member.central_account_id.as_ref().map(|a| a.to_string()))
        .pattern(AccountId::PATTERN, AccountId::CONSTRAINT),
    );
    session_key::parameters(template, settings);
    attachments::parameters(template, &member.attach);
    template.parameter(
        IAM_REGION,
        Parameter::string("The one Region in which this account's IAM resources are created")
            .default_value(member.iam_region.to_string())
            .pattern(Region::PATTERN, Region::CONSTRAINT),
    );
}

/// Exactly what the agent needs to upload logs into this account's prefix
/// (and into the log group, when there is one).
fn agent_policy_document(settings: &Settings) -> PolicyDocument {
    // Bucket names are global and can be re-registered by anyone once
    // deleted: only the central account's bucket receives the logs.
    let owned_by_central_account = |statement: Statement| {
        statement.condition(
            "StringEquals",
            "s3:ResourceAccount",
            Intrinsic::reference(wiring::CENTRAL_ACCOUNT_ID),
        )
    };
    let mut statements = vec![
        owned_by_central_account(
            Statement::allow("WriteSessionLogsToOwnPrefix")
                .actions(&["s3:PutObject", "s3:PutObjectAcl"])
                .resource(Value::sub(format!(
                    "arn:${{AWS::Partition}}:s3:::${{{}}}/${{AWS::AccountId}}/*",
                    wiring::BUCKET_NAME
                ))),
        ),
        owned_by_central_account(
            Statement::allow("ReadBucketEncryption")
                .actions(&["s3:GetEncryptionConfiguration"])
                .resource(Value::sub(format!(
                    "arn:${{AWS::Partition}}:s3:::${{{}}}",
                    wiring::BUCKET_NAME
                ))),
        ),
        Statement::allow("UseBucketKey")
            .actions(&["kms:GenerateDataKey", "kms:Decrypt"])
            .resource(Value::reference(wiring::BUCKET_KEY_ARN)),
        session_key::grant(
            settings,
            Holder::ThisAccount,
            Statement::allow("DecryptSessionData").actions(&["kms:Decrypt"]),
        ),
    ];
    if let Some(cloudwatch) = &settings.cloudwatch {
        statements.extend(cloudwatch::agent_statements(cloudwatch));
    }
    PolicyDocument::new(statements)
}

fn agent_policy(settings: &Settings) -> ManagedPolicy {
    ManagedPolicy {
        managed_policy_name: Some(resource::AGENT_POLICY.to_owned()),
        description:
            "smlog: lets the SSM Agent write encrypted Session Manager logs to the central bucket"
                .to_owned(),
        policy_document: agent_policy_document(settings),
        roles: None,
    }
}

fn native_document(document: &SessionDocument) -> Document {
    Document {
        name: resource::PREFERENCES_DOCUMENT.to_owned(),
        document_type: "Session".to_owned(),
        document_format: "JSON".to_owned(),
        content: document.to_json(),
        // A named document cannot be replaced in place; a new version at least does not fail.
        update_method: Some("NewVersion".to_owned()),
    }
}
