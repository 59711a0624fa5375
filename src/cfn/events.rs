//! `AWS::Events::Rule` resource properties.

use super::value::Value;
use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-rule.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub description: String,
    /// `rate(15 minutes)`, `cron(…)`.
    pub schedule_expression: String,
    pub state: String,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    pub id: String,
    pub arn: Value<String>,
    /// The event handed to the target: a JSON text.
    pub input: Value<String>,
}
