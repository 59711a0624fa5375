//! `AWS::SSM::Document` resource properties.

use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-document.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Document {
    pub name: String,
    pub document_type: String,
    pub document_format: String,
    /// The document body as an object; CloudFormation resolves intrinsics inside it.
    pub content: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_method: Option<String>,
}
