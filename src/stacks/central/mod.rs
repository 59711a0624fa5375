//! The central-account stack: KMS key(s), the log bucket and its
//! organisation-scoped policy. With a multi-Region session key it is deployed
//! once per Region of the central account: the home Region holds the bucket,
//! its key and the primary session key; every other Region a replica of the
//! session key (same `mrk-` id).

pub mod access;
pub mod access_logs;
pub mod bucket;

use super::replica;
use super::{finish, holding_data, just_in_time_tags, rotated_key};
use crate::cfn::kms::{Alias, Key, ReplicaKey, Tag};
use crate::cfn::s3::BucketPolicy;
use crate::cfn::{Intrinsic, Output, Parameter, PolicyDocument, Pseudo, Resource, Template, Value};
use crate::config::{LogBucket, RetentionSettings, SessionKey, Settings};
use crate::error::{Error, Result};
use crate::ids::{BucketName, KmsKeyArn, OrgId, Region};
use crate::names::logical::*;
use crate::names::{resource, wiring};
use crate::plan::KeyUse;
use crate::plan::Plan;
pub use access::{key_grants, Access, Admission, Names};

pub const ORGANIZATION_ID: &str = "OrganizationId";
const GENERATE_BUCKET_NAME: &str = "GenerateBucketName";
pub const HOME_REGION: &str = "HomeRegion";
pub const PRIMARY_SESSION_KEY_ARN: &str = "PrimarySessionKeyArn";
const IS_HOME_REGION: &str = "IsHomeRegion";
const IS_REPLICA_REGION: &str = "IsReplicaRegion";

/// Where the stack's resources go: everywhere (one Region), or, with a
/// multi-Region session key, the bucket and keys in the home Region only.
#[derive(Clone, Copy)]
struct Placement {
    multi_region: bool,
}

impl Placement {
    fn home_only(self, resource: impl Into<Resource>) -> Resource {
        let resource = resource.into();
        if self.multi_region {
            resource.when(IS_HOME_REGION)
        } else {
            resource
        }
    }

    fn home_only_output(self, output: Output) -> Output {
        if self.multi_region {
            output.when(IS_HOME_REGION)
        } else {
            output
        }
    }
}

/// The session key's value in this Region: the primary at home, the replica elsewhere.
fn home_or_replica(home: Intrinsic, replica: Intrinsic) -> Value<String> {
    Intrinsic::if_(IS_HOME_REGION, home, replica).into()
}

/// The central stack (the plan makes none when an existing bucket and key
/// serve everything: `keys: one`, or session keys per account).
pub fn build(plan: &Plan) -> Result<Template> {
    let settings = &plan.settings;
    let retention = match &settings.bucket {
        LogBucket::Created { retention, .. } => Some(retention),
        LogBucket::Existing { .. } => None,
    };
    let description = match (retention, settings.session_key) {
        (Some(_), _) => "smlog central stack: encrypted, organisation-scoped S3 bucket and KMS keys for Session Manager logs",
        (None, SessionKey::Central { .. }) => "smlog central stack: the session key, beside an existing log archive bucket",
        (None, _) => {
            return Err(Error::Internal(
                "no central stack beside an existing bucket without a central session key".to_owned(),
            ))
        }
    };
    let mut template = Template::new(description);
    let placement = Placement {
        multi_region: settings.session_key.is_multi_region(),
    };
    parameters(&mut template, settings, placement);
    if retention.is_some() {
        template.condition(
            GENERATE_BUCKET_NAME,
            Intrinsic::equals(Intrinsic::reference(wiring::BUCKET_NAME), ""),
        );
    }
    if placement.multi_region {
        template.condition(
            IS_HOME_REGION,
            Intrinsic::equals(
                Intrinsic::pseudo(Pseudo::Region),
                Intrinsic::reference(HOME_REGION),
            ),
        );
        template.condition(
            IS_REPLICA_REGION,
            Intrinsic::negate(Intrinsic::Condition(IS_HOME_REGION.to_owned())),
        );
    }

    let names = Names::in_stack();
    let admissions = access::admissions(&settings.scope);
    let access = Access {
        names: &names,
        admissions: &admissions,
        recording: settings.session.rdp_recording,
    };
    let mut keys = keys(
        settings.session_key,
        retention.is_some(),
        access,
        placement,
        just_in_time_tags(settings),
    );
    for (id, resource) in std::mem::take(&mut keys.resources) {
        template.resource(id, resource);
    }
    if let (Some(retention), Some(bucket_key)) = (retention, keys.bucket_key) {
        add_log_bucket(
            &mut template,
            plan,
            retention,
            bucket_key,
            access,
            placement,
        );
    }
    if let Some(replica) = keys.replica.take() {
        template.resource(SESSION_KEY_REPLICA, replica);
    }
    outputs(&mut template, &keys, placement);
    finish(template, "central")
}

