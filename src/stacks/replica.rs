//! The opt-in cross-Region replica of the log bucket. `replica.yaml`, deployed
//! first in the replica Region of the central account, holds the replica
//! bucket (hardened like the log bucket, Object Lock included) and its own
//! key; the central stack then replicates every log into it, re-encrypted
//! with that key, by a role that reaches exactly those two buckets and keys.
//! Deletes are not replicated: the replica keeps what the source loses.

use super::central::bucket_name as source_bucket_name;
use super::central::{access_logs, bucket};
use super::{finish, holding_data, root_administration, rotated_key};
use crate::cfn::iam::{InlinePolicy, Role};
use crate::cfn::kms::Alias;
use crate::cfn::s3::{
    BucketPolicy, ReplicaEncryption, ReplicationConfiguration, ReplicationDestination,
    ReplicationFilter, ReplicationRule, SourceSelectionCriteria, Status,
};
use crate::cfn::{
    Expr, Intrinsic, Output, Parameter, PolicyDocument, Principal, Statement, Template, Value,
};
use crate::config::{AccessLogs, LogBucket, Replica};
use crate::error::Result;
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
const REPLICA_KEY: &str = "ReplicaKey";
const REPLICA_BUCKET: &str = "ReplicaBucket";
const REPLICA_BUCKET_POLICY: &str = "ReplicaBucketPolicy";

/// The replica bucket's name parameter: given, or empty for a generated one.
fn name_parameter(replica: &Replica) -> Parameter {
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
fn name(region: &str) -> Value<String> {
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

fn name_condition(template: &mut Template) {
    template.condition(
        GENERATE_REPLICA_BUCKET_NAME,
        Intrinsic::equals(Intrinsic::reference(REPLICA_BUCKET_NAME), ""),
    );
}

/// The replica stack, for the replica Region of the central account.
pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let replica = settings
        .replica
        .as_ref()
        .expect("the plan makes a replica when one is configured");
    let LogBucket::Created { retention, .. } = &settings.bucket else {
        unreachable!("configuration refuses a replica of an existing bucket");
    };
    let mut template = Template::new(
        "smlog replica stack: the cross-Region copy of the Session Manager log bucket, with its own key",
    );
    template.parameter(REPLICA_BUCKET_NAME, name_parameter(replica));
    name_condition(&mut template);
    template.resource(
        REPLICA_KEY,
        holding_data(rotated_key(
            "smlog: encrypts the replica of the Session Manager log bucket",
            vec![root_administration()],
        )),
    );
    template.resource(
        "ReplicaKeyAlias",
        holding_data(Alias {
            alias_name: "alias/session-manager-logs/replica".into(),
            target_key_id: Value::reference(REPLICA_KEY),
        }),
    );
    // The replica's access logs stay in its own Region: an existing target
    // beside the log bucket cannot take them, so the replica gets its own.
    let mut copy = retention.clone();
    if copy.access_logs != AccessLogs::Off {
        copy.access_logs = AccessLogs::Created;
    }
    for (id, resource) in access_logs::resources(&copy.access_logs, name("${AWS::Region}")) {
        template.resource(id, resource);
    }
    let replica_bucket = holding_data(bucket::hardened(
        name("${AWS::Region}"),
        Value::get_att(REPLICA_KEY, "Arn"),
        &copy,
    ));
    template.resource(
        REPLICA_BUCKET,
        access_logs::delivered_from_the_start(replica_bucket, &copy.access_logs),
    );
    template.resource(REPLICA_BUCKET_POLICY, holding_data(replica_bucket_policy()));
    template.output(
        REPLICA_BUCKET_NAME,
        Output::new("The replica bucket", Value::reference(REPLICA_BUCKET)),
    );
    template.output(
        REPLICA_KEY_ARN,
        Output::new(
            "The replica's key: the central stack's parameter ReplicaKeyArn",
            Value::get_att(REPLICA_KEY, "Arn"),
        ),
    );
    finish(template, "replica")
}

/// Nobody writes into the replica but replication; TLS is all it needs to demand.
fn replica_bucket_policy() -> BucketPolicy {
    BucketPolicy {
        bucket: Value::reference(REPLICA_BUCKET),
        policy_document: PolicyDocument::new(vec![Statement::deny("DenyInsecureTransport")
            .principal(Principal::Anyone)
            .actions(&["s3:*"])
            .resources([
                Value::get_att(REPLICA_BUCKET, "Arn"),
                Value::sub(format!("${{{REPLICA_BUCKET}.Arn}}/*")),
            ])
            .condition("Bool", "aws:SecureTransport", false)]),
    }
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
