//! `AWS::CloudFormation::StackSet` resource properties.

use super::value::Value;
use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-stackset.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackSet {
    pub stack_set_name: String,
    pub description: String,
    pub permission_model: String,
    pub auto_deployment: AutoDeployment,
    pub call_as: String,
    pub capabilities: Vec<String>,
    pub managed_execution: ManagedExecution,
    pub operation_preferences: OperationPreferences,
    pub parameters: Vec<StackSetParameter>,
    pub stack_instances_group: Vec<StackInstances>,
    pub template_body: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AutoDeployment {
    pub enabled: bool,
    pub retain_stacks_on_account_removal: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedExecution {
    pub active: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationPreferences {
    pub failure_tolerance_percentage: u32,
    pub max_concurrent_percentage: u32,
    pub region_concurrency_type: String,
    /// `STRICT_FAILURE_TOLERANCE` (the default: concurrency capped at the
    /// tolerance + 1) or `SOFT_FAILURE_TOLERANCE`.
    pub concurrency_mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_order: Option<Value<Vec<String>>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackSetParameter {
    pub parameter_key: String,
    pub parameter_value: Value<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackInstances {
    pub deployment_targets: DeploymentTargets,
    pub regions: Value<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentTargets {
    pub organizational_unit_ids: Value<Vec<String>>,
    /// With `AccountFilterType: DIFFERENCE`, accounts of the OUs left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_filter_type: Option<String>,
}
