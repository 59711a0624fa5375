//! The source side of the log bucket's cross-Region replica, in the central
//! stack: the parameters naming the replica bucket and key, the role S3
//! replicates with, and the bucket's replication rule. The replica stack
//! (`stacks/replica.rs`) shares the replica bucket's name from here.

use super::bucket_name as source_bucket_name;
use crate::cfn::iam::{InlinePolicy, Role};
use crate::cfn::s3::{
    ReplicaEncryption, ReplicationConfiguration, ReplicationDestination, ReplicationFilter,
    ReplicationRule, SourceSelectionCriteria, Status,
};
use crate::cfn::{
    Expr, Intrinsic, Parameter, PolicyDocument, Principal, Statement, Template, Value,
};
use crate::config::{LogBucket, Replica};
use crate::ids::{BucketName, KmsKeyArn};
use crate::names::logical::REPLICATION_ROLE;
use crate::names::principal;
use crate::plan::Plan;

/// Not smlog's member path (`/smlog/`), which the guardrail reserves for
/// the StackSet: the central account may sit in an OU the guardrail covers.
pub const CENTRAL_ROLE_PATH: &str = "/smlog-central/";
pub const REPLICA_BUCKET_NAME: &str = "ReplicaBucketName";
pub const REPLICA_KEY_ARN: &str = "ReplicaKeyArn";
const GENERATE_REPLICA_BUCKET_NAME: &str = "GenerateReplicaBucketName";

/// The replica bucket's name parameter: given, or empty for a generated one.
pub fn name_parameter(replica: &Replica) -> Parameter {
    Parameter::string(
        "Name of the replica bucket; empty for session-manager-logs-replica-<account id>-<Region>",
    )
    .default_value(
        replica
            .bucket_name
            .as_ref()
            .map(|b| b.to_string())
            .unwrap_or_default(),
    )
    .pattern(
        &format!("^$|{}", BucketName::PATTERN),
        &format!("empty, or {}", BucketName::CONSTRAINT),
    )
}

/// The replica bucket's name in a template: given, or generated for `region`
/// (`${AWS::Region}` in the replica's own stack).
pub fn name(region: &str) -> Value<String> {
    Intrinsic::if_(
        GENERATE_REPLICA_BUCKET_NAME,
        Intrinsic::sub(format!(
            "session-manager-logs-replica-${{AWS::AccountId}}-{region}"
        )),
        Intrinsic::reference(REPLICA_BUCKET_NAME),
    )
    .into()
}

fn bucket_arn(name: Value<String>) -> Value<String> {
    Intrinsic::SubWith {
        template: "arn:${AWS::Partition}:s3:::${Bucket}".to_owned(),
        variables: [("Bucket".to_owned(), name.into())].into_iter().collect(),
    }
    .into()
}

fn objects(name: Value<String>) -> Value<String> {
    Intrinsic::SubWith {
        template: "arn:${AWS::Partition}:s3:::${Bucket}/*".to_owned(),
        variables: [("Bucket".to_owned(), name.into())].into_iter().collect(),
    }
    .into()
}

pub fn name_condition(template: &mut Template) {
    template.condition(
        GENERATE_REPLICA_BUCKET_NAME,
        Intrinsic::equals(Intrinsic::reference(REPLICA_BUCKET_NAME), ""),
    );
}

/// In the central stack: the parameters naming the replica.
pub fn central_parameters(template: &mut Template, replica: &Replica) {
    template.parameter(REPLICA_BUCKET_NAME, name_parameter(replica));
    template.parameter(
        REPLICA_KEY_ARN,
        Parameter::string("The replica stack's output ReplicaKeyArn")
            .pattern(KmsKeyArn::PATTERN, KmsKeyArn::CONSTRAINT),
    );
    name_condition(template);
}

/// `kms:ViaService` of S3 in a Region, and the bucket-ARN encryption context
/// S3 Bucket Keys use: the role may use a key only through S3, for one bucket.
fn through_s3(statement: Statement, region: Expr, bucket: Value<String>) -> Statement {
    statement
        .condition("StringEquals", "kms:ViaService", region)
        .condition(
            "StringEquals",
            "kms:EncryptionContext:aws:s3:arn",
            Expr::from(bucket),
        )
}

