//! Optional CloudWatch Logs streaming in member stacks: a KMS-encrypted,
//! retained log group per account and Region, and the agent permissions it
//! needs (`logs:DescribeLogGroups` included: without it sessions hang).

use super::ids::{LOGS_KEY, LOG_GROUP};
use super::{holding_data, root_administration, rotated_key};
use crate::cfn::kms::Key;
use crate::cfn::lambda::LogGroup;
use crate::cfn::{Expr, Principal, Statement, Template, Value};
use crate::config::CloudWatchSettings;

fn log_group_arn(settings: &CloudWatchSettings, region: &str) -> Value<String> {
    Value::sub(format!(
        "arn:${{AWS::Partition}}:logs:{region}:${{AWS::AccountId}}:log-group:{}",
        settings.log_group_name
    ))
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
                    Expr::from(log_group_arn(settings, "${AWS::Region}")),
                ),
        ],
    )
}

/// Adds the key and the log group; returns the group's name for the preferences.
pub fn add(template: &mut Template, settings: &CloudWatchSettings) -> Value<String> {
    template.resource(LOGS_KEY, holding_data(logs_key(settings)));
    template.resource(
        LOG_GROUP,
        holding_data(LogGroup {
            log_group_name: settings.log_group_name.clone().into(),
            retention_in_days: settings.retention_days,
            kms_key_id: Some(Value::get_att(LOGS_KEY, "Arn")),
        }),
    );
    Value::reference(LOG_GROUP)
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
            .resource(Value::sub(format!(
                "arn:${{AWS::Partition}}:logs:*:${{AWS::AccountId}}:log-group:{}:*",
                settings.log_group_name
            ))),
        // No resource type in the IAM service reference: only "*" matches it.
        Statement::allow("FindLogGroups")
            .actions(&["logs:DescribeLogGroups"])
            .resource("*"),
    ]
}
