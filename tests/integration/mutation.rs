//! Mutation tests: harmful edits to generated templates, each of which must be
//! caught by the rule written for it — in-process and through `smlog validate`.

use super::support::{empty_dir, example_settings, smlog_in, stdout};
use serde_yaml_ng::Value;
use smlog::config::Settings;
use smlog::emit;
use smlog::gate::guard::{self, Document};
use smlog::plan::{Plan, Target};
use smlog::synth;

fn generated(target: Target, settings: &Settings) -> Value {
    let plan = Plan::new(settings.clone());
    let templates = synth::build(&plan).unwrap();
    let template = templates
        .get(target)
        .unwrap_or_else(|| panic!("the configuration produces no {}", target.title()));
    serde_yaml_ng::to_value(template).unwrap()
}

/// Walks a path of mapping keys and sequence indexes ("0", "1", …).
fn at<'a>(value: &'a mut Value, path: &[&str]) -> &'a mut Value {
    path.iter()
        .fold(value, |node, key| match key.parse::<usize>() {
            Ok(index) if node.is_sequence() => &mut node[index],
            _ => node
                .get_mut(*key)
                .unwrap_or_else(|| panic!("no {key} in path {path:?}")),
        })
}

/// The statements of a policy, found by resource and Sid.
fn statement<'a>(
    template: &'a mut Value,
    resource: &str,
    policy: &str,
    sid: &str,
) -> &'a mut Value {
    at(
        template,
        &["Resources", resource, "Properties", policy, "Statement"],
    )
    .as_sequence_mut()
    .unwrap()
    .iter_mut()
    .find(|s| s["Sid"] == *sid)
    .unwrap_or_else(|| panic!("no statement {sid} in {resource}"))
}

fn remove_statement(template: &mut Value, resource: &str, policy: &str, sid: &str) {
    at(
        template,
        &["Resources", resource, "Properties", policy, "Statement"],
    )
    .as_sequence_mut()
    .unwrap()
    .retain(|s| s["Sid"] != *sid);
}

fn drop_condition(template: &mut Value, resource: &str, policy: &str, sid: &str) {
    statement(template, resource, policy, sid)
        .as_mapping_mut()
        .unwrap()
        .remove("Condition");
}

fn yaml(text: &str) -> Value {
    serde_yaml_ng::from_str(text).unwrap()
}

pub struct Mutant {
    pub name: &'static str,
    pub rule: &'static str,
    pub template: Value,
}

