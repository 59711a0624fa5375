//! The hardened log bucket, for the central stack and its replica.

use super::access_logs;
use crate::cfn::s3::{
    Bucket, BucketEncryption, DefaultRetention, LifecycleConfiguration, LifecycleRule,
    NoncurrentVersionExpiration, ObjectLockConfiguration, ObjectLockRule, OwnershipControls,
    PublicAccessBlockConfiguration, Transition, VersioningConfiguration,
};
use crate::cfn::Value;
use crate::config::{LockPeriod, RetentionSettings};

/// A log bucket: SSE-KMS by the key's full ARN, S3 Bucket Keys, all public
/// access blocked, owner-enforced, versioned, and the configured retention
/// and server access logging.
pub fn hardened(
    name: Value<String>,
    key_arn: Value<String>,
    retention: &RetentionSettings,
) -> Bucket {
    let object_lock = retention.object_lock.map(|lock| {
        let (days, years) = match lock.period {
            LockPeriod::Days(days) => (Some(days), None),
            LockPeriod::Years(years) => (None, Some(years)),
        };
        ObjectLockConfiguration {
            object_lock_enabled: "Enabled".to_owned(),
            rule: ObjectLockRule {
                default_retention: DefaultRetention {
                    mode: lock.mode.as_str().to_owned(),
                    days,
                    years,
                },
            },
        }
    });
    let lifecycle = (retention.transition_to_glacier_days.is_some()
        || retention.noncurrent_version_expiration_days.is_some())
    .then(|| LifecycleConfiguration {
        // Most session logs are under 128 KB, which S3 by default never
        // transitions; this lets them go to Glacier like the rest.
        transition_default_minimum_object_size: retention
            .transition_to_glacier_days
            .map(|_| "varies_by_storage_class".to_owned()),
        rules: vec![LifecycleRule {
            id: "session-log-retention".to_owned(),
            status: "Enabled".to_owned(),
            transitions: retention
                .transition_to_glacier_days
                .map(|days| Transition {
                    storage_class: "GLACIER".to_owned(),
                    transition_in_days: days,
                })
                .into_iter()
                .collect(),
            noncurrent_version_expiration: retention.noncurrent_version_expiration_days.map(
                |days| NoncurrentVersionExpiration {
                    noncurrent_days: days,
                },
            ),
        }],
    });
    Bucket {
        bucket_name: Some(name),
        // The agent copies this id verbatim into its uploads: it must be the full ARN.
        bucket_encryption: Some(BucketEncryption::kms(key_arn)),
        public_access_block_configuration: Some(PublicAccessBlockConfiguration::all_blocked()),
        ownership_controls: Some(OwnershipControls::bucket_owner_enforced()),
        versioning_configuration: Some(VersioningConfiguration::enabled()),
        object_lock_enabled: object_lock.as_ref().map(|_| true),
        object_lock_configuration: object_lock,
        lifecycle_configuration: lifecycle,
        replication_configuration: None,
        logging_configuration: access_logs::logging(&retention.access_logs),
    }
}
