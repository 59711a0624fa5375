//! The member (account) stack, one per account, in the controller Region:
//! the agent policy (and the operators'), and the account controller that
//! attaches them and writes the preferences in every Region of the rollout.
//!
//! Only in the controller Region does the stack hold anything but the
//! controller function: an update of smlog's earlier StackSet (a stack per
//! account and Region) reaches every old Region's stack with this template,
//! whose function then retires that stack's custom resources without giving
//! the preferences back; those stacks are deleted afterwards (README).

pub mod agent_policy;

use super::controller::contract::{Desired, SessionKeyLookup};
use super::preferences;
use super::{cloudwatch, controller, finish, operators, session_key, Holder};
use crate::cfn::iam::ManagedPolicy;
use crate::cfn::template::Assertion;
use crate::cfn::{
    Intrinsic, Output, Parameter, Pseudo, Resource, Rule, Statement, Template, Value,
};
use crate::config::{SessionKey, Settings};
use crate::error::Result;
use crate::ids::{AccountId, BucketName, KmsKeyArn, Region, RoleName};
use crate::names::logical::{AGENT_POLICY, OPERATOR_POLICY};
use crate::names::{resource, wiring};
use crate::plan::Plan;

pub const CONTROLLER_REGION: &str = "ControllerRegion";
const IS_CONTROLLER_REGION: &str = "IsControllerRegion";
pub const ATTACH_INSTANCE_PROFILE_ROLES: &str = "AttachToInstanceProfileRoles";
pub const AGENT_ROLE_NAMES: &str = "AgentRoleNames";
pub const ATTACH_DHMC_ROLE: &str = "AttachToDefaultHostManagementRole";
pub const ATTACH_ACTIVATION_ROLES: &str = "AttachToActivationRoles";
pub const OPERATOR_ROLE_NAMES: &str = "OperatorRoleNames";
/// Role names travel comma-separated in one text: a bound keeps the
/// controller's environment within Lambda's 4 KB.
const ROLE_NAMES_MAX_LENGTH: u32 = 512;
const ROLE_NAMES_PATTERN: &str = "^$|^[A-Za-z0-9+=.@_-]{1,64}(,[A-Za-z0-9+=.@_-]{1,64})*$";

/// An IAM policy ARN of this account, by its fixed name.
pub fn policy_arn(name: &str) -> Value<String> {
    Value::sub(format!(
        "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{name}"
    ))
}

pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let mut template = Template::new(
        "smlog member stack: the SSM Agent's IAM policy and the account controller that writes Session Manager logging preferences in every Region",
    );
    parameters(&mut template, settings);
    template.condition(
        IS_CONTROLLER_REGION,
        Intrinsic::equals(
            Intrinsic::pseudo(Pseudo::Region),
            Intrinsic::reference(CONTROLLER_REGION),
        ),
    );
    template.resource(
        AGENT_POLICY,
        Resource::new(ManagedPolicy {
            managed_policy_name: Some(resource::AGENT_POLICY.to_owned()),
            description:
                "smlog: lets the SSM Agent write encrypted Session Manager logs to the central bucket"
                    .to_owned(),
            policy_document: agent_policy::document(settings),
            roles: None,
        })
        .when(IS_CONTROLLER_REGION),
    );
    let mut policies = vec![policy_arn(resource::AGENT_POLICY)];
    let mut depends_on = vec![AGENT_POLICY];
    if settings.operators.is_some() {
        operators::add(&mut template, settings, IS_CONTROLLER_REGION);
        policies.push(policy_arn(resource::OPERATOR_POLICY));
        depends_on.push(OPERATOR_POLICY);
    }
    let desired = desired(settings);
    let content = preferences::document(
        settings,
        Value::reference(wiring::BUCKET_NAME),
        session_key::in_preferences(settings),
        settings
            .cloudwatch
            .as_ref()
            .map(|c| Value::from(c.log_group_name.clone())),
    )
    .to_json();
    let recording_key_grant = settings.session.rdp_recording.then(|| {
        session_key::grant(
            settings,
            Holder::ThisAccount,
            Statement::allow("LetRecordingUseSessionKeys"),
        )
    });
    controller::add(
        &mut template,
        &desired,
        controller::Inputs {
            preferences: content,
            policies,
            repair_interval_hours: settings.member.repair_interval_hours,
            depends_on: &depends_on,
            only_in: IS_CONTROLLER_REGION,
            recording_key_grant,
        },
    );
    template.output(
        "AgentPolicyArn",
        Output::new(
            "The agent policy, for baselines that attach it themselves",
            Value::reference(AGENT_POLICY),
        )
        .when(IS_CONTROLLER_REGION),
    );
    for (name, description) in [
        ("Regions", "What the controller's last deployment run did in each Region"),
        ("RolesNeedingAttention", "Roles that did not get the agent policy (at their quota, refused, or behind a permissions boundary that blocks the agent)"),
    ] {
        template.output(
            &format!("Controller{name}"),
            Output::new(description, Value::get_att(controller::ACCOUNT_LOGGING, name))
                .when(IS_CONTROLLER_REGION),
        );
    }
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
    attach_parameters(template, settings);
    template.parameter(
        CONTROLLER_REGION,
        Parameter::string(
            "The Region of the account controller: only there does this stack hold the policies and the controller's triggers",
        )
        .default_value(member.controller_region.to_string())
        .pattern(Region::PATTERN, Region::CONSTRAINT),
    );
}