pub fn mutants() -> Vec<Mutant> {
    let defaults = Settings::default();
    let central = generated(Target::Central, &defaults);
    let member = generated(Target::Member, &defaults);
    let rollout = generated(Target::Rollout, &defaults);
    let guarded = example_settings("retention-and-operators");
    let locked_central = generated(Target::Central, &guarded);
    let streaming_member = generated(Target::Member, &example_settings("cloudwatch"));
    let streaming_regional = generated(Target::MemberRegional, &example_settings("cloudwatch"));
    let streaming_rollout = generated(Target::Rollout, &example_settings("cloudwatch"));
    let multi_region_central = generated(Target::Central, &example_settings("multi-region"));
    let operated_member = generated(Target::Member, &guarded);
    let permission_set = generated(Target::PermissionSet, &guarded);
    let guardrail = generated(Target::Guardrail, &guarded);
    let endpoints = generated(Target::Endpoints, &example_settings("cloudwatch"));
    let scoped_central = generated(Target::Central, &example_settings("accounts-and-paths"));
    let sse = [
        "Resources",
        "LogBucket",
        "Properties",
        "BucketEncryption",
        "ServerSideEncryptionConfiguration",
        "0",
    ];
    let inputs = [
        "Resources",
        "AccountLogging",
        "Properties",
        "Content",
        "inputs",
    ];

    let mut mutants = Vec::new();
    let mut mutate = |name, rule, base: &Value, edit: &dyn Fn(&mut Value)| {
        let mut template = base.clone();
        edit(&mut template);
        mutants.push(Mutant {
            name,
            rule,
            template,
        });
    };
    mutate(
        "encryption removed",
        "bucket_encrypted_with_kms",
        &central,
        &|t| {
            at(t, &["Resources", "LogBucket", "Properties"])
                .as_mapping_mut()
                .unwrap()
                .remove("BucketEncryption");
        },
    );
    mutate(
        "AES256 instead of KMS",
        "bucket_encrypted_with_kms",
        &central,
        &|t| {
            *at(
                t,
                &[&sse[..], &["ServerSideEncryptionByDefault", "SSEAlgorithm"]].concat(),
            ) = "AES256".into();
        },
    );
    mutate("DSSE-KMS", "bucket_encrypted_with_kms", &central, &|t| {
        *at(
            t,
            &[&sse[..], &["ServerSideEncryptionByDefault", "SSEAlgorithm"]].concat(),
        ) = "aws:kms:dsse".into();
    });
    mutate(
        "key named by alias",
        "bucket_key_named_by_arn",
        &central,
        &|t| {
            *at(
                t,
                &[
                    &sse[..],
                    &["ServerSideEncryptionByDefault", "KMSMasterKeyID"],
                ]
                .concat(),
            ) = "alias/session-manager-logs/bucket".into();
        },
    );
    mutate("bucket key off", "bucket_key_enabled", &central, &|t| {
        *at(t, &[&sse[..], &["BucketKeyEnabled"]].concat()) = false.into();
    });
    mutate(
        "a public-access flag false",
        "bucket_blocks_public_access",
        &central,
        &|t| {
            *at(
                t,
                &[
                    "Resources",
                    "LogBucket",
                    "Properties",
                    "PublicAccessBlockConfiguration",
                    "RestrictPublicBuckets",
                ],
            ) = false.into();
        },
    );
    mutate("ACLs re-enabled", "bucket_owner_enforced", &central, &|t| {
        *at(
            t,
            &[
                "Resources",
                "LogBucket",
                "Properties",
                "OwnershipControls",
                "Rules",
                "0",
                "ObjectOwnership",
            ],
        ) = "ObjectWriter".into();
    });
    mutate("versioning suspended", "bucket_versioned", &central, &|t| {
        *at(
            t,
            &[
                "Resources",
                "LogBucket",
                "Properties",
                "VersioningConfiguration",
                "Status",
            ],
        ) = "Suspended".into();
    });
    mutate(
        "bucket deleted with the stack",
        "bucket_retained",
        &central,
        &|t| {
            *at(t, &["Resources", "LogBucket", "DeletionPolicy"]) = "Delete".into();
        },
    );
    mutate(
        "key alias deleted with the central stack",
        "central_stack_fully_retained",
        &central,
        &|t| {
            let alias = at(t, &["Resources", "SessionKeyAlias"])
                .as_mapping_mut()
                .unwrap();
            alias.remove("DeletionPolicy");
            alias.remove("UpdateReplacePolicy");
        },
    );
    mutate(
        "TLS deny removed",
        "bucket_policy_denies_insecure_transport",
        &central,
        &|t| {
            remove_statement(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "DenyInsecureTransport",
            );
        },
    );
    mutate(
        "TLS deny on the string 'false'",
        "bucket_policy_denies_insecure_transport",
        &central,
        &|t| {
            let deny = statement(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "DenyInsecureTransport",
            );
            *at(deny, &["Condition", "Bool", "aws:SecureTransport"]) = "false".into();
        },
    );
    mutate(
        "org condition dropped from a bucket Allow",
        "bucket_policy_allows_only_organization",
        &central,
        &|t| {
            drop_condition(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "AllowOrganizationLogDelivery",
            )
        },
    );
    mutate(
        "replication that passes SSE-KMS logs by",
        "bucket_replication_keeps_logs",
        &locked_central,
        &|t| {
            at(
                t,
                &[
                    "Resources",
                    "LogBucket",
                    "Properties",
                    "ReplicationConfiguration",
                    "Rules",
                    "0",
                ],
            )
            .as_mapping_mut()
            .unwrap()
            .remove("SourceSelectionCriteria");
        },
    );
    mutate(
        "small logs kept from the Glacier transition",
        "bucket_lifecycle_transitions_small_logs",
        &locked_central,
        &|t| {
            at(
                t,
                &[
                    "Resources",
                    "LogBucket",
                    "Properties",
                    "LifecycleConfiguration",
                ],
            )
            .as_mapping_mut()
            .unwrap()
            .remove("TransitionDefaultMinimumObjectSize");
        },
    );
    mutate(
        "bucket policy deleted with the stack",
        "bucket_policy_retained",
        &central,
        &|t| {
            at(t, &["Resources", "LogBucketPolicy"])
                .as_mapping_mut()
                .unwrap()
                .remove("DeletionPolicy");
        },
    );
    mutate(
        "organisation paths without the organisation's id",
        "bucket_policy_not_public",
        &scoped_central,
        &|t| {
            let paths = statement(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "AllowOrganizationPathsLogDelivery",
            );
            at(paths, &["Condition"])
                .as_mapping_mut()
                .unwrap()
                .remove("StringEquals");
        },
    );
    mutate(
        "listed accounts as a condition on everyone",
        "bucket_policy_not_public",
        &scoped_central,
        &|t| {
            let accounts = statement(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "AllowAccountsLogDelivery",
            );
            let listed = at(accounts, &["Principal", "AWS"]).clone();
            *at(accounts, &["Principal"]) = yaml("{AWS: '*'}");
            accounts
                .as_mapping_mut()
                .unwrap()
                .insert("Condition".into(), yaml("{StringEquals: {}}"));
            at(accounts, &["Condition", "StringEquals"])
                .as_mapping_mut()
                .unwrap()
                .insert("aws:PrincipalAccount".into(), listed);
        },
    );
    mutate(
        "delete allowed",
        "bucket_policy_allows_no_destructive_actions",
        &central,
        &|t| {
            let allow = statement(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "AllowOrganizationLogDelivery",
            );
            at(allow, &["Action"])
                .as_sequence_mut()
                .unwrap()
                .push("s3:DeleteObject".into());
        },
    );
    mutate(
        "writes to the whole bucket",
        "bucket_policy_scopes_writes_to_own_prefix",
        &central,
        &|t| {
            let allow = statement(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "AllowOrganizationLogDelivery",
            );
            *at(allow, &["Resource"]) = yaml("[{Fn::Sub: '${LogBucket.Arn}/*'}]");
        },
    );
    mutate(
        "access-log target encrypted with the bucket key",
        "access_log_target_sse_s3",
        &central,
        &|t| {
            *at(
                t,
                &[
                    "Resources",
                    "AccessLogBucket",
                    "Properties",
                    "BucketEncryption",
                ],
            ) = yaml(
                "{ServerSideEncryptionConfiguration: [{ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms', KMSMasterKeyID: {Fn::GetAtt: [BucketKey, Arn]}}}]}",
            );
        },
    );
    mutate(
        "access-log delivery admitted from any account",
        "access_log_delivery_scoped",
        &central,
        &|t| {
            let delivery = statement(
                t,
                "AccessLogBucketPolicy",
                "PolicyDocument",
                "AllowServerAccessLogDelivery",
            );
            at(delivery, &["Condition"])
                .as_mapping_mut()
                .unwrap()
                .remove("StringEquals");
        },
    );
    mutate(
        "an SSE-S3 bucket passed off as the access-log target",
        "access_log_target_is_a_logging_destination",
        &central,
        &|t| {
            at(t, &["Resources", "LogBucket", "Properties"])
                .as_mapping_mut()
                .unwrap()
                .remove("LoggingConfiguration");
        },
    );
    mutate(
        "uploads may name a KMS key of their own",
        "bucket_policy_forces_the_bucket_key",
        &central,
        &|t| {
            remove_statement(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "DenyUploadsWithAnotherKey",
            )
        },
    );
    mutate(
        "uploads without an SSE header denied",
        "bucket_policy_accepts_uploads_without_sse_headers",
        &central,
        &|t| {
            let deny = statement(
                t,
                "LogBucketPolicy",
                "PolicyDocument",
                "DenyUploadsWithAnotherEncryption",
            );
            at(deny, &["Condition"])
                .as_mapping_mut()
                .unwrap()
                .remove("Null");
        },
    );
    mutate(
        "key rotation off",
        "kms_key_rotation_enabled",
        &central,
        &|t| {
            *at(
                t,
                &["Resources", "SessionKey", "Properties", "EnableKeyRotation"],
            ) = false.into();
        },
    );
    mutate(
        "root statement removed",
        "kms_key_keeps_account_administration",
        &central,
        &|t| {
            remove_statement(t, "BucketKey", "KeyPolicy", "EnableAccountAdministration");
        },
    );
    mutate(
        "org condition dropped from a key",
        "kms_key_allows_only_organization",
        &central,
        &|t| {
            drop_condition(
                t,
                "SessionKey",
                "KeyPolicy",
                "AllowOrganizationSessionEncryption",
            )
        },
    );
    mutate(
        "kms:ViaService on the session key",
        "kms_session_key_used_directly",
        &central,
        &|t| {
            let allow = statement(
                t,
                "SessionKey",
                "KeyPolicy",
                "AllowOrganizationSessionEncryption",
            );
            *at(allow, &["Condition", "StringEquals"])
                .get_mut("aws:PrincipalOrgID")
                .unwrap() = "o-a1b2c3d4e5".into();
            at(allow, &["Condition", "StringEquals"])
                .as_mapping_mut()
                .unwrap()
                .insert(
                    "kms:ViaService".into(),
                    "ssm.us-east-1.amazonaws.com".into(),
                );
        },
    );
    mutate(
        "session key usable without Session Manager's encryption context",
        "kms_session_key_bound_to_sessions",
        &central,
        &|t| {
            let conditions = at(
                statement(
                    t,
                    "SessionKey",
                    "KeyPolicy",
                    "AllowOrganizationSessionEncryption",
                ),
                &["Condition"],
            )
            .as_mapping_mut()
            .unwrap();
            conditions.remove("Null");
            conditions.remove("ForAllValues:StringEquals");
        },
    );
    mutate(
        "the agent writes to whoever owns the bucket name",
        "agent_policy_pins_bucket_owner",
        &member,
        &|t| {
            drop_condition(
                t,
                "SessionLoggingAgentPolicy",
                "PolicyDocument",
                "WriteSessionLogsToOwnPrefix",
            )
        },
    );
    mutate(
        "wildcard resource in the agent policy",
        "agent_policy_no_wildcard_resources",
        &member,
        &|t| {
            let write = statement(
                t,
                "SessionLoggingAgentPolicy",
                "PolicyDocument",
                "DecryptSessionData",
            );
            *at(write, &["Resource"]) = yaml("['*']");
        },
    );
    mutate(
        "service wildcard in the agent policy",
        "agent_policy_no_wildcard_actions",
        &member,
        &|t| {
            let write = statement(
                t,
                "SessionLoggingAgentPolicy",
                "PolicyDocument",
                "WriteSessionLogsToOwnPrefix",
            );
            *at(write, &["Action"]) = yaml("['s3:*']");
        },
    );
    mutate(
        "s3EncryptionEnabled false",
        "preferences_s3_encryption",
        &member,
        &|t| {
            *at(t, &[&inputs[..], &["s3EncryptionEnabled"]].concat()) = false.into();
        },
    );
    mutate(
        "s3EncryptionEnabled the string \"true\"",
        "preferences_s3_encryption",
        &member,
        &|t| {
            *at(t, &[&inputs[..], &["s3EncryptionEnabled"]].concat()) = "true".into();
        },
    );
    mutate(
        "idle timeout 0",
        "preferences_idle_timeout",
        &member,
        &|t| {
            *at(t, &[&inputs[..], &["idleSessionTimeout"]].concat()) = "0".into();
        },
    );
    mutate(
        "idle timeout as a number",
        "preferences_idle_timeout",
        &member,
        &|t| {
            *at(t, &[&inputs[..], &["idleSessionTimeout"]].concat()) = 20.into();
        },
    );
    mutate(
        "max duration over a day",
        "preferences_max_duration",
        &member,
        &|t| {
            *at(t, &[&inputs[..], &["maxSessionDuration"]].concat()) = "1441".into();
        },
    );
    mutate(
        "bucket name emptied",
        "preferences_target_bucket_and_key",
        &member,
        &|t| {
            *at(t, &[&inputs[..], &["s3BucketName"]].concat()) = "".into();
        },
    );
    mutate(
        "operators on Identity Center bypass the preferences",
        "operator_sessions_use_the_preferences",
        &permission_set,
        &|t| {
            drop_condition(
                t,
                "OperatorPermissionSet",
                "InlinePolicy",
                "StartSessionsWithLoggingPreferences",
            )
        },
    );
    mutate(
        "permission set starts sessions with any account's preferences document",
        "operator_starts_only_its_own_accounts_preferences",
        &permission_set,
        &|t| {
            let start = statement(
                t,
                "OperatorPermissionSet",
                "InlinePolicy",
                "StartSessionsWithLoggingPreferences",
            );
            at(start, &["Condition"])
                .as_mapping_mut()
                .unwrap()
                .remove("StringEquals");
        },
    );
    mutate(
        "interface endpoints without private DNS",
        "endpoints_answer_the_usual_names",
        &endpoints,
        &|t| {
            *at(
                t,
                &[
                    "Resources",
                    "SsmEndpoint",
                    "Properties",
                    "PrivateDnsEnabled",
                ],
            ) = false.into();
        },
    );
    mutate(
        "endpoints open to the internet",
        "endpoints_admit_https_from_the_vpc_only",
        &endpoints,
        &|t| {
            *at(
                t,
                &["Resources", "HttpsFromVpcCidr1", "Properties", "CidrIp"],
            ) = "0.0.0.0/0".into();
        },
    );
    mutate(
        "endpoints admit nobody",
        "endpoints_admit_https_from_the_vpc_only",
        &endpoints,
        &|t| {
            at(t, &["Resources"])
                .as_mapping_mut()
                .unwrap()
                .retain(|id, _| !id.as_str().unwrap().starts_with("HttpsFromVpcCidr"));
        },
    );
    mutate(
        "a guardrail that stops the StackSet too",
        "guardrail_spares_the_stackset",
        &guardrail,
        &|t| {
            drop_condition(
                t,
                "SessionLoggingGuardrail",
                "Content",
                "ProtectWhatSmlogDeploys",
            )
        },
    );
    mutate(
        "a guardrail whose exemptions anyone may claim",
        "guardrail_reserves_its_exemptions",
        &guardrail,
        &|t| {
            remove_statement(
                t,
                "SessionLoggingGuardrail",
                "Content",
                "ProtectWhatSmlogDeploys",
            )
        },
    );
    mutate(
        "a guardrail that lets SSH and port forwarding through",
        "guardrail_denies_unlogged_sessions",
        &guardrail,
        &|t| {
            remove_statement(
                t,
                "SessionLoggingGuardrail",
                "Content",
                "NoUnloggedSessions",
            )
        },
    );
    mutate(
        "a guardrail that keeps every instance role from being deleted",
        "guardrail_lets_teams_delete_their_roles",
        &guardrail,
        &|t| {
            let statements = at(
                t,
                &[
                    "Resources",
                    "SessionLoggingGuardrail",
                    "Properties",
                    "Content",
                    "Statement",
                ],
            );
            statements.as_sequence_mut().unwrap().push(yaml(
                "{Sid: KeepSmlogPoliciesAttached, Effect: Deny, Action: ['iam:DetachRolePolicy'], Resource: [{Fn::Sub: 'arn:${AWS::Partition}:iam::*:role/*'}]}",
            ));
        },
    );
    mutate(
        "preferences written without waiting for the agent policy",
        "preferences_wait_for_the_agent_policy",
        &member,
        &|t| {
            at(t, &["Resources", "AccountLogging"])
                .as_mapping_mut()
                .unwrap()
                .remove("DependsOn");
        },
    );
    mutate(
        "session type changed",
        "preferences_schema",
        &member,
        &|t| {
            *at(
                t,
                &[
                    "Resources",
                    "AccountLogging",
                    "Properties",
                    "Content",
                    "sessionType",
                ],
            ) = "InteractiveCommands".into();
        },
    );
    mutate(
        "Object Lock without a default retention",
        "bucket_object_lock_has_default_retention",
        &locked_central,
        &|t| {
            at(
                t,
                &[
                    "Resources",
                    "LogBucket",
                    "Properties",
                    "ObjectLockConfiguration",
                ],
            )
            .as_mapping_mut()
            .unwrap()
            .remove("Rule");
        },
    );
    mutate(
        "lifecycle expires current logs",
        "bucket_lifecycle_keeps_current_logs",
        &locked_central,
        &|t| {
            at(
                t,
                &[
                    "Resources",
                    "LogBucket",
                    "Properties",
                    "LifecycleConfiguration",
                    "Rules",
                    "0",
                ],
            )
            .as_mapping_mut()
            .unwrap()
            .insert("ExpirationInDays".into(), 30.into());
        },
    );
    mutate(
        "operators may start sessions with any document",
        "operator_sessions_use_the_preferences",
        &operated_member,
        &|t| {
            drop_condition(
                t,
                "SessionOperatorPolicy",
                "PolicyDocument",
                "StartSessionsWithLoggingPreferences",
            )
        },
    );
    mutate(
        "operators may change the preferences",
        "operator_policy_protects_preferences",
        &operated_member,
        &|t| {
            remove_statement(
                t,
                "SessionOperatorPolicy",
                "PolicyDocument",
                "ProtectLoggingPreferences",
            )
        },
    );
    mutate(
        "streaming into an unencrypted log group",
        "cloudwatch_logs_encrypted",
        &streaming_member,
        &|t| {
            *at(t, &[&inputs[..], &["cloudWatchEncryptionEnabled"]].concat()) = false.into();
        },
    );
    mutate(
        "a log group key any log group may use",
        "cloudwatch_log_group_key_scoped",
        &streaming_regional,
        &|t| drop_condition(t, "SessionLogsKey", "KeyPolicy", "AllowLogGroupEncryption"),
    );
    mutate(
        "agent cannot find log groups",
        "cloudwatch_agent_can_find_log_groups",
        &streaming_member,
        &|t| {
            remove_statement(
                t,
                "SessionLoggingAgentPolicy",
                "PolicyDocument",
                "FindLogGroups",
            )
        },
    );
    mutate(
        "DescribeLogGroups on a log-group ARN",
        "cloudwatch_agent_can_find_log_groups",
        &streaming_member,
        &|t| {
            let find = statement(
                t,
                "SessionLoggingAgentPolicy",
                "PolicyDocument",
                "FindLogGroups",
            );
            *at(find, &["Resource"]) =
                yaml("[{Fn::Sub: 'arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:*'}]");
        },
    );
    mutate(
        "replica key without the root statement",
        "kms_key_keeps_account_administration",
        &multi_region_central,
        &|t| {
            remove_statement(
                t,
                "SessionKeyReplica",
                "KeyPolicy",
                "EnableAccountAdministration",
            )
        },
    );
    mutate(
        "controllers of new accounts not waiting for their keys",
        "stackset_keys_before_controllers",
        &streaming_rollout,
        &|t| {
            at(
                t,
                &[
                    "Resources",
                    "SessionLoggingStackSet",
                    "Properties",
                    "AutoDeployment",
                ],
            )
            .as_mapping_mut()
            .unwrap()
            .remove("DependsOn");
        },
    );
    mutate(
        "self-managed StackSet",
        "stackset_service_managed_auto_deploy",
        &rollout,
        &|t| {
            *at(
                t,
                &[
                    "Resources",
                    "SessionLoggingStackSet",
                    "Properties",
                    "PermissionModel",
                ],
            ) = "SELF_MANAGED".into();
        },
    );
    mutate(
        "auto-deployment off",
        "stackset_service_managed_auto_deploy",
        &rollout,
        &|t| {
            *at(
                t,
                &[
                    "Resources",
                    "SessionLoggingStackSet",
                    "Properties",
                    "AutoDeployment",
                    "Enabled",
                ],
            ) = false.into();
        },
    );
    mutants
}

