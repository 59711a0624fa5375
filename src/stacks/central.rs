//! The central-account stack: KMS key(s), the log bucket and its organisation-scoped policy.

use super::SESSION_KEY_ALIAS;
use super::{holding_data, root_administration, rotated_key, wiring};
use crate::cfn::kms::{Alias, Key};
use crate::cfn::s3::{
    Bucket, BucketEncryption, BucketPolicy, DefaultRetention, LifecycleConfiguration,
    LifecycleRule, LoggingConfiguration, NoncurrentVersionExpiration, ObjectLockConfiguration,
    ObjectLockRule, OwnershipControls, PublicAccessBlockConfiguration, Transition,
    VersioningConfiguration,
};
use crate::cfn::{
    Expr, Intrinsic, Output, Parameter, PolicyDocument, Principal, Statement, Template, Value,
};
use crate::config::{KeyMode, KeyPlacement, LockPeriod, RetentionSettings, Settings};
use crate::ids::{BUCKET_NAME_PATTERN, ORG_ID_PATTERN};

pub const ORGANIZATION_ID: &str = "OrganizationId";
const GENERATE_BUCKET_NAME: &str = "GenerateBucketName";
const BUCKET_KEY: &str = "BucketKey";
const SESSION_KEY: &str = "SessionKey";
/// In key mode `one`, the single key that serves both purposes.
const LOGGING_KEY: &str = "LoggingKey";
pub const LOG_BUCKET: &str = "LogBucket";
pub const LOG_BUCKET_POLICY: &str = "LogBucketPolicy";

pub fn build(settings: &Settings) -> Template {
    let mut template = Template::new(
        "smlog central stack: encrypted, organisation-scoped S3 bucket and KMS keys for Session Manager logs",
    );
    parameters(&mut template, settings);
    template.condition(
        GENERATE_BUCKET_NAME,
        Intrinsic::equals(Intrinsic::reference(wiring::BUCKET_NAME), ""),
    );

    let scopes = scopes(settings);
    let (bucket_key, session_key) = match settings.key_mode {
        KeyMode::Two => {
            // With per-account session keys, each member stack makes its own.
            let central_session_key = settings.session.key_placement == KeyPlacement::Central;
            template.resource(BUCKET_KEY, holding_data(bucket_key(&scopes)));
            if central_session_key {
                template.resource(SESSION_KEY, holding_data(session_key(&scopes)));
            }
            template.resource(
                "BucketKeyAlias",
                alias("alias/session-manager-logs/bucket", BUCKET_KEY),
            );
            if central_session_key {
                template.resource("SessionKeyAlias", alias(SESSION_KEY_ALIAS, SESSION_KEY));
            }
            (BUCKET_KEY, central_session_key.then_some(SESSION_KEY))
        }
        KeyMode::One => {
            template.resource(LOGGING_KEY, holding_data(single_key(&scopes)));
            template.resource(
                "LoggingKeyAlias",
                alias("alias/session-manager-logs", LOGGING_KEY),
            );
            (LOGGING_KEY, Some(LOGGING_KEY))
        }
    };

    template.resource(
        LOG_BUCKET,
        holding_data(log_bucket(bucket_key, &settings.retention)),
    );
    template.resource(LOG_BUCKET_POLICY, bucket_policy(&scopes));

    template.output(
        wiring::BUCKET_NAME,
        Output::new(
            "Name of the central Session Manager log bucket",
            Value::reference(LOG_BUCKET),
        )
        .exported_as(wiring::BUCKET_NAME),
    );
    template.output(
        wiring::BUCKET_ARN,
        Output::new(
            "ARN of the central log bucket",
            Value::get_att(LOG_BUCKET, "Arn"),
        )
        .exported_as(wiring::BUCKET_ARN),
    );
    template.output(
        wiring::BUCKET_KEY_ARN,
        Output::new(
            "ARN of the KMS key that encrypts the bucket",
            Value::get_att(bucket_key, "Arn"),
        )
        .exported_as(wiring::BUCKET_KEY_ARN),
    );
    if let Some(session_key) = session_key {
        template.output(
            wiring::SESSION_KEY_ARN,
            Output::new(
                "ARN of the KMS key that encrypts session data",
                Value::get_att(session_key, "Arn"),
            )
            .exported_as(wiring::SESSION_KEY_ARN),
        );
    }
    if settings.multi_region_session_key() {
        super::multi_region::extend_central(&mut template, settings);
    }
    template
}

