//! `AWS::SSO::PermissionSet` resource properties.

use super::policy::PolicyDocument;
use super::value::Value;
use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sso-permissionset.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionSet {
    /// 1 to 32 characters; IAM Identity Center names the roles it makes
    /// from it (`AWSReservedSSO_<Name>_<suffix>`).
    pub name: String,
    pub description: String,
    pub instance_arn: Value<String>,
    /// ISO 8601, such as `PT4H`.
    pub session_duration: String,
    pub inline_policy: PolicyDocument,
}
