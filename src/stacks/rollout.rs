//! Org-wide rollout: a stack holding a service-managed StackSet of the member
//! template, and the equivalent `aws cloudformation` CLI inputs.

use super::member;
use crate::cfn::stackset::{
    AutoDeployment, DeploymentTargets, ManagedExecution, OperationPreferences, StackInstances,
    StackSet, StackSetParameter,
};
use crate::cfn::template::ParameterType;
use crate::cfn::{Intrinsic, Parameter, Template, Value};
use crate::config::Settings;
use crate::emit;
use crate::error::{Error, Result};
use serde_json::json;

/// CloudFormation's limit for a template body passed inline.
pub const TEMPLATE_BODY_LIMIT: usize = 51_200;
const STACK_SET: &str = "SessionLoggingStackSet";
pub const ORGANIZATIONAL_UNIT_IDS: &str = "OrganizationalUnitIds";
pub const REGIONS: &str = "Regions";
const CAPABILITIES: [&str; 1] = ["CAPABILITY_IAM"];

/// The member template as the StackSet carries it, checked against the inline limit.
pub fn member_body(settings: &Settings) -> Result<String> {
    within_inline_limit(emit::to_yaml(&member::build(settings))?)
}

fn within_inline_limit(body: String) -> Result<String> {
    if body.len() > TEMPLATE_BODY_LIMIT {
        return Err(Error::Config(format!(
            "the member template is {} bytes, {} over the {TEMPLATE_BODY_LIMIT}-byte limit for an inline StackSet template body; shorten session.linux_shell_profile / session.windows_shell_profile",
            body.len(),
            body.len() - TEMPLATE_BODY_LIMIT
        )));
    }
    Ok(body)
}

fn operation_preferences(settings: &Settings) -> OperationPreferences {
    OperationPreferences {
        failure_tolerance_percentage: settings.rollout.failure_tolerance_percentage,
        max_concurrent_percentage: settings.rollout.max_concurrent_percentage,
        region_concurrency_type: "PARALLEL".to_owned(),
    }
}

fn joined(values: &[impl ToString]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub fn build(settings: &Settings) -> Result<Template> {
    let rollout = &settings.rollout;
    let member_template = member::build(settings);
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
        Parameter::list("Regions in which every account gets the member stack")
            .default_value(joined(&rollout.regions)),
    );
    // The member template's own parameters, passed through unchanged.
    let mut passed = Vec::new();
    for (name, parameter) in &member_template.parameters {
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
            parameter_key: name.clone(),
            parameter_value: value,
        });
    }

    template.resource(
        STACK_SET,
        StackSet {
            stack_set_name: rollout.stack_set_name.to_string(),
            description: "smlog: Session Manager logging to the central bucket".to_owned(),
            permission_model: "SERVICE_MANAGED".to_owned(),
            auto_deployment: AutoDeployment {
                enabled: true,
                retain_stacks_on_account_removal: false,
            },
            call_as: rollout.call_as.as_str().to_owned(),
            capabilities: CAPABILITIES.iter().map(|c| (*c).to_owned()).collect(),
            managed_execution: ManagedExecution { active: true },
            operation_preferences: operation_preferences(settings),
            parameters: passed,
            stack_instances_group: vec![StackInstances {
                deployment_targets: DeploymentTargets {
                    organizational_unit_ids: Value::reference(ORGANIZATIONAL_UNIT_IDS),
                },
                regions: Value::reference(REGIONS),
            }],
            template_body: member_body(settings)?,
        },
    );
    Ok(template)
}

/// Input for `aws cloudformation create-stack-set --cli-input-json`.
pub fn create_stack_set_input(settings: &Settings) -> Result<serde_json::Value> {
    let rollout = &settings.rollout;
    Ok(json!({
        "StackSetName": rollout.stack_set_name.as_str(),
        "Description": "smlog: Session Manager logging to the central bucket",
        "TemplateBody": member_body(settings)?,
        "Capabilities": CAPABILITIES,
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": {"Enabled": true, "RetainStacksOnAccountRemoval": false},
        "CallAs": rollout.call_as.as_str(),
        "ManagedExecution": {"Active": true},
    }))
}

/// Input for `aws cloudformation create-stack-instances --cli-input-json`;
/// without configured OUs, `--deployment-targets` must be given on the command line.
pub fn create_stack_instances_input(settings: &Settings) -> serde_json::Value {
    let rollout = &settings.rollout;
    let preferences = operation_preferences(settings);
    let mut input = json!({
        "StackSetName": rollout.stack_set_name.as_str(),
        "Regions": rollout.regions.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "OperationPreferences": {
            "RegionConcurrencyType": preferences.region_concurrency_type,
            "FailureTolerancePercentage": preferences.failure_tolerance_percentage,
            "MaxConcurrentPercentage": preferences.max_concurrent_percentage,
        },
        "CallAs": rollout.call_as.as_str(),
    });
    if !rollout.organizational_unit_ids.is_empty() {
        input["DeploymentTargets"] = json!({
            "OrganizationalUnitIds": rollout.organizational_unit_ids.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
        });
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_over_the_inline_limit_are_refused_with_the_overshoot() {
        assert!(within_inline_limit("x".repeat(TEMPLATE_BODY_LIMIT)).is_ok());
        let err = within_inline_limit("x".repeat(TEMPLATE_BODY_LIMIT + 10)).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
        let message = err.to_string();
        assert!(
            message.contains("51210 bytes, 10 over the 51200-byte limit"),
            "{message}"
        );
    }

    #[test]
    fn the_largest_valid_configuration_fits_inline() {
        let mut raw = crate::config::RawConfig::default();
        let longest = "x".repeat(crate::config::MAX_SHELL_PROFILE_CHARS);
        raw.session.linux_shell_profile = Some(longest.clone());
        raw.session.windows_shell_profile = Some(longest);
        let body = member_body(&raw.resolve().unwrap()).unwrap();
        assert!(body.len() < TEMPLATE_BODY_LIMIT);
    }
}