fn parameters(template: &mut Template, settings: &Settings) {
    if settings.principals.organization {
        template.parameter(
            ORGANIZATION_ID,
            Parameter::string("AWS Organizations id whose principals may write session logs")
                .default_opt(settings.organization_id.as_ref().map(|id| id.to_string()))
                .pattern(
                    ORG_ID_PATTERN,
                    "an organization id: o- then 10 to 32 lowercase letters or digits",
                ),
        );
    }
    template.parameter(
        wiring::BUCKET_NAME,
        Parameter::string(
            "Name of the log bucket; empty for session-manager-logs-<account id>-<Region>",
        )
        .default_value(settings.bucket_name.as_ref().map(|b| b.to_string()).unwrap_or_default())
        .pattern(
            BUCKET_NAME_PATTERN,
            "empty, or 3 to 63 lowercase letters, digits and hyphens, beginning and ending with a letter or digit",
        ),
    );
}

/// The bucket name, generated or given.
fn bucket_name() -> Value<String> {
    Intrinsic::if_(
        GENERATE_BUCKET_NAME,
        Intrinsic::sub("session-manager-logs-${AWS::AccountId}-${AWS::Region}"),
        Intrinsic::reference(wiring::BUCKET_NAME),
    )
    .into()
}

/// One way of naming who may deliver logs and use the keys: a name for the
/// statement ids and the condition that admits them.
struct Scope {
    name: &'static str,
    operator: &'static str,
    key: &'static str,
    value: Expr,
}

impl Scope {
    fn admit(&self, statement: Statement) -> Statement {
        statement.condition(self.operator, self.key, self.value.clone())
    }
}

/// The organisation, parts of it, and listed accounts, as configured. Each
/// gets statements of its own: conditions inside one statement all must hold.
fn scopes(settings: &Settings) -> Vec<Scope> {
    let principals = &settings.principals;
    let list = |items: Vec<&str>| Expr::List(items.into_iter().map(Expr::from).collect());
    let mut scopes = Vec::new();
    if principals.organization {
        scopes.push(Scope {
            name: "Organization",
            operator: "StringEquals",
            key: "aws:PrincipalOrgID",
            value: Intrinsic::reference(ORGANIZATION_ID).into(),
        });
    }
    if !principals.organization_paths.is_empty() {
        scopes.push(Scope {
            name: "OrganizationPaths",
            operator: "ForAnyValue:StringLike",
            key: "aws:PrincipalOrgPaths",
            value: list(
                principals
                    .organization_paths
                    .iter()
                    .map(|p| p.as_str())
                    .collect(),
            ),
        });
    }
    if !principals.accounts.is_empty() {
        scopes.push(Scope {
            name: "Accounts",
            operator: "StringEquals",
            key: "aws:PrincipalAccount",
            value: list(principals.accounts.iter().map(|a| a.as_str()).collect()),
        });
    }
    scopes
}

/// Admitted principals may use the key only through S3, for this bucket.
fn use_through_s3(scope: &Scope) -> Statement {
    scope
        .admit(
            Statement::allow(&format!("Allow{}UseThroughS3", scope.name))
                .principal(Principal::Anyone)
                .actions(&["kms:GenerateDataKey", "kms:Decrypt"])
                .resource("*"),
        )
        .condition(
            "StringEquals",
            "kms:ViaService",
            Intrinsic::sub("s3.${AWS::Region}.amazonaws.com"),
        )
        .condition(
            "StringEquals",
            "kms:EncryptionContext:aws:s3:arn",
            Intrinsic::SubWith {
                template: "arn:${AWS::Partition}:s3:::${Bucket}".to_owned(),
                variables: [("Bucket".to_owned(), bucket_name().into())]
                    .into_iter()
                    .collect(),
            },
        )
}

