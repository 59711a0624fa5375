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
    pub call_as: CallAs,
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
    /// StackSets whose auto-deployment operations finish before this one's begin.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Value<String>>,
}

/// Which account drives a StackSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CallAs {
    /// The organisation's management account.
    #[serde(rename = "SELF")]
    SelfAccount,
    /// A delegated administrator account for StackSets.
    #[serde(rename = "DELEGATED_ADMIN")]
    DelegatedAdmin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegionConcurrency {
    Sequential,
    Parallel,
}

/// `StrictFailureTolerance` (the default) caps concurrency at the tolerance + 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConcurrencyMode {
    StrictFailureTolerance,
    SoftFailureTolerance,
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
    pub region_concurrency_type: RegionConcurrency,
    pub concurrency_mode: ConcurrencyMode,
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
