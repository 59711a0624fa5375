//! The member stack's one Lambda function (`handler.py`), in every Region,
//! and its role: it attaches smlog's policies to roles, holds the preferences
//! back until the agent policy exists, and writes (and on delete restores)
//! the preferences. Its custom resources fail within minutes, not an hour.

use crate::cfn::custom::CustomResource;
use crate::cfn::iam::{InlinePolicy, Role};
use crate::cfn::lambda::{Code, Function, LogGroup};
use crate::cfn::{PolicyDocument, Principal, Resource, Statement, Template, Value};
use crate::names::{principal, resource};

pub const FUNCTION: &str = "SmlogHandler";
const ROLE: &str = "SmlogHandlerRole";
const LOG_GROUP: &str = "SmlogHandlerLogs";
/// Lambda names are per Region, and one stack instance exists per account and Region.
pub const FUNCTION_NAME: &str = "smlog-session-logging";
/// Roles smlog creates live under this path, so a guardrail can exempt them.
pub const ROLE_PATH: &str = "/smlog/";
pub const SOURCE: &str = include_str!("handler.py");
/// The function's own limit; waiting for the agent policy takes most of it.
const TIMEOUT_SECONDS: u32 = 600;
/// CloudFormation gives up on a custom resource after this, not after an hour.
pub const SERVICE_TIMEOUT_SECONDS: u32 = TIMEOUT_SECONDS + 60;

/// An IAM policy ARN of this account, by its fixed name.
pub fn policy_arn(name: &str) -> Value<String> {
    Value::sub(format!(
        "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{name}"
    ))
}

fn document_arn() -> Value<String> {
    Value::sub(format!(
        "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:document/{}",
        resource::PREFERENCES_DOCUMENT
    ))
}

/// Exactly the calls `handler.py` makes; `extra` for the optional resources it serves.
fn role_policy(extra: Vec<Statement>) -> PolicyDocument {
    let policies = || {
        [resource::AGENT_POLICY, resource::OPERATOR_POLICY]
            .into_iter()
            .map(policy_arn)
    };
    PolicyDocument::new(
        vec![
            Statement::allow("ManagePreferencesDocument")
                .actions(&[
                    "ssm:DescribeDocument",
                    "ssm:GetDocument",
                    "ssm:CreateDocument",
                    "ssm:UpdateDocument",
                    "ssm:UpdateDocumentDefaultVersion",
                ])
                .resource(document_arn()),
            Statement::allow("FindSmlogPolicies")
                .actions(&["iam:GetPolicy", "iam:ListEntitiesForPolicy"])
                .resources(policies()),
            // No resource type in the IAM service reference: only "*" matches it.
            Statement::allow("FindRoles")
                .actions(&["iam:ListInstanceProfiles"])
                .resource("*"),
            Statement::allow("ReadRoles")
                .actions(&["iam:GetRole"])
                .resource(Value::sub(
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*",
                )),
            // Any role, but only smlog's two policies.
            Statement::allow("AttachSmlogPoliciesOnly")
                .actions(&["iam:AttachRolePolicy", "iam:DetachRolePolicy"])
                .resource(Value::sub(
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*",
                ))
                .condition(
                    "ArnEquals",
                    "iam:PolicyARN",
                    policies().map(crate::cfn::Expr::from).collect::<Vec<_>>(),
                ),
            Statement::allow("WriteOwnLogs")
                .actions(&["logs:CreateLogStream", "logs:PutLogEvents"])
                .resource(Value::get_att(LOG_GROUP, "Arn")),
        ]
        .into_iter()
        .chain(extra)
        .collect(),
    )
}

/// The function, its role (with `extra` statements) and its log group.
pub fn add(template: &mut Template, extra: Vec<Statement>) {
    template.resource(
        LOG_GROUP,
        // Only the handler's own diagnostics: deleting it with the stack lets a
        // later instance in the same account and Region recreate it.
        Resource::new(LogGroup {
            log_group_name: format!("/aws/lambda/{FUNCTION_NAME}").into(),
            retention_in_days: 90,
            kms_key_id: None,
        })
        .deleted(),
    );
    template.resource(
        ROLE,
        Role {
            path: Some(ROLE_PATH.to_owned()),
            description: "smlog: lets the handler attach smlog's policies and manage SSM-SessionManagerRunShell".to_owned(),
            assume_role_policy_document: PolicyDocument::new(vec![Statement::allow(
                "LambdaAssumesRole",
            )
            .principal(Principal::Service(vec![principal::LAMBDA.into()]))
            .actions(&["sts:AssumeRole"])]),
            policies: vec![InlinePolicy {
                policy_name: "smlog-handler".to_owned(),
                policy_document: role_policy(extra),
            }],
        },
    );
    template.resource(
        FUNCTION,
        Function {
            function_name: FUNCTION_NAME.to_owned(),
            description: "smlog: attaches smlog's policies, waits for the agent policy, writes the Session Manager preferences".to_owned(),
            runtime: "python3.12".to_owned(),
            handler: "index.handler".to_owned(),
            role: Value::get_att(ROLE, "Arn"),
            timeout: TIMEOUT_SECONDS,
            memory_size: 128,
            code: Code {
                zip_file: SOURCE.to_owned(),
            },
        },
    );
}

/// A custom resource the handler serves (`Custom::<type_suffix>`).
pub fn custom_resource(type_suffix: &str) -> CustomResource {
    CustomResource::new(type_suffix, Value::get_att(FUNCTION, "Arn"))
        .with("ServiceTimeout", SERVICE_TIMEOUT_SECONDS)
}
