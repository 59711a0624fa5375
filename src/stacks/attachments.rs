//! Which roles get smlog's policies, and keeping it so. In the IAM Region a
//! custom resource attaches the agent policy to every role in an instance
//! profile, to the named roles that exist and to the Default Host Management
//! role; what cannot take it is skipped and reported, never a stack failure.
//! A schedule repeats that, so roles added later get the policy too. In every
//! Region, a readiness resource holds the preferences back until the policy
//! exists.

use super::handler;
use crate::cfn::events::{Rule, Target};
use crate::cfn::lambda::Permission;
use crate::cfn::template::Assertion;
use crate::cfn::{Expr, Intrinsic, Output, Parameter, Pseudo, Resource, Template, Value};
use crate::config::Attachment;
use crate::names::{principal, resource};

pub const ATTACH_INSTANCE_PROFILE_ROLES: &str = "AttachToInstanceProfileRoles";
pub const AGENT_ROLE_NAMES: &str = "AgentRoleNames";
pub const ATTACH_DHMC_ROLE: &str = "AttachToDefaultHostManagementRole";

pub const AGENT_POLICY_ATTACHMENTS: &str = "AgentPolicyAttachments";
pub const OPERATOR_POLICY_ATTACHMENTS: &str = "OperatorPolicyAttachments";
pub const AGENT_POLICY_READY: &str = "AgentPolicyReady";
const SCHEDULE: &str = "AttachmentSchedule";
const SCHEDULE_PERMISSION: &str = "AttachmentSchedulePermission";
/// How soon a role created later gets the agent policy. IAM's own events
/// reach EventBridge only in us-east-1 and only with a CloudTrail trail; a
/// schedule works in every IAM Region and also repairs a detached policy.
const RECONCILE_RATE: &str = "rate(15 minutes)";

fn flag(value: bool) -> String {
    value.to_string()
}

