//! `AWS::Organizations::Policy` resource properties.

use super::policy::PolicyDocument;
use super::value::Value;
use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-organizations-policy.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub name: String,
    pub description: String,
    /// `SERVICE_CONTROL_POLICY` here.
    #[serde(rename = "Type")]
    pub policy_type: String,
    pub target_ids: Value<Vec<String>>,
    pub content: PolicyDocument,
}
