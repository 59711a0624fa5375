//! Org-wide rollout: a stack holding a service-managed StackSet of the member
//! template, and the equivalent `aws cloudformation` CLI inputs.

use super::{finish, member};
use crate::cfn::stackset::{
    AutoDeployment, DeploymentTargets, ManagedExecution, OperationPreferences, StackInstances,
    StackSet, StackSetParameter,
};
use crate::cfn::template::ParameterType;
use crate::cfn::{Assertion, Intrinsic, Parameter, Rule, Template, Value};
use crate::config::Settings;
use crate::error::Result;
use crate::names::logical::STACK_SET;
use crate::plan::Plan;
use serde_json::json;

pub const ORGANIZATIONAL_UNIT_IDS: &str = "OrganizationalUnitIds";
pub const REGIONS: &str = "Regions";
const DESCRIPTION: &str = "smlog: Session Manager logging to the central bucket";

/// Regions one after the other, in order (the IAM Region, which creates the
/// agent policy, first), so no Region's preferences precede the policy.
const REGION_CONCURRENCY: &str = "SEQUENTIAL";
/// Keeps `max_concurrent_percentage` however small the tolerance: with the
/// default STRICT mode, a 10 % tolerance deploys a small OU one account at a time.
const CONCURRENCY_MODE: &str = "SOFT_FAILURE_TOLERANCE";

fn operation_preferences(
    settings: &Settings,
    region_order: Value<Vec<String>>,
) -> OperationPreferences {
    OperationPreferences {
        failure_tolerance_percentage: settings.rollout.failure_tolerance_percentage,
        max_concurrent_percentage: settings.rollout.max_concurrent_percentage,
        region_concurrency_type: REGION_CONCURRENCY.to_owned(),
        concurrency_mode: CONCURRENCY_MODE.to_owned(),
        region_order: Some(region_order),
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

/// The rollout stack for a member template and its rendered body (already
/// checked: the body is handed over, never rendered again).
pub fn build(plan: &Plan, member: &Template, member_body: &str) -> Result<Template> {
    let settings = &plan.settings;
    let rollout = &settings.rollout;
    let mut template = Template::new(
        "smlog rollout stack: a service-managed StackSet that deploys the member stack to every account of the chosen OUs and Regions",
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
    template.parameter(
        REGIONS,
        Parameter::list(
            "Regions in which every account gets the member stack, deployed in this order: IamRegion first",
        )
        .default_value(joined(&rollout.regions)),
    );
    template.rule(
        "IamRegionIsARolloutRegion",
        Rule {
            assertions: vec![Assertion {
                assert: Intrinsic::Contains(
                    Intrinsic::reference(REGIONS).into(),
                    Intrinsic::reference(member::IAM_REGION).into(),
                ),
                assert_description: "IamRegion must be one of Regions: only that Region's stack creates the agent policy, and without it every session fails".to_owned(),
            }],
        },
    );
    // The member template's own parameters, passed through unchanged.
    let mut passed = Vec::new();
    for (name, parameter) in member.parameters() {
        template.parameter(name, parameter.clone());
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

    template.resource(
        STACK_SET,
        StackSet {
            stack_set_name: rollout.stack_set_name.to_string(),
            description: DESCRIPTION.to_owned(),
            permission_model: "SERVICE_MANAGED".to_owned(),
            auto_deployment: AutoDeployment {
                enabled: true,
                retain_stacks_on_account_removal: false,
            },
            call_as: rollout.call_as.as_str().to_owned(),
            capabilities: member
                .capabilities()
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            managed_execution: ManagedExecution { active: true },
            operation_preferences: operation_preferences(settings, Value::reference(REGIONS)),
            parameters: passed,
            stack_instances_group: vec![StackInstances {
                deployment_targets: deployment_targets(
                    settings,
                    Value::reference(ORGANIZATIONAL_UNIT_IDS),
                ),
                regions: Value::reference(REGIONS),
            }],
            template_body: member_body.to_owned(),
        },
    );
    finish(template, "rollout")
}

/// Input for `aws cloudformation create-stack-set --cli-input-json`.
pub fn create_stack_set_input(
    plan: &Plan,
    member: &Template,
    member_body: &str,
) -> serde_json::Value {
    let rollout = &plan.settings.rollout;
    json!({
        "StackSetName": rollout.stack_set_name.as_str(),
        "Description": DESCRIPTION,
        "TemplateBody": member_body,
        "Capabilities": member.capabilities(),
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": {"Enabled": true, "RetainStacksOnAccountRemoval": false},
        "CallAs": rollout.call_as.as_str(),
        "ManagedExecution": {"Active": true},
    })
}

/// Input for `aws cloudformation create-stack-instances --cli-input-json`;
/// without configured OUs, `--deployment-targets` must be given on the command line.
pub fn create_stack_instances_input(plan: &Plan) -> serde_json::Value {
    let settings = &plan.settings;
    let rollout = &settings.rollout;
    let regions: Vec<String> = rollout.regions.iter().map(|r| r.to_string()).collect();
    let preferences = operation_preferences(settings, Value::Literal(regions.clone()));
    let mut input = json!({
        "StackSetName": rollout.stack_set_name.as_str(),
        "Regions": regions,
        "OperationPreferences": preferences,
        "CallAs": rollout.call_as.as_str(),
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