/// Admitted principals encrypt and decrypt session data with the key directly.
fn session_encryption(scope: &Scope) -> Statement {
    scope.admit(
        Statement::allow(&format!("Allow{}SessionEncryption", scope.name))
            .principal(Principal::Anyone)
            .actions(&["kms:GenerateDataKey", "kms:Decrypt"])
            .resource("*"),
    )
}

fn key_statements(scopes: &[Scope], grant: fn(&Scope) -> Statement) -> Vec<Statement> {
    std::iter::once(root_administration())
        .chain(scopes.iter().map(grant))
        .collect()
}

fn bucket_key(scopes: &[Scope]) -> Key {
    rotated_key(
        "smlog: encrypts Session Manager logs in the central bucket (used through S3 only)",
        key_statements(scopes, use_through_s3),
    )
}

fn session_key(scopes: &[Scope]) -> Key {
    rotated_key(
        "smlog: encrypts Session Manager session data between client and node",
        key_statements(scopes, session_encryption),
    )
}

/// Key mode `one`: one key encrypts the bucket and the sessions. Session
/// encryption needs direct use, so `kms:ViaService` cannot narrow it.
fn single_key(scopes: &[Scope]) -> Key {
    rotated_key(
        "smlog: encrypts Session Manager logs and session data",
        key_statements(scopes, session_encryption),
    )
}

fn alias(name: &str, key: &str) -> Alias {
    Alias {
        alias_name: name.into(),
        target_key_id: Value::reference(key),
    }
}

fn log_bucket(key: &str, retention: &RetentionSettings) -> Bucket {
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
        bucket_name: Some(bucket_name()),
        // The agent copies this id verbatim into its uploads: it must be the full ARN.
        bucket_encryption: Some(BucketEncryption::kms(Value::get_att(key, "Arn"))),
        public_access_block_configuration: Some(PublicAccessBlockConfiguration::all_blocked()),
        ownership_controls: Some(OwnershipControls::bucket_owner_enforced()),
        versioning_configuration: Some(VersioningConfiguration::enabled()),
        object_lock_enabled: object_lock.as_ref().map(|_| true),
        object_lock_configuration: object_lock,
        lifecycle_configuration: lifecycle,
        logging_configuration: retention.access_log_bucket.as_ref().map(|bucket| {
            LoggingConfiguration {
                destination_bucket_name: bucket.to_string().into(),
                log_file_prefix: "session-manager-logs/".to_owned(),
            }
        }),
    }
}

/// TLS only; admitted principals may read the bucket's encryption settings and
/// write below their own account id. One statement per scope carries both
/// grants (object actions never match the bucket ARN, nor bucket actions the
/// object ARNs), so an account list appears once and about 1,300 accounts fit.
fn bucket_policy(scopes: &[Scope]) -> BucketPolicy {
    let bucket_arn = || Value::get_att(LOG_BUCKET, "Arn");
    let mut statements = vec![Statement::deny("DenyInsecureTransport")
        .principal(Principal::Anyone)
        .actions(&["s3:*"])
        .resources([bucket_arn(), Value::sub(format!("${{{LOG_BUCKET}.Arn}}/*"))])
        .condition("Bool", "aws:SecureTransport", false)];
    for scope in scopes {
        statements.push(
            scope.admit(
                Statement::allow(&format!("Allow{}LogDelivery", scope.name))
                    .principal(Principal::Anyone)
                    .actions(&[
                        "s3:GetEncryptionConfiguration",
                        "s3:PutObject",
                        "s3:PutObjectAcl",
                    ])
                    .resources([
                        bucket_arn(),
                        Value::sub(format!(
                            "${{{LOG_BUCKET}.Arn}}/${{!aws:PrincipalAccount}}/*"
                        )),
                    ]),
            ),
        );
    }
    BucketPolicy {
        bucket: Value::reference(LOG_BUCKET),
        policy_document: PolicyDocument::new(statements),
    }
}
