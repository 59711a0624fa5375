//! The member stack, deployed by a StackSet to every account and Region: the
//! agent's IAM policy and the Session Manager preferences.

use super::ids::{AGENT_POLICY, PREFERENCES};
use super::preferences::{self, SessionDocument};
use super::{cloudwatch, operators, session_key};
use super::{finish, holding_data, wiring, DHMC_ROLE_NAME, PREFERENCES_DOCUMENT};
use crate::cfn::custom::CustomResource;
use crate::cfn::iam::{InlinePolicy, ManagedPolicy, Role};
use crate::cfn::lambda::{Code, Function, LogGroup};
use crate::cfn::ssm::Document;
use crate::cfn::{
    Expr, Intrinsic, Parameter, PolicyDocument, Principal, Pseudo, Statement, Template, Value,
};
use crate::config::{PreferencesMode, Settings};
use crate::error::Result;
use crate::ids::{AccountId, BucketName, KmsKeyArn, Region};

pub const AGENT_ROLE_NAMES: &str = "AgentRoleNames";
pub const ATTACH_DHMC_ROLE: &str = "AttachToDefaultHostManagementRole";
pub const IAM_REGION: &str = "IamRegion";
/// True in the one Region where account-global (IAM) resources are created.
const CREATE_ACCOUNT_RESOURCES: &str = "CreateAccountResources";
const HAS_AGENT_ROLES: &str = "HasAgentRoles";
const ATTACH_DHMC: &str = "AttachDhmcRole";
const PREFERENCES_FUNCTION: &str = "SessionPreferencesFunction";
const PREFERENCES_ROLE: &str = "SessionPreferencesFunctionRole";
const PREFERENCES_LOG_GROUP: &str = "SessionPreferencesFunctionLogs";
/// Lambda names are per Region, and one stack instance exists per account and Region.
pub const PREFERENCES_FUNCTION_NAME: &str = "smlog-session-preferences";
pub const HANDLER_SOURCE: &str = include_str!("preferences_handler.py");

pub fn build(settings: &Settings) -> Result<Template> {
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
    template.condition(HAS_AGENT_ROLES, Intrinsic::list_not_empty(AGENT_ROLE_NAMES));
    template.condition(
        ATTACH_DHMC,
        Intrinsic::equals(Intrinsic::reference(ATTACH_DHMC_ROLE), "true"),
    );

    template.resource(
        AGENT_POLICY,
        agent_policy(settings).when(CREATE_ACCOUNT_RESOURCES),
    );
    if let Some(operator_settings) = &settings.operators {
        operators::add(
            &mut template,
            settings,
            operator_settings,
            CREATE_ACCOUNT_RESOURCES,
        );
    }

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
    match settings.member.preferences {
        PreferencesMode::Native => {
            template.resource(PREFERENCES, holding_data(native_document(&document)))
        }
        PreferencesMode::Upsert => upsert_document(&mut template, &document),
    }
    finish(template, "member")
}

fn parameters(template: &mut Template, settings: &Settings) {
    let member = &settings.member;
    template.parameter(
        wiring::BUCKET_NAME,
        Parameter::string("Name of the central log bucket (central stack output BucketName)")
            .default_opt(settings.bucket.name.as_ref().map(|b| b.to_string()))
            .pattern(BucketName::PATTERN, BucketName::CONSTRAINT),
    );
    let key_arn = |description: &str, default: Option<String>| {
        Parameter::string(description)
            .default_opt(default)
            .pattern(KmsKeyArn::PATTERN, KmsKeyArn::CONSTRAINT)
    };
    template.parameter(
        wiring::BUCKET_KEY_ARN,
        key_arn(
            "ARN of the bucket's KMS key (central stack output BucketKeyArn)",
            member.bucket_key_arn.as_ref().map(|k| k.to_string()),
        ),
    );
    template.parameter(
        wiring::CENTRAL_ACCOUNT_ID,
        Parameter::string(
            "The central account, which owns the bucket (central stack output CentralAccountId)",
        )
        .default_opt(member.central_account_id.as_ref().map(|a| a.to_string()))
        .pattern(AccountId::PATTERN, AccountId::CONSTRAINT),
    );
    session_key::add(template, settings);
    template.parameter(
        AGENT_ROLE_NAMES,
        Parameter::list(
            "Names of existing instance-profile roles that get the logging policy; may be empty",
        )
        .default_value(
            member
                .agent_role_names
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
    );
    template.parameter(
        ATTACH_DHMC_ROLE,
        Parameter::string(format!(
            "Attach the logging policy to {DHMC_ROLE_NAME} (Default Host Management Configuration)"
        ))
        .default_value(member.default_host_management_role.to_string())
        .allowed(&["true", "false"]),
    );
    template.parameter(
        IAM_REGION,
        Parameter::string("The one Region in which this account's IAM policy is created")
            .default_value(member.iam_region.to_string())
            .pattern(Region::PATTERN, Region::CONSTRAINT),
    );
}

/// The roles the policy attaches to: the named roles, the DHMC role, both or none.
fn agent_roles() -> Value<Vec<String>> {
    let named = || Expr::from(Intrinsic::reference(AGENT_ROLE_NAMES));
    let named_and_dhmc = Intrinsic::Split {
        delimiter: ",".to_owned(),
        source: Intrinsic::Join {
            delimiter: ",".to_owned(),
            items: vec![
                Intrinsic::JoinList {
                    delimiter: ",".to_owned(),
                    list: named(),
                }
                .into(),
                DHMC_ROLE_NAME.into(),
            ],
        }
        .into(),
    };
    let no_value = || Expr::from(Intrinsic::pseudo(Pseudo::NoValue));
    Intrinsic::if_(
        HAS_AGENT_ROLES,
        Intrinsic::if_(ATTACH_DHMC, named_and_dhmc, named()),
        Intrinsic::if_(ATTACH_DHMC, vec![DHMC_ROLE_NAME], no_value()),
    )
    .into()
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
            Statement::allow("DecryptSessionData").actions(&["kms:Decrypt"]),
        ),
    ];
    if let Some(cloudwatch) = &settings.cloudwatch {
        statements.extend(cloudwatch::agent_statements(cloudwatch));
    }
    PolicyDocument::new(statements)
}

