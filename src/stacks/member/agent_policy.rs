//! The agent policy: exactly what the SSM Agent needs to upload a session's
//! log into its account's prefix (and into the log group, when there is
//! one). During a move to another bucket or session key it allows the
//! previous ones too, so sessions that started before the move still log.

use crate::cfn::{Expr, Intrinsic, PolicyDocument, Statement, Value};
use crate::config::{Previous, Settings};
use crate::names::wiring;
use crate::stacks::{cloudwatch, session_key, Holder};

/// A bucket's ARN (or its objects', with `suffix`) in this partition.
fn bucket_arn(name: &Value<String>, suffix: &str) -> Value<String> {
    let name = match name {
        Value::Literal(name) => name.clone(),
        Value::Fn(_) => format!("${{{}}}", wiring::BUCKET_NAME),
    };
    Value::sub(format!("arn:${{AWS::Partition}}:s3:::{name}{suffix}"))
}

/// The buckets the agent writes to: the central one, and the previous one
/// during a move.
fn buckets(previous: Option<&Previous>) -> Vec<Value<String>> {
    let mut buckets = vec![Value::reference(wiring::BUCKET_NAME)];
    if let Some(name) = previous.and_then(|p| p.bucket_name.as_ref()) {
        buckets.push(Value::Literal(name.to_string()));
    }
    buckets
}

/// The accounts whose buckets receive logs: bucket names are global and can
/// be registered again by anyone once deleted, so only these accounts'
/// buckets do.
fn owners(previous: Option<&Previous>) -> Expr {
    let mut owners = vec![Expr::from(Intrinsic::reference(wiring::CENTRAL_ACCOUNT_ID))];
    if let Some(key) = previous.and_then(|p| p.bucket_key_arn.as_ref()) {
        owners.push(Expr::from(key.account().to_string()));
    }
    match owners.len() {
        1 => owners.remove(0),
        _ => Expr::List(owners),
    }
}

pub fn document(settings: &Settings) -> PolicyDocument {
    let previous = settings.member.previous.as_ref();
    let owned = |statement: Statement| {
        statement.condition("StringEquals", "s3:ResourceAccount", owners(previous))
    };
    let buckets = buckets(previous);
    let mut bucket_keys = vec![Value::reference(wiring::BUCKET_KEY_ARN)];
    bucket_keys.extend(
        previous
            .and_then(|p| p.bucket_key_arn.as_ref())
            .map(|k| Value::Literal(k.to_string())),
    );
    let mut decrypt = session_key::grant(
        settings,
        Holder::ThisAccount,
        Statement::allow("DecryptSessionData").actions(&["kms:Decrypt"]),
    );
    if let Some(key) = previous.and_then(|p| p.session_key_arn.as_ref()) {
        decrypt
            .resource
            .push(Value::Literal(previous_session_key(key)));
    }
    let mut statements = vec![
        owned(
            Statement::allow("WriteSessionLogsToOwnPrefix")
                .actions(&["s3:PutObject", "s3:PutObjectAcl"])
                .resources(
                    buckets
                        .iter()
                        .map(|b| bucket_arn(b, "/${AWS::AccountId}/*")),
                ),
        ),
        owned(
            Statement::allow("ReadBucketEncryption")
                .actions(&["s3:GetEncryptionConfiguration"])
                .resources(buckets.iter().map(|b| bucket_arn(b, ""))),
        ),
        Statement::allow("UseBucketKey")
            .actions(&["kms:GenerateDataKey", "kms:Decrypt"])
            .resources(bucket_keys),
        decrypt,
    ];
    if let Some(cloudwatch) = &settings.cloudwatch {
        statements.extend(cloudwatch::agent_statements(cloudwatch));
    }
    PolicyDocument::new(statements)
}

/// A previous multi-Region session key in any Region (its replicas share
/// the id); a single-Region one as it is.
pub fn previous_session_key(key: &crate::ids::KmsKeyArn) -> String {
    match key.multi_region_id() {
        Some(id) => format!(
            "arn:{}:kms:*:{}:key/{id}",
            key.partition().name(),
            key.account()
        ),
        None => key.to_string(),
    }
}