fn flag(
    template: &mut Template,
    id: &str,
    description: impl Into<String>,
    value: bool,
) -> Intrinsic {
    template.parameter(
        id,
        Parameter::string(description)
            .default_value(value.to_string())
            .allowed(&["true", "false"]),
    );
    Intrinsic::equals(Intrinsic::reference(id), "true")
}

fn role_names(template: &mut Template, id: &str, description: &str, names: &[RoleName]) {
    template.parameter(
        id,
        Parameter::string(description)
            .default_value(
                names
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .pattern(
                ROLE_NAMES_PATTERN,
                "role names (not ARNs), separated by commas; may be empty",
            )
            .max_length(ROLE_NAMES_MAX_LENGTH),
    );
}

/// The attach paths, as parameters a StackSet override can change.
fn attach_parameters(template: &mut Template, settings: &Settings) {
    let attach = &settings.member.attach;
    let paths = vec![
        flag(
            template,
            ATTACH_INSTANCE_PROFILE_ROLES,
            "Attach the agent policy to every role in an instance profile, including roles added later",
            attach.instance_profile_roles,
        ),
        flag(
            template,
            ATTACH_DHMC_ROLE,
            "Attach the agent policy to the role each Region's Default Host Management Configuration names",
            attach.default_host_management_role,
        ),
        flag(
            template,
            ATTACH_ACTIVATION_ROLES,
            "Attach the agent policy to the roles of hybrid activations",
            attach.activation_roles,
        ),
        Intrinsic::negate(Intrinsic::equals(Intrinsic::reference(AGENT_ROLE_NAMES), "")),
    ];
    role_names(
        template,
        AGENT_ROLE_NAMES,
        "Roles that get the agent policy where they exist",
        &attach.role_names,
    );
    if let Some(operators) = &settings.operators {
        role_names(
            template,
            OPERATOR_ROLE_NAMES,
            "Roles operators use to start sessions, where they exist",
            &operators.role_names,
        );
    }
    template.rule(
        "AgentPolicyReachesARole",
        Rule {
            assertions: vec![Assertion {
                assert: Intrinsic::Or(paths),
                assert_description: "Some role must get the agent policy: with encryption on, sessions on nodes whose role lacks it fail".to_owned(),
            }],
        },
    );
}

/// What the controller converges to, from the configuration and the parameters.
fn desired(settings: &Settings) -> Desired {
    let cloudwatch = settings.cloudwatch.as_ref();
    let session = &settings.session;
    let text = |id: &str| Value::<String>::reference(id);
    Desired {
        stack_id: Value::pseudo(Pseudo::StackId),
        regions: settings
            .rollout
            .regions
            .iter()
            .map(|r| r.to_string())
            .collect(),
        bucket: text(wiring::BUCKET_NAME),
        session_key: session_key::in_preferences(settings),
        session_key_lookup: match settings.session_key {
            SessionKey::PerAccount => SessionKeyLookup::Alias,
            key if key.is_multi_region() => SessionKeyLookup::MultiRegion,
            _ => SessionKeyLookup::Arn,
        },
        agent_policy_arn: policy_arn(resource::AGENT_POLICY),
        operator_policy_arn: match settings.operators {
            Some(_) => policy_arn(resource::OPERATOR_POLICY),
            None => Value::from(String::new()),
        },
        attach_instance_profile_roles: text(ATTACH_INSTANCE_PROFILE_ROLES),
        attach_default_host_management_role: text(ATTACH_DHMC_ROLE),
        attach_activation_roles: text(ATTACH_ACTIVATION_ROLES),
        agent_role_names: text(AGENT_ROLE_NAMES),
        operator_role_names: match settings.operators {
            Some(_) => text(OPERATOR_ROLE_NAMES),
            None => Value::from(String::new()),
        },
        log_group: cloudwatch
            .map(|c| c.log_group_name.clone())
            .unwrap_or_default(),
        log_group_retention_days: cloudwatch.map_or(0, |c| c.retention_days),
        logs_key_alias: cloudwatch
            .map(|_| cloudwatch::LOGS_KEY_ALIAS.to_owned())
            .unwrap_or_default(),
        cloudwatch_streaming: cloudwatch.is_some_and(|c| c.streaming),
        idle_timeout_minutes: session.idle_timeout.get(),
        max_duration_minutes: session
            .max_duration
            .map(|m| m.get().to_string())
            .unwrap_or_default(),
        run_as_user: session
            .run_as_user
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default(),
        linux_shell_profile: session.linux_shell_profile.clone(),
        windows_shell_profile: session.windows_shell_profile.clone(),
        report_bus_arn: match &settings.member.report_event_bus_arn {
            Some(arn) => Value::from(arn.clone()),
            None => Value::sub(
                "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
            ),
        },
        time_budget_seconds: controller::TIME_BUDGET_SECONDS,
        parameter_prefix: resource::PARAMETER_PREFIX.to_owned(),
        bucket_owner: text(wiring::CENTRAL_ACCOUNT_ID),
        rdp_regions: if session.rdp_recording {
            settings
                .rollout
                .regions
                .iter()
                .filter(|r| r.records_rdp())
                .map(|r| r.to_string())
                .collect()
        } else {
            Vec::new()
        },
    }
}