fn agent_policy(settings: &Settings) -> crate::cfn::Resource {
    ManagedPolicy {
        description:
            "smlog: lets the SSM Agent write encrypted Session Manager logs to the central bucket"
                .to_owned(),
        policy_document: agent_policy_document(settings),
        roles: Some(agent_roles()),
    }
    .into()
}

fn native_document(document: &SessionDocument) -> Document {
    Document {
        name: PREFERENCES_DOCUMENT.to_owned(),
        document_type: "Session".to_owned(),
        document_format: "JSON".to_owned(),
        content: document.to_json(),
        // A named document cannot be replaced in place; a new version at least does not fail.
        update_method: Some("NewVersion".to_owned()),
    }
}

fn document_arn() -> Value<String> {
    Value::sub(format!(
        "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:document/{PREFERENCES_DOCUMENT}"
    ))
}

fn upsert_document(template: &mut Template, document: &SessionDocument) {
    template.resource(
        PREFERENCES_LOG_GROUP,
        // Only the handler's own diagnostics: deleting it with the stack lets a
        // later instance in the same account and Region recreate it.
        crate::cfn::Resource::new(LogGroup {
            log_group_name: format!("/aws/lambda/{PREFERENCES_FUNCTION_NAME}").into(),
            retention_in_days: 90,
            kms_key_id: None,
        })
        .deleted(),
    );
    let role_policy = PolicyDocument::new(vec![
        Statement::allow("ManagePreferencesDocument")
            .actions(&[
                "ssm:DescribeDocument",
                "ssm:GetDocument",
                "ssm:CreateDocument",
                "ssm:UpdateDocument",
                "ssm:UpdateDocumentDefaultVersion",
            ])
            .resource(document_arn()),
        Statement::allow("WriteOwnLogs")
            .actions(&["logs:CreateLogStream", "logs:PutLogEvents"])
            .resource(Value::get_att(PREFERENCES_LOG_GROUP, "Arn")),
    ]);
    template.resource(
        PREFERENCES_ROLE,
        Role {
            description:
                "smlog: lets the preferences function manage SSM-SessionManagerRunShell only"
                    .to_owned(),
            assume_role_policy_document: PolicyDocument::new(vec![Statement::allow(
                "LambdaAssumesRole",
            )
            .principal(Principal::Service(vec![super::LAMBDA_PRINCIPAL.into()]))
            .actions(&["sts:AssumeRole"])]),
            policies: vec![InlinePolicy {
                policy_name: "session-preferences-document".to_owned(),
                policy_document: role_policy,
            }],
        },
    );
    template.resource(
        PREFERENCES_FUNCTION,
        Function {
            function_name: PREFERENCES_FUNCTION_NAME.to_owned(),
            description: "smlog: creates or updates SSM-SessionManagerRunShell and makes it the default version".to_owned(),
            runtime: "python3.12".to_owned(),
            handler: "index.handler".to_owned(),
            role: Value::get_att(PREFERENCES_ROLE, "Arn"),
            timeout: 60,
            memory_size: 128,
            code: Code {
                zip_file: HANDLER_SOURCE.to_owned(),
            },
        },
    );
    let mut preferences =
        CustomResource::new(PREFERENCES, Value::get_att(PREFERENCES_FUNCTION, "Arn"));
    preferences
        .properties
        .insert("DocumentName".to_owned(), PREFERENCES_DOCUMENT.into());
    preferences
        .properties
        .insert("Content".to_owned(), document.to_json());
    template.resource(PREFERENCES, preferences);
}