/// The role S3 replicates with: exactly the two buckets and the two keys.
pub fn role(plan: &Plan, replica: &Replica) -> Role {
    let settings = &plan.settings;
    let source = source_bucket_name();
    let replica_name = name(replica.region.as_str());
    let source_key = plan.bucket_key().logical_id;
    let locked = matches!(&settings.bucket, LogBucket::Created { retention, .. } if retention.object_lock.is_some());
    let mut read_versions = vec![
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
    ];
    if locked {
        // Object Lock retention and legal holds travel with each version.
        read_versions.extend(["s3:GetObjectRetention", "s3:GetObjectLegalHold"]);
    }
    let statements = vec![
        Statement::allow("ReadReplicationConfiguration")
            .actions(&["s3:GetReplicationConfiguration", "s3:ListBucket"])
            .resource(bucket_arn(source.clone())),
        Statement::allow("ReadSourceVersions")
            .actions(&read_versions)
            .resource(objects(source.clone())),
        Statement::allow("WriteReplica")
            .actions(&["s3:ReplicateObject", "s3:ReplicateTags"])
            .resource(objects(replica_name.clone())),
        through_s3(
            Statement::allow("DecryptSource")
                .actions(&["kms:Decrypt"])
                .resource(Value::get_att(source_key, "Arn")),
            Intrinsic::sub("s3.${AWS::Region}.${AWS::URLSuffix}").into(),
            bucket_arn(source),
        ),
        // The replica keeps the source's S3 Bucket Key setting; S3 then also
        // decrypts with the replica key to check that Bucket Key (S3 user guide,
        // "Using an S3 Bucket Key with replication").
        through_s3(
            Statement::allow("UseReplicaKey")
                .actions(&["kms:Encrypt", "kms:Decrypt"])
                .resource(Value::reference(REPLICA_KEY_ARN)),
            Intrinsic::sub(format!("s3.{}.${{AWS::URLSuffix}}", replica.region)).into(),
            bucket_arn(replica_name),
        ),
    ];
    Role {
        path: Some(CENTRAL_ROLE_PATH.to_owned()),
        description: "smlog: lets S3 replicate the session logs into the replica bucket".to_owned(),
        assume_role_policy_document: PolicyDocument::new(vec![Statement::allow("S3AssumesRole")
            .principal(Principal::Service(vec![principal::S3.into()]))
            .actions(&["sts:AssumeRole"])]),
        policies: vec![InlinePolicy {
            policy_name: "smlog-replication".to_owned(),
            policy_document: PolicyDocument::new(statements),
        }],
    }
}

/// The log bucket's replication: every object, SSE-KMS ones included,
/// re-encrypted with the replica key; replica changes flow back; deletes do not.
pub fn replication(replica: &Replica) -> ReplicationConfiguration {
    ReplicationConfiguration {
        role: Value::get_att(REPLICATION_ROLE, "Arn"),
        rules: vec![ReplicationRule {
            id: "session-logs-to-replica".to_owned(),
            status: "Enabled".to_owned(),
            priority: 1,
            filter: ReplicationFilter {
                prefix: String::new(),
            },
            delete_marker_replication: Status::enabled(false),
            source_selection_criteria: SourceSelectionCriteria {
                sse_kms_encrypted_objects: Status::enabled(true),
                replica_modifications: Status::enabled(true),
            },
            destination: ReplicationDestination {
                bucket: bucket_arn(name(replica.region.as_str())),
                encryption_configuration: ReplicaEncryption {
                    replica_kms_key_id: Value::reference(REPLICA_KEY_ARN),
                },
            },
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn plan_with_replica() -> Plan {
        Plan::new(Settings {
            replica: Some(Replica {
                region: "eu-west-1".parse().unwrap(),
                bucket_name: None,
            }),
            ..Settings::default()
        })
    }

    #[test]
    fn the_role_encrypts_and_decrypts_with_the_replica_key_through_s3_only() {
        let plan = plan_with_replica();
        let role = role(&plan, plan.settings.replica.as_ref().unwrap());
        let statements = serde_json::to_value(&role.policies[0].policy_document).unwrap();
        let on_replica_key: Vec<&serde_json::Value> = statements["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["Resource"] == serde_json::json!([{"Ref": REPLICA_KEY_ARN}]))
            .collect();
        assert_eq!(on_replica_key.len(), 1, "{statements:#}");
        let statement = on_replica_key[0];
        assert_eq!(
            statement["Action"],
            serde_json::json!(["kms:Encrypt", "kms:Decrypt"])
        );
        let condition = &statement["Condition"]["StringEquals"];
        assert_eq!(
            condition["kms:ViaService"],
            serde_json::json!({"Fn::Sub": "s3.eu-west-1.${AWS::URLSuffix}"})
        );
        assert!(condition["kms:EncryptionContext:aws:s3:arn"]["Fn::Sub"].is_array());
    }
}
