//! `AWS::IAM::*` resource properties.

use super::policy::PolicyDocument;
use super::value::Value;
use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-managedpolicy.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    /// A fixed name others can attach by; IAM names are global in an account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_policy_name: Option<String>,
    pub description: String,
    pub policy_document: PolicyDocument,
    /// Role *names* (not ARNs) the policy is attached to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Value<Vec<String>>>,
}

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub description: String,
    pub assume_role_policy_document: PolicyDocument,
    pub policies: Vec<InlinePolicy>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}
