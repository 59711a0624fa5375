//! The configuration: the file format (`raw`), its checked form (`settings`),
//! the one step between them (`resolve`), and reading it with the command
//! line's overrides (`load`).

mod load;
mod locate;
mod raw;
mod resolve;
mod retention;
pub mod schema;
mod settings;
mod suggest;
mod vocabulary;

pub use load::{from_text, load, Overrides, Source, DEFAULT_FILE, MAX_FILE_BYTES};
pub use raw::*;
pub use settings::*;

/// The commented starter file `smlog init` writes.
pub const STARTER: &str = include_str!("starter.yaml");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Result;
    use std::path::Path;

    fn resolve(yaml: &str) -> Result<Settings> {
        from_text(yaml, Path::new("test.yaml"))
    }

    fn config_error(yaml: &str) -> String {
        let err = resolve(yaml).expect_err("config should be rejected");
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
        err.to_string()
    }

    #[test]
    fn defaults_resolve() {
        let settings = RawConfig::default().resolve().unwrap();
        assert_eq!(
            settings.session_key,
            SessionKey::Central {
                multi_region: false
            }
        );
        assert_eq!(settings.home_region.as_str(), "us-east-1");
        assert_eq!(settings.member.controller_region.as_str(), "us-east-1");
        assert_eq!(settings.rollout.regions.len(), 1);
        assert_eq!(settings.session.idle_timeout.get(), 20);
    }

    #[test]
    fn values_are_checked_with_their_field_path() {
        let err = config_error("organization_id: o-123\n");
        assert!(
            err.contains("organization_id") && err.contains("o-123"),
            "{err}"
        );
        let err = config_error("bucket_name: customer_session_manager_logging_bucket\n");
        assert!(
            err.contains("bucket_name") && err.contains("lowercase letters"),
            "{err}"
        );
        let err = config_error("rollout:\n  regions: [us-east-1, eu-west-1, mars]\n");
        assert!(
            err.contains("rollout.regions[2]") && err.contains("\"mars\""),
            "{err}"
        );
        let err = config_error("rollout:\n  regions: [us-east-1, us-east-1]\n");
        assert!(err.contains("listed twice"), "{err}");
        let err = config_error("session:\n  idle_timeout_minutes: 0\n");
        assert!(
            err.contains("session.idle_timeout_minutes") && err.contains("between 1 and 60"),
            "{err}"
        );
    }

    #[test]
    fn principals_mix_organisation_paths_and_accounts() {
        let settings = resolve("keys: two\n").unwrap();
        assert!(settings.scope.organization.is_some());
        let settings = resolve("accounts: ['111111111111', '222222222222']\n").unwrap();
        assert!(
            settings.scope.organization.is_none(),
            "accounts alone need no organisation"
        );
        assert_eq!(settings.scope.accounts.len(), 2);
        let settings =
            resolve("organization_id: o-a1b2c3d4e5\naccounts: ['111111111111']\norganization_paths: [o-a1b2c3d4e5/r-ab12/]\n")
                .unwrap();
        assert!(settings.scope.organization.is_some());
        let paths = settings.scope.paths.unwrap();
        assert_eq!(paths.paths[0].as_str(), "o-a1b2c3d4e5/r-ab12/*");
        assert_eq!(paths.organization.as_str(), "o-a1b2c3d4e5");
        let err =
            config_error("organization_paths: [o-a1b2c3d4e5/r-ab12/, o-zzzzzzzzzz/r-ab12/]\n");
        assert!(
            err.contains("organization_paths[1]")
                && err.contains("not inside organization_paths[0] o-a1b2c3d4e5"),
            "{err}"
        );
        let err = config_error(
            "organization_id: o-a1b2c3d4e5\norganization_paths: [o-zzzzzzzzzz/r-ab12/]\n",
        );
        assert!(
            err.contains("organization_paths[0]") && err.contains("not inside"),
            "{err}"
        );
        let err = config_error("accounts: ['111111111111', '12345']\n");
        assert!(
            err.contains("accounts[1]") && err.contains("12 digits"),
            "{err}"
        );
        let settings = resolve("accounts: [012345678901]\n").unwrap();
        assert_eq!(
            settings.scope.accounts[0].as_str(),
            "012345678901",
            "unquoted ids keep their digits"
        );
    }

    #[test]
    fn the_starter_file_resolves_as_written_and_with_every_example_switched_on() {
        resolve(STARTER).unwrap();
        let everything: String = STARTER
            .lines()
            .map(|line| match line.trim_start().strip_prefix("# ") {
                // Commented keys and list items, not prose.
                Some(rest) if is_setting(rest.trim_start()) => {
                    let indent = line.len() - line.trim_start().len();
                    format!("{}{rest}\n", " ".repeat(indent))
                }
                _ => format!("{line}\n"),
            })
            .collect();
        let settings = resolve(&everything).unwrap_or_else(|e| panic!("{e}\n{everything}"));
        assert_eq!(settings.scope.accounts.len(), 1);
        assert_eq!(settings.session.max_duration.map(|m| m.get()), Some(480));
        assert_eq!(settings.rollout.organizational_unit_ids.len(), 1);
    }

    /// `key: value`, `key:` or `- item`: a commented-out setting, not prose.
    fn is_setting(text: &str) -> bool {
        let key = text.split(':').next().unwrap_or_default();
        text.starts_with("- ")
            || (text.contains(':')
                && !key.is_empty()
                && key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    }

    /// The fields serde accepts for a struct, read from its "unknown field" message.
    fn known_fields<T: serde::de::DeserializeOwned + std::fmt::Debug>() -> Vec<String> {
        let message = serde_yaml_ng::from_str::<T>("not_a_field_of_any_struct: 1")
            .unwrap_err()
            .to_string();
        let mut fields: Vec<String> = suggest::known_fields(&message)
            .unwrap()
            .into_iter()
            .map(str::to_owned)
            .collect();
        fields.sort();
        fields
    }

    fn schema_fields(schema: &serde_json::Value) -> Vec<String> {
        let mut fields: Vec<String> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        fields.sort();
        fields
    }

    #[test]
    fn the_schema_has_exactly_the_keys_of_every_config_struct() {
        let schema = schema::schema();
        assert_eq!(schema_fields(&schema), known_fields::<RawConfig>());
        assert_eq!(schema["additionalProperties"], false);
        let structs = [
            ("RawMember", known_fields::<RawMember>()),
            ("RawAttach", known_fields::<RawAttach>()),
            ("RawPrevious", known_fields::<RawPrevious>()),
            ("RawExistingBucket", known_fields::<RawExistingBucket>()),
            ("RawGuardrail", known_fields::<RawGuardrail>()),
            ("RawEndpoints", known_fields::<RawEndpoints>()),
            ("RawReplica", known_fields::<RawReplica>()),
            ("RawSession", known_fields::<RawSession>()),
            ("RawRollout", known_fields::<RawRollout>()),
            ("RawRetention", known_fields::<RawRetention>()),
            ("RawObjectLock", known_fields::<RawObjectLock>()),
            ("RawOperators", known_fields::<RawOperators>()),
            ("RawCloudWatch", known_fields::<RawCloudWatch>()),
        ];
        let defined: Vec<&String> = schema["$defs"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, d)| d["type"] == "object")
            .map(|(name, _)| name)
            .collect();
        assert_eq!(defined.len(), structs.len(), "{defined:?}");
        for (name, fields) in structs {
            let definition = &schema["$defs"][name];
            assert_eq!(schema_fields(definition), fields, "{name}");
            assert_eq!(definition["additionalProperties"], false, "{name}");
        }
    }

    #[test]
    fn retention_settings_are_checked() {
        let settings = resolve(
            "retention:\n  object_lock: {mode: COMPLIANCE, years: 7}\n  transition_to_glacier_days: 90\n  access_log_bucket: access-logs\n",
        )
        .unwrap();
        let LogBucket::Created { retention, .. } = settings.bucket else {
            panic!("a bucket smlog creates");
        };
        let lock = retention.object_lock.unwrap();
        assert_eq!(
            (lock.mode, lock.period),
            (LockMode::Compliance, LockPeriod::Years(7))
        );
        let err =
            config_error("retention:\n  object_lock: {mode: GOVERNANCE, days: 1, years: 1}\n");
        assert!(
            err.contains("retention.object_lock") && err.contains("one of the two"),
            "{err}"
        );
        let err = config_error("retention:\n  object_lock: {mode: GOVERNANCE, years: 101}\n");
        assert!(err.contains("1 to 100 years"), "{err}");
        let err = config_error("retention:\n  object_lock: {mode: LEGAL, days: 1}\n");
        assert!(err.contains("unknown variant `LEGAL`"), "{err}");
        let err = config_error(
            "retention:\n  object_lock: {mode: COMPLIANCE, years: 1}\n  noncurrent_version_expiration_days: 30\n",
        );
        assert!(
            err.contains("retention.noncurrent_version_expiration_days")
                && err
                    .contains("shorter than the Object Lock retention (365 days, COMPLIANCE mode)"),
            "{err}"
        );
        assert!(resolve(
            "retention:\n  object_lock: {mode: GOVERNANCE, days: 30}\n  noncurrent_version_expiration_days: 30\n"
        )
        .is_ok());
        let err = config_error("retention:\n  transition_to_glacier_days: 0\n");
        assert!(
            err.contains("retention.transition_to_glacier_days"),
            "{err}"
        );
        let err = config_error("cloudwatch:\n  enabled: true\n  retention_days: 10\n");
        assert!(
            err.contains("cloudwatch.retention_days")
                && err.contains("not a CloudWatch Logs retention period"),
            "{err}"
        );
        let err = config_error("cloudwatch:\n  enabled: true\n  log_group_name: 'bad name'\n");
        assert!(err.contains("cloudwatch.log_group_name"), "{err}");
        let err = config_error("keys: one\nsession:\n  key_placement: per-account\n");
        assert!(
            err.contains("session.key_placement") && err.contains("keys: two"),
            "{err}"
        );
        let err = config_error("operators:\n  role_names: ['a,b']\n");
        assert!(err.contains("operators.role_names[0]"), "{err}");
    }

    #[test]
    fn access_logs_go_to_a_created_target_by_default_or_where_configured() {
        let access_logs = |yaml: &str| match resolve(yaml).unwrap().bucket {
            LogBucket::Created { retention, .. } => retention.access_logs,
            LogBucket::Existing { .. } => panic!("a bucket smlog creates"),
        };
        assert_eq!(access_logs("keys: two\n"), AccessLogs::Created);
        assert_eq!(
            access_logs(
                "retention:
  access_log_bucket: access-logs
"
            ),
            AccessLogs::Existing("access-logs".parse().unwrap())
        );
        assert_eq!(
            access_logs(
                "retention:
  access_logging: false
"
            ),
            AccessLogs::Off
        );
        let err = config_error(
            "retention:
  access_logging: false
  access_log_bucket: access-logs
",
        );
        assert!(
            err.contains("retention.access_logging")
                && err.contains("\"access-logs\"")
                && err.contains("remove one of the two"),
            "{err}"
        );
        let err = config_error(
            "retention:
  access_log_bucket: Access_Logs
",
        );
        assert!(err.contains("retention.access_log_bucket"), "{err}");
    }

    #[test]
    fn a_session_key_used_beyond_home_region_is_multi_region() {
        let settings =
            resolve("keys: one\nrollout:\n  regions: [us-east-1, eu-central-1]\n").unwrap();
        assert_eq!(
            settings.session_key,
            SessionKey::Shared { multi_region: true }
        );
        let settings = resolve("keys: one\n").unwrap();
        assert_eq!(
            settings.session_key,
            SessionKey::Shared {
                multi_region: false
            }
        );
        let single = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let err = config_error(&format!(
            "keys: one\nmember:\n  bucket_key_arn: {single}\nrollout:\n  regions: [us-east-1, eu-central-1]\n"
        ));
        assert!(
            err.contains("member.bucket_key_arn") && err.contains("multi-Region key (key/mrk-…)"),
            "{err}"
        );
        let err = config_error(&format!(
            "member:\n  session_key_arn: {single}\nrollout:\n  regions: [us-east-1, eu-central-1]\n"
        ));
        assert!(
            err.contains("test.yaml:2:20: member.session_key_arn"),
            "{err}"
        );
    }

    #[test]
    fn the_controller_runs_where_iam_events_arrive_unless_told_otherwise() {
        let settings =
            resolve("home_region: eu-west-1\nrollout:\n  regions: [eu-central-1]\n").unwrap();
        assert_eq!(settings.member.controller_region.as_str(), "us-east-1");
        let settings = resolve("home_region: cn-north-1\n").unwrap();
        assert_eq!(settings.member.controller_region.as_str(), "cn-north-1");
        let settings = resolve("member:\n  controller_region: eu-west-1\n").unwrap();
        assert_eq!(settings.member.controller_region.as_str(), "eu-west-1");
        let err = config_error("member:\n  controller_region: cn-north-1\n");
        assert!(
            err.contains(
                "test.yaml:2:22: member.controller_region: cn-north-1 is in the aws-cn partition"
            ),
            "{err}"
        );
        let err = config_error("rollout:\n  regions: [us-east-1, cn-north-1]\n");
        assert!(
            err.contains("rollout.regions[1]: cn-north-1 is in the aws-cn partition, home_region us-east-1 in aws"),
            "{err}"
        );
    }

    #[test]
    fn retired_keys_say_what_replaced_them() {
        let err = config_error("member:\n  iam_region: us-east-1\n");
        assert!(
            err.contains("member.iam_region is gone") && err.contains("controller_region"),
            "{err}"
        );
        let err = config_error("member:\n  preferences: native\n");
        assert!(err.contains("member.preferences is gone"), "{err}");
    }

    #[test]
    fn a_move_names_what_it_moves_away_from() {
        let key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let settings = resolve(&format!(
            "bucket_name: new-logs\nmember:\n  previous: {{bucket_name: old-logs, session_key_arn: {key}}}\n"
        ))
        .unwrap();
        let previous = settings.member.previous.unwrap();
        assert_eq!(previous.bucket_name.unwrap().as_str(), "old-logs");
        let err = config_error("bucket_name: logs\nmember:\n  previous: {bucket_name: logs}\n");
        assert!(
            err.contains("member.previous.bucket_name") && err.contains("also the current value"),
            "{err}"
        );
        let err = config_error("member:\n  previous: {}\n");
        assert!(err.contains("member.previous: names nothing"), "{err}");
    }

    #[test]
    fn value_errors_name_file_line_and_column() {
        let err = config_error(
            "member:\n  repair_interval_hours: 2\nrollout:\n  regions: [us-east-1, mars]\n",
        );
        assert!(
            err.contains("test.yaml:4:24: rollout.regions[1]: \"mars\""),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_get_the_nearest_known_key() {
        let err = config_error("bucket_nmae: logs\n");
        assert!(err.contains("did you mean `bucket_name`?"), "{err}");
        let err = config_error("member:\n  attach:\n    role_name: [x]\n");
        assert!(err.contains("did you mean `role_names`?"), "{err}");
        let err = config_error("zzzzzz: 1\n");
        assert!(
            !err.contains("did you mean"),
            "no far-fetched guesses: {err}"
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_line() {
        let err = config_error("organization_id: o-abcdefghij\nbucket: x\n");
        assert!(
            err.contains("test.yaml:2:") && err.contains("unknown field `bucket`"),
            "{err}"
        );
        let err = config_error("keys: three\n");
        assert!(err.contains("unknown variant `three`"), "{err}");
        let err = config_error("member:\n  attach:\n    default_host_management_role: \"yes\"\n");
        assert!(err.contains("invalid type"), "{err}");
    }
}
