//! The opt-in guardrail: a service control policy on the rollout's OUs that
//! keeps member administrators from switching logging off: no changes to
//! the preferences document, to smlog's policies and their attachments, or
//! to the member stack and its handler, or to the session log group, except
//! by the StackSet's execution role and smlog's own handler roles. For the
//! management account.

use super::handler::{FUNCTION_NAME, ROLE_PATH};
use super::rollout::ORGANIZATIONAL_UNIT_IDS;
use super::{finish, PREFERENCES_CHANGES};
use crate::cfn::organizations::Policy;
use crate::cfn::{Expr, Output, Parameter, PolicyDocument, Statement, Template, Value};
use crate::config::Settings;
use crate::error::Result;
use crate::names::logical::GUARDRAIL;
use crate::names::resource;
use crate::plan::Plan;

pub const POLICY_NAME: &str = "smlog-session-logging-guardrail";
/// The roles service-managed StackSets deploy member stacks with.
const STACKSET_EXECUTION_ROLES: &str = "role/stacksets-exec-*";

fn arn(service_and_resource: &str) -> Value<String> {
    Value::sub(format!("arn:${{AWS::Partition}}:{service_and_resource}"))
}

/// Everyone but the StackSet's execution role and smlog's handler roles.
fn unless_smlog(statement: Statement) -> Statement {
    statement.condition(
        "ArnNotLike",
        "aws:PrincipalArn",
        Expr::List(vec![
            arn(&format!("iam::*:{STACKSET_EXECUTION_ROLES}")).into(),
            arn(&format!("iam::*:role{ROLE_PATH}*")).into(),
        ]),
    )
}

pub fn policy_document(settings: &Settings) -> PolicyDocument {
    let policies = || {
        [resource::AGENT_POLICY, resource::OPERATOR_POLICY]
            .map(|name| arn(&format!("iam::*:policy/{name}")))
    };
    // StackSet instances are named StackSet-<stack set name>-<id>, and so
    // are the resources CloudFormation names for them.
    let member_stacks = format!("StackSet-{}-*", settings.rollout.stack_set_name);
    let mut statements = vec![
        unless_smlog(
            Statement::deny("ProtectLoggingPreferences")
                .actions(&PREFERENCES_CHANGES)
                .resource(arn(&format!(
                    "ssm:*:*:document/{}",
                    resource::PREFERENCES_DOCUMENT
                ))),
        ),
        unless_smlog(
            Statement::deny("ProtectSmlogPolicies")
                .actions(&[
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicy",
                    "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                ])
                .resources(policies()),
        ),
        // DetachRolePolicy acts on the role; the policy is in its request.
        unless_smlog(
            Statement::deny("KeepSmlogPoliciesAttached")
                .actions(&["iam:DetachRolePolicy"])
                .resource(arn("iam::*:role/*"))
                .condition(
                    "ArnLike",
                    "iam:PolicyARN",
                    Expr::List(policies().map(Expr::from).to_vec()),
                ),
        ),
        unless_smlog(
            Statement::deny("ProtectMemberStack")
                .actions(&[
                    "cloudformation:DeleteStack",
                    "cloudformation:UpdateStack",
                    "cloudformation:CreateChangeSet",
                    "cloudformation:ExecuteChangeSet",
                ])
                .resource(arn(&format!("cloudformation:*:*:stack/{member_stacks}"))),
        ),
        unless_smlog(
            Statement::deny("ProtectHandler")
                .actions(&[
                    "lambda:DeleteFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:RemovePermission",
                    "events:DeleteRule",
                    "events:DisableRule",
                    "events:RemoveTargets",
                    "events:PutTargets",
                ])
                .resources([
                    arn(&format!("lambda:*:*:function:{FUNCTION_NAME}")),
                    arn(&format!("events:*:*:rule/{member_stacks}")),
                ]),
        ),
        unless_smlog(
            // CreateRole too: a role made under smlog's path would be exempt.
            Statement::deny("ProtectHandlerRoles")
                .actions(&[
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:DeleteRolePolicy",
                    "iam:PutRolePolicy",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:AttachRolePolicy",
                ])
                .resource(arn(&format!("iam::*:role{ROLE_PATH}*"))),
        ),
    ];
    if let Some(cloudwatch) = &settings.cloudwatch {
        let group = format!("logs:*:*:log-group:{}", cloudwatch.log_group_name);
        statements.push(unless_smlog(
            Statement::deny("ProtectSessionLogGroup")
                .actions(&[
                    "logs:DeleteLogGroup",
                    "logs:DisassociateKmsKey",
                    "logs:DeleteRetentionPolicy",
                    "logs:PutRetentionPolicy",
                ])
                .resources([arn(&group), arn(&format!("{group}:*"))]),
        ));
    }
    PolicyDocument::new(statements)
}

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog guardrail: a service control policy that keeps member administrators from switching Session Manager logging off",
    );
    let ous = &settings.rollout.organizational_unit_ids;
    template.parameter(
        ORGANIZATIONAL_UNIT_IDS,
        Parameter::list("The rollout's OUs (or the root), which the guardrail is attached to")
            .default_opt(
                (!ous.is_empty())
                    .then(|| ous.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(",")),
            ),
    );
    template.resource(
        GUARDRAIL,
        Policy {
            name: POLICY_NAME.to_owned(),
            description:
                "smlog: only the StackSet and smlog's handler change Session Manager logging"
                    .to_owned(),
            policy_type: "SERVICE_CONTROL_POLICY".to_owned(),
            target_ids: Value::reference(ORGANIZATIONAL_UNIT_IDS),
            content: policy_document(settings),
        },
    );
    template.output(
        "GuardrailPolicyId",
        Output::new("The service control policy", Value::reference(GUARDRAIL)),
    );
    finish(template, "guardrail")
}
