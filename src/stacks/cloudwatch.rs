//! Optional CloudWatch Logs streaming: a KMS-encrypted, retained log group
//! per account and Region, its key (in the regional stack), and the agent
//! permissions it needs (`logs:DescribeLogGroups` included: without it
//! sessions hang).
//!
//! The controller creates the group, or adopts the one an earlier deployment
//! in the account and Region left behind: a log group's name is unique there,
//! so an `AWS::Logs::LogGroup` of the same name would fail the stack of an
//! account that is removed and added again, and a retained group must keep
//! its name for the dashboards and filters built on it.

use super::{holding_data, root_administration, rotated_key};
use crate::cfn::kms::{Alias, Key};
use crate::cfn::{Expr, Principal, Statement, Template, Value};
use crate::config::CloudWatchSettings;
use crate::names::logical::{LOGS_KEY, LOGS_KEY_ALIAS as LOGS_KEY_ALIAS_ID};

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

/// The alias the controller finds the log group's key by, in each Region.
pub const LOGS_KEY_ALIAS: &str = "alias/session-manager-logs/cloudwatch";

/// The log group's key and its alias, for the regional stack.
pub fn add_key(template: &mut Template, settings: &CloudWatchSettings) {
    template.resource(LOGS_KEY, holding_data(logs_key(settings)));
    // The key outlives the stack (the group's old events need it); the alias
    // goes with it, so the stack of an account added back can make it again.
    template.resource(
        LOGS_KEY_ALIAS_ID,
        Alias {
            alias_name: LOGS_KEY_ALIAS.into(),
            target_key_id: Value::reference(LOGS_KEY),
        },
    );
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
