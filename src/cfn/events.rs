//! `AWS::Events::Rule` resource properties.

use super::value::Value;
use serde::Serialize;

/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-rule.html>
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    /// A fixed name, so a guardrail can name the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub description: String,
    /// `rate(15 minutes)`, `cron(…)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    /// The events that trigger the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_pattern: Option<serde_json::Value>,
    pub state: String,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    pub id: String,
    pub arn: Value<String>,
    /// The event handed to the target instead of the matched one: a JSON text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Value<String>>,
}
