//! `AWS::Lambda::Function`, `AWS::Lambda::Permission` and `AWS::Logs::LogGroup` resource properties.

use super::value::Value;
use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    pub function_name: String,
    pub description: String,
    pub runtime: String,
    pub handler: String,
    pub role: Value<String>,
    pub timeout: u32,
    pub memory_size: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    pub code: Code,
}

/// The function's environment variables, in a fixed order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    pub variables: indexmap::IndexMap<String, Value<String>>,
}

/// Inline source (`ZipFile`); CloudFormation writes it to `index.py`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Code {
    pub zip_file: String,
}

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    pub function_name: Value<String>,
    pub action: String,
    pub principal: String,
    pub source_arn: Value<String>,
}

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    pub log_group_name: Value<String>,
    pub retention_in_days: u32,
    #[serde(rename = "KmsKeyId", skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Value<String>>,
}
