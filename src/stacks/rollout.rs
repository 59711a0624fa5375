//! Org-wide rollout: a stack holding the service-managed StackSets, and the
//! equivalent `aws cloudformation` CLI inputs. The member StackSet deploys
//! one stack per account, in the controller Region only; the regional one
//! (when the configuration needs keys in every Region) a key stack per
//! account and Region, and new accounts get it first.

use super::finish;
use crate::cfn::stackset::{
    AutoDeployment, CallAs, ConcurrencyMode, DeploymentTargets, ManagedExecution,
    OperationPreferences, RegionConcurrency, StackInstances, StackSet, StackSetParameter,
};
use crate::cfn::template::ParameterType;
use crate::cfn::{Intrinsic, Parameter, Template, Value};
use crate::config::{self, Settings};
use crate::error::Result;
use crate::names::logical::{REGIONAL_STACK_SET, STACK_SET};
use crate::plan::Plan;
use crate::stacks::member::CONTROLLER_REGION;
use serde_json::json;

pub const ORGANIZATIONAL_UNIT_IDS: &str = "OrganizationalUnitIds";
pub const REGIONS: &str = "Regions";
pub const DESCRIPTION: &str =
    "smlog: Session Manager logging to the central bucket, one controller per account";
pub const REGIONAL_DESCRIPTION: &str = "smlog: the KMS keys each account needs in every Region";

/// The regional StackSet's name: the member StackSet's, suffixed.
pub fn regional_name(settings: &Settings) -> String {
    format!("{}-regional", settings.rollout.stack_set_name)
}

fn call_as(settings: &Settings) -> CallAs {
    match settings.rollout.call_as {
        config::CallAs::SelfAccount => CallAs::SelfAccount,
        config::CallAs::DelegatedAdmin => CallAs::DelegatedAdmin,
    }
}

/// Accounts in parallel up to the configured share; SOFT_FAILURE_TOLERANCE
/// keeps that share however small the tolerance (the default STRICT mode
/// caps concurrency at the tolerance + 1). Regions in parallel: nothing
/// orders them any more (the controller orders every account's work).
pub fn operation_preferences(settings: &Settings) -> OperationPreferences {
    OperationPreferences {
        failure_tolerance_percentage: settings.rollout.failure_tolerance_percentage,
        max_concurrent_percentage: settings.rollout.max_concurrent_percentage,
        region_concurrency_type: RegionConcurrency::Parallel,
        concurrency_mode: ConcurrencyMode::SoftFailureTolerance,
        region_order: None,
    }
}

/// The OUs, less the excluded accounts (`DIFFERENCE`).
fn deployment_targets(settings: &Settings, ous: Value<Vec<String>>) -> DeploymentTargets {
    let excluded = &settings.rollout.excluded_accounts;
    DeploymentTargets {
        organizational_unit_ids: ous,
        accounts: (!excluded.is_empty()).then(|| excluded.iter().map(|a| a.to_string()).collect()),
        account_filter_type: (!excluded.is_empty()).then(|| "DIFFERENCE".to_owned()),
    }
}

fn joined(values: &[impl ToString]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A template's parameters, taken over by the rollout stack and passed on.
fn pass_through(rollout: &mut Template, template: &Template) -> Vec<StackSetParameter> {
    let mut passed = Vec::new();
    for (name, parameter) in template.parameters() {
        rollout.parameter(name, parameter.clone());
        let value = match parameter.kind {
            ParameterType::CommaDelimitedList => Intrinsic::JoinList {
                delimiter: ",".to_owned(),
                list: Intrinsic::reference(name).into(),
            }
            .into(),
            _ => Value::reference(name),
        };
        passed.push(StackSetParameter {
            parameter_key: name.to_owned(),
            parameter_value: value,
        });
    }
    passed
}

/// A member template, rendered once and already checked, and what it needs.
pub struct Member<'a> {
    pub template: &'a Template,
    pub body: &'a str,
}

