//! A log bucket's S3 server access logs: who read, wrote or tried to change
//! the session logs. S3 delivers them only within one account and Region and
//! only into a bucket with SSE-S3 default encryption (not SSE-KMS) and no
//! default Object Lock retention, so the central stack and the replica stack
//! each create such a target beside their log bucket, unless the
//! configuration names an existing one or switches access logging off.

use super::super::holding_data;
use crate::cfn::s3::{
    Bucket, BucketEncryption, BucketPolicy, LoggingConfiguration, OwnershipControls,
    PublicAccessBlockConfiguration, VersioningConfiguration,
};
use crate::cfn::{Intrinsic, PolicyDocument, Principal, Pseudo, Resource, Statement, Value};
use crate::config::AccessLogs;
use crate::names::logical::{ACCESS_LOG_BUCKET, ACCESS_LOG_BUCKET_POLICY};
use crate::names::principal;

/// Where in the target the access logs go.
pub const PREFIX: &str = "session-manager-logs/";

/// The log bucket's logging configuration: into the target the stack
/// creates, into an existing bucket, or none.
pub fn logging(access_logs: &AccessLogs) -> Option<LoggingConfiguration> {
    let destination = match access_logs {
        AccessLogs::Created => Value::reference(ACCESS_LOG_BUCKET),
        AccessLogs::Existing(bucket) => bucket.to_string().into(),
        AccessLogs::Off => return None,
    };
    Some(LoggingConfiguration {
        destination_bucket_name: destination,
        log_file_prefix: PREFIX.to_owned(),
    })
}

/// The target the stack creates: SSE-S3, all public access blocked,
/// owner-enforced, versioned, retained like everything that holds logs. Its
/// name is CloudFormation's (stack name, logical id, a random suffix): a
/// fixed one would collide between the stacks of an account and Region.
fn target() -> Bucket {
    Bucket {
        bucket_name: None,
        bucket_encryption: Some(BucketEncryption::s3_managed()),
        public_access_block_configuration: Some(PublicAccessBlockConfiguration::all_blocked()),
        ownership_controls: Some(OwnershipControls::bucket_owner_enforced()),
        versioning_configuration: Some(VersioningConfiguration::enabled()),
        ..Bucket::default()
    }
}

/// TLS only (S3 delivers access logs over TLS, so the deny never meets it),
/// and S3's log delivery may write below the prefix for `source` only, in
/// this account. `source` is the log bucket's ARN, built from its name so
/// that the log bucket can wait for this policy without a cycle.
fn target_policy(source: Value<String>) -> BucketPolicy {
    let objects = Value::sub(format!("${{{ACCESS_LOG_BUCKET}.Arn}}/*"));
    BucketPolicy {
        bucket: Value::reference(ACCESS_LOG_BUCKET),
        policy_document: PolicyDocument::new(vec![
            Statement::deny("DenyInsecureTransport")
                .principal(Principal::Anyone)
                .actions(&["s3:*"])
                .resources([Value::get_att(ACCESS_LOG_BUCKET, "Arn"), objects])
                .condition("Bool", "aws:SecureTransport", false),
            Statement::allow("AllowServerAccessLogDelivery")
                .principal(Principal::Service(vec![principal::S3_LOGGING.into()]))
                .actions(&["s3:PutObject"])
                .resource(Value::sub(format!(
                    "${{{ACCESS_LOG_BUCKET}.Arn}}/{PREFIX}*"
                )))
                .condition("ArnEquals", "aws:SourceArn", source)
                .condition(
                    "StringEquals",
                    "aws:SourceAccount",
                    Intrinsic::pseudo(Pseudo::AccountId),
                ),
        ]),
    }
}

/// The ARN of the bucket named `name`.
pub fn arn_of(name: Value<String>) -> Value<String> {
    Intrinsic::SubWith {
        template: "arn:${AWS::Partition}:s3:::${Bucket}".to_owned(),
        variables: [("Bucket".to_owned(), name.into())].into_iter().collect(),
    }
    .into()
}

/// The target and its policy, in template order, for the log bucket named
/// `source`; none unless the stack creates the target. Both are retained: a
/// deleted stack leaves its access logs, and the logging that names them.
pub fn resources(access_logs: &AccessLogs, source: Value<String>) -> Vec<(&'static str, Resource)> {
    if *access_logs != AccessLogs::Created {
        return Vec::new();
    }
    vec![
        (ACCESS_LOG_BUCKET, holding_data(target())),
        (
            ACCESS_LOG_BUCKET_POLICY,
            holding_data(target_policy(arn_of(source))),
        ),
    ]
}

/// The log bucket waits for the target's policy, so S3 may deliver from
/// the first request on.
pub fn delivered_from_the_start(log_bucket: Resource, access_logs: &AccessLogs) -> Resource {
    if *access_logs == AccessLogs::Created {
        log_bucket.depends_on(ACCESS_LOG_BUCKET_POLICY)
    } else {
        log_bucket
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_target_takes_sse_s3_and_admits_only_the_log_buckets_delivery() {
        let created = resources(&AccessLogs::Created, "logs".into());
        let ids: Vec<&str> = created.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [ACCESS_LOG_BUCKET, ACCESS_LOG_BUCKET_POLICY]);
        let bucket = serde_json::to_value(&created[0].1).unwrap();
        assert_eq!(
            bucket["Properties"]["BucketEncryption"],
            json!({"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        );
        assert!(bucket["Properties"]
            .get("ObjectLockConfiguration")
            .is_none());
        assert_eq!(bucket["DeletionPolicy"], "Retain");
        let policy = serde_json::to_value(&created[1].1).unwrap();
        let delivery = &policy["Properties"]["PolicyDocument"]["Statement"][1];
        assert_eq!(
            delivery["Principal"],
            json!({"Service": ["logging.s3.amazonaws.com"]})
        );
        assert_eq!(delivery["Action"], json!(["s3:PutObject"]));
        assert_eq!(
            delivery["Condition"],
            json!({"ArnEquals": {"aws:SourceArn": {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Bucket}", {"Bucket": "logs"}]}},
                   "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}})
        );
    }

    #[test]
    fn an_existing_target_or_none_creates_nothing() {
        let existing = AccessLogs::Existing("access-logs".parse().unwrap());
        assert!(resources(&existing, "logs".into()).is_empty());
        assert_eq!(
            serde_json::to_value(logging(&existing)).unwrap(),
            json!({"DestinationBucketName": "access-logs", "LogFilePrefix": PREFIX})
        );
        assert!(logging(&AccessLogs::Off).is_none());
        assert!(resources(&AccessLogs::Off, "logs".into()).is_empty());
    }
}
