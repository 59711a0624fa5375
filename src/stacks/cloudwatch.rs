//! Optional CloudWatch Logs streaming in member stacks: a KMS-encrypted,
//! retained log group per account and Region, and the agent permissions it
//! needs (`logs:DescribeLogGroups` included: without it sessions hang).
//!
//! The handler creates the group, or adopts the one an earlier deployment in
//! the account and Region left behind: a log group's name is unique there,
//! so an `AWS::Logs::LogGroup` of the same name would fail the stack of an
//! account that is removed and added again, and a retained group must keep
//! its name for the dashboards and filters built on it.

use super::handler;
use super::{holding_data, root_administration, rotated_key};
use crate::cfn::kms::Key;
use crate::cfn::{Expr, Principal, Resource, Statement, Template, Value};
use crate::config::CloudWatchSettings;
use crate::names::logical::{LOGS_KEY, LOG_GROUP};

/// The log group's ARN as a `Fn::Sub` template.
fn log_group_arn(settings: &CloudWatchSettings, region: &str) -> String {
    format!(
        "arn:${{AWS::Partition}}:logs:{region}:${{AWS::AccountId}}:log-group:{}",
        settings.log_group_name
    )
}

/// A key CloudWatch Logs may use for this log group only (log groups need a key in their own Region).
fn logs_key(settings: &CloudWatchSettings) -> Key {
    rotated_key(
        "smlog: encrypts the Session Manager log group",
        vec![
            root_administration(),
            Statement::allow("AllowLogGroupEncryption")
                .principal(Principal::Service(vec![Value::sub(
                    "logs.${AWS::Region}.${AWS::URLSuffix}",
                )]))
                .actions(&[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                ])
                .resource("*")
                .condition(
                    "ArnEquals",
                    "kms:EncryptionContext:aws:logs:arn",
                    Expr::from(Value::sub(log_group_arn(settings, "${AWS::Region}"))),
                ),
        ],
    )
}

/// Adds the key and the log group; returns the group's name for the preferences.
pub fn add(template: &mut Template, settings: &CloudWatchSettings) -> Value<String> {
    template.resource(LOGS_KEY, holding_data(logs_key(settings)));
    template.resource(
        LOG_GROUP,
        Resource::new(
            handler::custom_resource("SessionLogGroup")
                .with("LogGroupName", &settings.log_group_name)
                .with("RetentionInDays", settings.retention_days)
                .with("KmsKeyArn", Value::<String>::get_att(LOGS_KEY, "Arn")),
        ),
    );
    Value::reference(LOG_GROUP)
}

/// What the handler needs to create, adopt and keep the log group (and
/// nothing to delete it: the group outlives the stack).
pub fn handler_statements(settings: &CloudWatchSettings) -> Vec<Statement> {
    // Logs has authorised log-group actions against both forms of the ARN.
    let group = log_group_arn(settings, "${AWS::Region}");
    vec![Statement::allow("KeepSessionLogGroup")
        .actions(&[
            "logs:CreateLogGroup",
            "logs:AssociateKmsKey",
            "logs:PutRetentionPolicy",
        ])
        .resources([Value::sub(group.clone()), Value::sub(format!("{group}:*"))])]
}

/// What the agent needs to write to the log group in any Region of the account.
pub fn agent_statements(settings: &CloudWatchSettings) -> Vec<Statement> {
    vec![
        Statement::allow("WriteSessionLogsToCloudWatch")
            .actions(&[
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ])
            .resource(Value::sub(format!("{}:*", log_group_arn(settings, "*")))),
        // No resource type in the IAM service reference: only "*" matches it.
        Statement::allow("FindLogGroups")
            .actions(&["logs:DescribeLogGroups"])
            .resource("*"),
    ]
}