/// The log bucket, its access-log target, its replication role and its policy.
fn add_log_bucket(
    template: &mut Template,
    plan: &Plan,
    retention: &RetentionSettings,
    bucket_key: &str,
    access: Access,
    placement: Placement,
) {
    let mut log_bucket =
        bucket::hardened(bucket_name(), Value::get_att(bucket_key, "Arn"), retention);
    for (id, resource) in access_logs::resources(&retention.access_logs, bucket_name()) {
        template.resource(id, placement.home_only(resource));
    }
    if let Some(copy) = &plan.settings.replica {
        replica::central_parameters(template, copy);
        // Retained: the retained bucket's replication names this role.
        template.resource(
            REPLICATION_ROLE,
            placement.home_only(holding_data(replica::role(plan, copy))),
        );
        log_bucket.replication_configuration = Some(replica::replication(copy));
    }
    let log_bucket =
        access_logs::delivered_from_the_start(holding_data(log_bucket), &retention.access_logs);
    template.resource(LOG_BUCKET, placement.home_only(log_bucket));
    template.resource(
        LOG_BUCKET_POLICY,
        // Retained with the bucket: a deleted stack must not leave the bucket
        // without its policy, which would stop uploads from every account.
        placement.home_only(holding_data(bucket_policy(access, bucket_key))),
    );
}