fn stack_set(settings: &Settings, name: String, description: &str, member: &Member) -> StackSet {
    StackSet {
        stack_set_name: name,
        description: description.to_owned(),
        permission_model: "SERVICE_MANAGED".to_owned(),
        auto_deployment: AutoDeployment {
            enabled: true,
            retain_stacks_on_account_removal: false,
            depends_on: Vec::new(),
        },
        call_as: call_as(settings),
        capabilities: member
            .template
            .capabilities()
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
        managed_execution: ManagedExecution { active: true },
        operation_preferences: operation_preferences(settings),
        parameters: Vec::new(),
        stack_instances_group: Vec::new(),
        template_body: member.body.to_owned(),
    }
}

/// The rollout stack: the regional StackSet (when there is one) and the
/// member StackSet, whose new accounts wait for the regional one.
pub fn build(plan: &Plan, member: &Member, regional: Option<&Member>) -> Result<Template> {
    let settings = &plan.settings;
    let rollout = &settings.rollout;
    let mut template = Template::new(
        "smlog rollout stack: service-managed StackSets that give every account of the chosen OUs its account controller (and its keys in every Region)",
    );
    template.parameter(
        ORGANIZATIONAL_UNIT_IDS,
        Parameter::list(
            "Organizational units (ou-…) or the root (r-…) whose accounts get the member stack",
        )
        .default_opt(
            (!rollout.organizational_unit_ids.is_empty())
                .then(|| joined(&rollout.organizational_unit_ids)),
        ),
    );
    let ous = || deployment_targets(settings, Value::reference(ORGANIZATIONAL_UNIT_IDS));
    let mut account_stack_set = stack_set(
        settings,
        rollout.stack_set_name.to_string(),
        DESCRIPTION,
        member,
    );
    account_stack_set.parameters = pass_through(&mut template, member.template);
    account_stack_set.stack_instances_group = vec![StackInstances {
        deployment_targets: ous(),
        regions: Value::Fn(Box::new(Intrinsic::Split {
            delimiter: ",".to_owned(),
            source: Intrinsic::reference(CONTROLLER_REGION).into(),
        })),
    }];
    if let Some(regional) = regional {
        template.parameter(
            REGIONS,
            Parameter::list("Regions in which every account gets its keys (the rollout's Regions)")
                .default_value(joined(&rollout.regions)),
        );
        let mut keys = stack_set(
            settings,
            regional_name(settings),
            REGIONAL_DESCRIPTION,
            regional,
        );
        keys.parameters = pass_through(&mut template, regional.template);
        keys.stack_instances_group = vec![StackInstances {
            deployment_targets: ous(),
            regions: Value::reference(REGIONS),
        }];
        template.resource(REGIONAL_STACK_SET, keys);
        account_stack_set.auto_deployment.depends_on = vec![Value::sub(format!(
            "arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stackset/${{{REGIONAL_STACK_SET}}}"
        ))];
    }
    // The Ref inside DependsOn already makes CloudFormation create the regional StackSet first.
    template.resource(STACK_SET, account_stack_set);
    finish(template, "rollout")
}

/// Input for `aws cloudformation create-stack-set --cli-input-json`.
pub fn create_stack_set_input(
    plan: &Plan,
    name: &str,
    description: &str,
    member: &Member,
) -> serde_json::Value {
    json!({
        "StackSetName": name,
        "Description": description,
        "TemplateBody": member.body,
        "Capabilities": member.template.capabilities(),
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": {"Enabled": true, "RetainStacksOnAccountRemoval": false},
        "CallAs": call_as(&plan.settings),
        "ManagedExecution": {"Active": true},
    })
}

/// Input for `aws cloudformation create-stack-instances --cli-input-json`;
/// without configured OUs, `--deployment-targets` must be given on the command line.
pub fn create_stack_instances_input(
    plan: &Plan,
    name: &str,
    regions: &[String],
) -> serde_json::Value {
    let settings = &plan.settings;
    let rollout = &settings.rollout;
    let mut input = json!({
        "StackSetName": name,
        "Regions": regions,
        "OperationPreferences": operation_preferences(settings),
        "CallAs": call_as(settings),
    });
    if !rollout.organizational_unit_ids.is_empty() {
        let ous = rollout
            .organizational_unit_ids
            .iter()
            .map(|o| o.to_string())
            .collect();
        input["DeploymentTargets"] = json!(deployment_targets(settings, Value::Literal(ous)));
    }
    input
}