/// The attach paths, as parameters a StackSet override can change.
pub fn parameters(template: &mut Template, attach: &Attachment) {
    template.parameter(
        ATTACH_INSTANCE_PROFILE_ROLES,
        Parameter::string(
            "Attach the agent policy to every role in an instance profile, including roles added later",
        )
        .default_value(flag(attach.instance_profile_roles))
        .allowed(&["true", "false"]),
    );
    template.parameter(
        AGENT_ROLE_NAMES,
        Parameter::list(
            "Roles that get the agent policy where they exist (names, not ARNs); may be empty",
        )
        .default_value(
            attach
                .role_names
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
    );
    template.parameter(
        ATTACH_DHMC_ROLE,
        Parameter::string(format!(
            "Attach the agent policy to {} (Default Host Management Configuration) where it exists",
            resource::DHMC_ROLE
        ))
        .default_value(flag(attach.default_host_management_role))
        .allowed(&["true", "false"]),
    );
    let is_true = |parameter: &str| Intrinsic::equals(Intrinsic::reference(parameter), "true");
    template.rule(
        "AgentPolicyReachesARole",
        crate::cfn::Rule {
            assertions: vec![Assertion {
                assert: Intrinsic::Or(vec![
                    is_true(ATTACH_INSTANCE_PROFILE_ROLES),
                    is_true(ATTACH_DHMC_ROLE),
                    Intrinsic::negate(Intrinsic::EachMemberEquals(
                        Intrinsic::reference(AGENT_ROLE_NAMES).into(),
                        "".into(),
                    )),
                ]),
                assert_description: "Some role must get the agent policy: with encryption on, sessions on nodes whose role lacks it fail".to_owned(),
            }],
        },
    );
}

/// The attachments of a policy, as the handler reads them.
fn attachments(
    policy: &str,
    instance_profile_roles: Value<String>,
    role_names: &str,
    dhmc: Value<String>,
) -> crate::cfn::custom::CustomResource {
    handler::custom_resource("PolicyAttachments")
        .with("PolicyArn", Value::<String>::reference(policy))
        .with("InstanceProfileRoles", instance_profile_roles)
        .with("RoleNames", Value::<String>::reference(role_names))
        .with("DefaultHostManagementRole", dhmc)
}

/// The agent policy's attachments, their schedule and the report outputs
/// (all in the IAM Region); and the operator policy's, when there is one.
pub fn add(
    template: &mut Template,
    agent_policy: &str,
    operators: Option<(&str, &str)>,
    iam_condition: &str,
) {
    template.resource(
        AGENT_POLICY_ATTACHMENTS,
        Resource::new(attachments(
            agent_policy,
            Value::reference(ATTACH_INSTANCE_PROFILE_ROLES),
            AGENT_ROLE_NAMES,
            Value::reference(ATTACH_DHMC_ROLE),
        ))
        .when(iam_condition),
    );
    if let Some((operator_policy, operator_roles)) = operators {
        template.resource(
            OPERATOR_POLICY_ATTACHMENTS,
            Resource::new(attachments(
                operator_policy,
                "false".into(),
                operator_roles,
                "false".into(),
            ))
            .when(iam_condition),
        );
    }
    let reconcile = |policy: &str, instance_profile_roles: Expr, roles: &str, dhmc: Expr| {
        Value::from(Intrinsic::SubWith {
            template: r#"{"Reconcile": {"PolicyArn": "${Policy}", "InstanceProfileRoles": "${InstanceProfileRoles}", "RoleNames": "${RoleNames}", "DefaultHostManagementRole": "${Dhmc}"}}"#.to_owned(),
            variables: [
                ("Policy".to_owned(), Intrinsic::reference(policy).into()),
                ("InstanceProfileRoles".to_owned(), instance_profile_roles),
                (
                    "RoleNames".to_owned(),
                    Intrinsic::JoinList {
                        delimiter: ",".to_owned(),
                        list: Intrinsic::reference(roles).into(),
                    }
                    .into(),
                ),
                ("Dhmc".to_owned(), dhmc),
            ]
            .into_iter()
            .collect(),
        })
    };
    let mut targets = vec![Target {
        id: "agent-policy".to_owned(),
        arn: Value::get_att(handler::FUNCTION, "Arn"),
        input: reconcile(
            agent_policy,
            Intrinsic::reference(ATTACH_INSTANCE_PROFILE_ROLES).into(),
            AGENT_ROLE_NAMES,
            Intrinsic::reference(ATTACH_DHMC_ROLE).into(),
        ),
    }];
    if let Some((operator_policy, operator_roles)) = operators {
        targets.push(Target {
            id: "operator-policy".to_owned(),
            arn: Value::get_att(handler::FUNCTION, "Arn"),
            input: reconcile(
                operator_policy,
                "false".into(),
                operator_roles,
                "false".into(),
            ),
        });
    }
    template.resource(
        SCHEDULE,
        Resource::new(Rule {
            description: "smlog: attaches smlog's policies to roles created since the last run"
                .to_owned(),
            schedule_expression: RECONCILE_RATE.to_owned(),
            state: "ENABLED".to_owned(),
            targets,
        })
        .when(iam_condition),
    );
    template.resource(
        SCHEDULE_PERMISSION,
        Resource::new(Permission {
            function_name: Value::reference(handler::FUNCTION),
            action: "lambda:InvokeFunction".to_owned(),
            principal: principal::EVENTS.to_owned(),
            source_arn: Value::get_att(SCHEDULE, "Arn"),
        })
        .when(iam_condition),
    );
    let report = |description: &str, attribute: &str| {
        Output::new(
            description,
            Value::get_att(AGENT_POLICY_ATTACHMENTS, attribute),
        )
        .when(iam_condition)
    };
    template.output(
        "AgentPolicyArn",
        Output::new(
            "The agent policy, for baselines that attach it themselves",
            Value::reference(agent_policy),
        )
        .when(iam_condition),
    );
    template.output(
        "AgentPolicyAttachedRoles",
        report("Roles that hold the agent policy", "Attached"),
    );
    template.output(
        "AgentPolicySkippedRoles",
        report(
            "Roles that did not get the agent policy, and why",
            "Skipped",
        ),
    );
}

/// In every Region: succeeds once the agent policy exists (in the IAM
/// Region, once it is attached), so the preferences can depend on it.
pub fn ready(template: &mut Template, iam_condition: &str) {
    template.resource(
        AGENT_POLICY_READY,
        handler::custom_resource("AgentPolicyReady")
            .with("PolicyArn", handler::policy_arn(resource::AGENT_POLICY))
            .with(
                "Attachments",
                Intrinsic::if_(
                    iam_condition,
                    Intrinsic::reference(AGENT_POLICY_ATTACHMENTS),
                    Expr::from(Intrinsic::pseudo(Pseudo::NoValue)),
                ),
            ),
    );
}