/// The keys of the central stack, in template order, and how to name them.
struct CentralKeys {
    resources: Vec<(&'static str, Resource)>,
    /// In the other Regions of a multi-Region session key; placed after the bucket.
    replica: Option<Resource>,
    /// None beside an existing bucket, whose key is not the stack's.
    bucket_key: Option<&'static str>,
    /// The logical id of the key that encrypts session data in the home Region.
    session_key_id: &'static str,
    /// The session key's ARN in this Region, when the central stack has one.
    session_key: Option<Value<String>>,
}

fn keys(
    session_key: SessionKey,
    with_bucket: bool,
    access: Access,
    placement: Placement,
    session_key_tags: Vec<Tag>,
) -> CentralKeys {
    let bucket_key = || placement.home_only(holding_data(bucket_key(access)));
    let bucket_alias =
        || placement.home_only(alias(BUCKET_KEY_ALIAS_NAME, Value::reference(BUCKET_KEY)));
    match session_key {
        SessionKey::Shared { multi_region } => {
            let shared = SessionKeyResources::new(
                LOGGING_KEY,
                Key {
                    tags: session_key_tags,
                    ..single_key(access)
                },
                multi_region,
                placement,
            );
            CentralKeys {
                resources: vec![
                    (LOGGING_KEY, shared.key),
                    (
                        LOGGING_KEY_ALIAS,
                        alias("alias/session-manager-logs", shared.alias_target),
                    ),
                ],
                replica: shared.replica,
                bucket_key: Some(LOGGING_KEY),
                session_key_id: LOGGING_KEY,
                session_key: Some(shared.arn),
            }
        }
        // Each member stack makes its own session key.
        SessionKey::PerAccount => CentralKeys {
            resources: vec![
                (BUCKET_KEY, bucket_key()),
                (BUCKET_KEY_ALIAS, bucket_alias()),
            ],
            replica: None,
            bucket_key: Some(BUCKET_KEY),
            session_key_id: BUCKET_KEY,
            session_key: None,
        },
        SessionKey::Central { multi_region } => {
            let session = SessionKeyResources::new(
                SESSION_KEY,
                Key {
                    tags: session_key_tags,
                    ..session_key_of(access)
                },
                multi_region,
                placement,
            );
            let session_alias = (
                SESSION_KEY_ALIAS,
                alias(resource::SESSION_KEY_ALIAS, session.alias_target),
            );
            let resources = if with_bucket {
                vec![
                    (BUCKET_KEY, bucket_key()),
                    (SESSION_KEY, session.key),
                    (BUCKET_KEY_ALIAS, bucket_alias()),
                    session_alias,
                ]
            } else {
                vec![(SESSION_KEY, session.key), session_alias]
            };
            CentralKeys {
                resources,
                replica: session.replica,
                bucket_key: with_bucket.then_some(BUCKET_KEY),
                session_key_id: SESSION_KEY,
                session_key: Some(session.arn),
            }
        }
    }
}

/// The key that encrypts session data: the primary in the home Region and,
/// for a multi-Region key, a replica (same `mrk-` id) in every other Region.
struct SessionKeyResources {
    key: Resource,
    replica: Option<Resource>,
    /// What the alias points at in this Region.
    alias_target: Value<String>,
    /// The key's ARN in this Region.
    arn: Value<String>,
}

impl SessionKeyResources {
    fn new(id: &str, mut key: Key, multi_region: bool, placement: Placement) -> Self {
        if !multi_region {
            return SessionKeyResources {
                key: holding_data(key),
                replica: None,
                alias_target: Value::reference(id),
                arn: Value::get_att(id, "Arn"),
            };
        }
        key.multi_region = Some(true);
        let replica = holding_data(ReplicaKey {
            description: "smlog: replica of the multi-Region session key for this Region"
                .to_owned(),
            primary_key_arn: Value::reference(PRIMARY_SESSION_KEY_ARN),
            pending_window_in_days: Some(30),
            key_policy: key.key_policy.clone(),
            tags: key.tags.clone(),
        })
        .when(IS_REPLICA_REGION);
        SessionKeyResources {
            key: placement.home_only(holding_data(key)),
            replica: Some(replica),
            alias_target: home_or_replica(
                Intrinsic::reference(id),
                Intrinsic::reference(SESSION_KEY_REPLICA),
            ),
            arn: home_or_replica(
                Intrinsic::get_att(id, "Arn"),
                Intrinsic::get_att(SESSION_KEY_REPLICA, "Arn"),
            ),
        }
    }
}

const BUCKET_KEY_ALIAS_NAME: &str = "alias/session-manager-logs/bucket";

fn outputs(template: &mut Template, keys: &CentralKeys, placement: Placement) {
    if let Some(bucket_key) = keys.bucket_key {
        bucket_outputs(template, bucket_key, placement);
    }
    session_key_outputs(template, keys, placement);
}

fn bucket_outputs(template: &mut Template, bucket_key: &str, placement: Placement) {
    template.output(
        wiring::BUCKET_NAME,
        placement.home_only_output(
            Output::new(
                "Name of the central Session Manager log bucket",
                Value::reference(LOG_BUCKET),
            )
            .exported_as(wiring::BUCKET_NAME),
        ),
    );
    template.output(
        wiring::BUCKET_ARN,
        placement.home_only_output(
            Output::new(
                "ARN of the central log bucket",
                Value::get_att(LOG_BUCKET, "Arn"),
            )
            .exported_as(wiring::BUCKET_ARN),
        ),
    );
    template.output(
        wiring::BUCKET_KEY_ARN,
        placement.home_only_output(
            Output::new(
                "ARN of the KMS key that encrypts the bucket",
                Value::get_att(bucket_key, "Arn"),
            )
            .exported_as(wiring::BUCKET_KEY_ARN),
        ),
    );
}

fn session_key_outputs(template: &mut Template, keys: &CentralKeys, placement: Placement) {
    if let Some(arn) = &keys.session_key {
        template.output(
            wiring::SESSION_KEY_ARN,
            Output::new("ARN of the KMS key that encrypts session data", arn.clone())
                .exported_as(wiring::SESSION_KEY_ARN),
        );
    }
    if placement.multi_region {
        template.output(
            wiring::SESSION_KEY_ID,
            Output::new(
                "Id (mrk-…) of the multi-Region session key, the same in every Region",
                // Ref of a key (and of a replica) is its id.
                home_or_replica(
                    Intrinsic::reference(keys.session_key_id),
                    Intrinsic::reference(SESSION_KEY_REPLICA),
                ),
            )
            .exported_as(wiring::SESSION_KEY_ID),
        );
    }
    template.output(
        wiring::CENTRAL_ACCOUNT_ID,
        Output::new(
            "The central account, which owns the bucket and keys",
            Value::pseudo(Pseudo::AccountId),
        )
        .exported_as(wiring::CENTRAL_ACCOUNT_ID),
    );
}

fn parameters(template: &mut Template, settings: &Settings, placement: Placement) {
    if let Some(organization) = &settings.scope.organization {
        template.parameter(
            ORGANIZATION_ID,
            Parameter::string("AWS Organizations id whose principals may write session logs")
                .default_opt(organization.id.as_ref().map(|id| id.to_string()))
                .pattern(OrgId::PATTERN, OrgId::CONSTRAINT),
        );
    }
    if let LogBucket::Created { name, .. } = &settings.bucket {
        template.parameter(
            wiring::BUCKET_NAME,
            Parameter::string(
                "Name of the log bucket; empty for session-manager-logs-<account id>-<Region>",
            )
            .default_value(name.as_ref().map(|b| b.to_string()).unwrap_or_default())
            .pattern(
                &format!("^$|{}", BucketName::PATTERN),
                &format!("empty, or {}", BucketName::CONSTRAINT),
            ),
        );
    }
    if placement.multi_region {
        template.parameter(
            HOME_REGION,
            Parameter::string(
                "The Region that holds the bucket, its key and the primary session key",
            )
            .default_value(settings.home_region.to_string())
            .pattern(Region::PATTERN, Region::CONSTRAINT),
        );
        template.parameter(
            PRIMARY_SESSION_KEY_ARN,
            Parameter::string(
                "In every other Region: the home stack's output SessionKeyArn; none in the home Region",
            )
            .default_value("none")
            .pattern(
                &format!("^none$|{}", KmsKeyArn::MULTI_REGION_PATTERN),
                "none, or the ARN of the multi-Region primary key (key/mrk-…)",
            ),
        );
    }
}

/// The bucket name, generated or given.
pub(super) fn bucket_name() -> Value<String> {
    Intrinsic::if_(
        GENERATE_BUCKET_NAME,
        Intrinsic::sub("session-manager-logs-${AWS::AccountId}-${AWS::Region}"),
        Intrinsic::reference(wiring::BUCKET_NAME),
    )
    .into()
}

fn bucket_key(access: Access) -> Key {
    rotated_key(
        "smlog: encrypts Session Manager logs in the central bucket (used through S3 only)",
        access::key_policy(access, KeyUse::Bucket),
    )
}

fn session_key_of(access: Access) -> Key {
    rotated_key(
        "smlog: encrypts Session Manager session data between client and node",
        access::key_policy(access, KeyUse::Session),
    )
}

/// Key mode `one`: one key encrypts the bucket and the sessions, under a
/// statement for each: through S3 for this bucket, and directly (session
/// encryption cannot go through a service) with Session Manager's context.
fn single_key(access: Access) -> Key {
    rotated_key(
        "smlog: encrypts Session Manager logs and session data",
        access::key_policy(access, KeyUse::BucketAndSession),
    )
}

/// Retained with its key, like every central resource: a deleted stack then
/// leaves a whole template's worth of resources, which one IMPORT change set
/// adopts (README: "Deploying again after the central stack was deleted").
fn alias(name: &str, target: Value<String>) -> Resource {
    holding_data(Alias {
        alias_name: name.into(),
        target_key_id: target,
    })
}

fn bucket_policy(access: Access, bucket_key: &str) -> BucketPolicy {
    BucketPolicy {
        bucket: Value::reference(LOG_BUCKET),
        policy_document: PolicyDocument::new(access::bucket_statements(
            access,
            Value::get_att(bucket_key, "Arn"),
        )),
    }
}
