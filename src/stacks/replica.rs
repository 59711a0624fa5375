//! The opt-in cross-Region replica of the log bucket. `replica.yaml`, deployed
//! first in the replica Region of the central account, holds the replica
//! bucket (hardened like the log bucket, Object Lock included) and its own
//! key; the central stack then replicates every log into it, re-encrypted
//! with that key, by a role that reaches exactly those two buckets and keys.
//! Deletes are not replicated: the replica keeps what the source loses.

use super::central::replication::{
    name, name_condition, name_parameter, REPLICA_BUCKET_NAME, REPLICA_KEY_ARN,
};
use super::central::{access_logs, bucket};
use super::{finish, holding_data, root_administration, rotated_key};
use crate::cfn::kms::Alias;
use crate::cfn::s3::BucketPolicy;
use crate::cfn::{Output, PolicyDocument, Principal, Statement, Template, Value};
use crate::config::{AccessLogs, LogBucket};
use crate::error::Result;
use crate::plan::Plan;

const REPLICA_KEY: &str = "ReplicaKey";
const REPLICA_BUCKET: &str = "ReplicaBucket";
const REPLICA_BUCKET_POLICY: &str = "ReplicaBucketPolicy";

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