pub fn document(mutant: &Mutant) -> Document {
    Document {
        name: format!("{}.yaml", mutant.name.replace([' ', '"', '\''], "-")),
        content: emit::to_yaml(&mutant.template).unwrap(),
    }
}

#[test]
fn every_mutant_is_caught_by_its_rule() {
    let mutants = mutants();
    assert!(mutants.len() >= 12);
    let rules = guard::builtin();
    for mutant in &mutants {
        let violations = guard::check(&[document(mutant)], rules).unwrap();
        assert!(
            violations.iter().any(|v| v.rule == mutant.rule),
            "mutant '{}' should break {}, got {:?}",
            mutant.name,
            mutant.rule,
            violations.iter().map(|v| &v.rule).collect::<Vec<_>>()
        );
    }
}

#[test]
fn validate_exits_with_the_violation_code_on_every_mutant() {
    let dir = empty_dir();
    let mutants = mutants();
    let mut files = Vec::new();
    for mutant in &mutants {
        let document = document(mutant);
        std::fs::write(dir.path().join(&document.name), &document.content).unwrap();
        files.push(document.name);
    }
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let output = smlog_in(dir.path(), &args);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output);
    for (mutant, file) in mutants.iter().zip(&files) {
        let section: String = report
            .split(&format!("FAIL {file}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("{file} not reported as failing:\n{report}"))
            .lines()
            .take_while(|line| line.starts_with("  "))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            section.contains(&format!("rule {}", mutant.rule)),
            "{file}: {} not named in\n{section}",
            mutant.rule
        );
    }
}
