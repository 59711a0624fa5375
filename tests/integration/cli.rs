//! The real binary, as a user runs it: outputs, exit codes, messages, and
//! files left untouched on failure.

use super::support::{default_artefacts, empty_dir, repo_path, smlog_in, stderr, stdout};
use std::path::Path;

fn committed(relative: &str) -> String {
    std::fs::read_to_string(repo_path(relative)).unwrap()
}

fn resource_types(template: &serde_json::Value) -> Vec<String> {
    let mut types: Vec<String> = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap().to_owned())
        .collect();
    types.sort();
    types
}

#[test]
fn synth_prints_the_central_template() {
    let dir = empty_dir();
    let output = smlog_in(dir.path(), &["synth"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text, committed("templates/central.yaml"));
    let template: serde_json::Value = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(
        resource_types(&template),
        [
            "AWS::KMS::Alias",
            "AWS::KMS::Alias",
            "AWS::KMS::Key",
            "AWS::KMS::Key",
            "AWS::S3::Bucket",
            "AWS::S3::Bucket",
            "AWS::S3::BucketPolicy",
            "AWS::S3::BucketPolicy"
        ],
        "keys, aliases, the log bucket and its access-log target, each bucket with its policy"
    );
}

#[test]
fn json_output_is_the_same_template() {
    let dir = empty_dir();
    for target in ["central", "member", "rollout"] {
        let yaml = stdout(&smlog_in(dir.path(), &["synth", target]));
        let output = smlog_in(dir.path(), &["synth", target, "--format", "json"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let from_json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        let from_yaml: serde_json::Value = serde_yaml_ng::from_str(&yaml).unwrap();
        assert_eq!(from_json, from_yaml, "{target}");
    }
}

#[test]
fn two_runs_are_byte_identical() {
    let dir = empty_dir();
    for args in [
        &["synth", "member"][..],
        &["synth", "rollout", "--format", "json"],
    ] {
        let first = smlog_in(dir.path(), args);
        let second = smlog_in(dir.path(), args);
        assert!(first.status.success());
        assert_eq!(first.stdout, second.stdout, "{args:?}");
    }
}

fn assert_config_error(dir: &Path, args: &[&str], fragments: &[&str]) {
    let output = smlog_in(dir, args);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty(), "nothing on stdout for {args:?}");
    let message = stderr(&output);
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "{args:?}: {fragment:?} not in {message}"
        );
    }
}

#[test]
fn bad_values_name_the_field_the_value_and_the_rule() {
    let dir = empty_dir();
    assert_config_error(
        dir.path(),
        &["synth", "--organization-id", "o-123"],
        &["organization_id", "\"o-123\"", "^o-[a-z0-9]{10,32}$"],
    );
    assert_config_error(
        dir.path(),
        &[
            "synth",
            "--bucket-name",
            "customer_session_manager_logging_bucket",
        ],
        &[
            "bucket_name",
            "customer_session_manager_logging_bucket",
            "lowercase letters, digits",
        ],
    );
    std::fs::write(
        dir.path().join("smlog.yaml"),
        "organization_id: o-a1b2c3d4e5\nsession:\n  idle_timeout_minutes: 90\n",
    )
    .unwrap();
    assert_config_error(
        dir.path(),
        &["synth", "member"],
        &["session.idle_timeout_minutes", "90", "between 1 and 60"],
    );
    std::fs::write(
        dir.path().join("smlog.yaml"),
        "organisation_id: o-a1b2c3d4e5\n",
    )
    .unwrap();
    assert_config_error(
        dir.path(),
        &["synth"],
        &["smlog.yaml:1:", "unknown field `organisation_id`"],
    );
}

#[test]
fn a_failing_run_leaves_existing_files_untouched() {
    let dir = empty_dir();
    let target = dir.path().join("central.yaml");
    std::fs::write(&target, "previous content\n").unwrap();
    let output = smlog_in(
        dir.path(),
        &["synth", "-o", "central.yaml", "--organization-id", "o-123"],
    );
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "previous content\n"
    );
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary files left behind");

    let output = smlog_in(dir.path(), &["synth", "-o", "central.yaml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        committed("templates/central.yaml")
    );
}

#[test]
fn config_file_values_become_parameter_defaults_and_flags_override_them() {
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("smlog.yaml"),
        "organization_id: o-a1b2c3d4e5\nbucket_name: org-session-logs\nkeys: one\n",
    )
    .unwrap();
    let output = smlog_in(
        dir.path(),
        &["synth", "--bucket-name", "other-session-logs"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let template: serde_json::Value = serde_yaml_ng::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        template["Parameters"]["OrganizationId"]["Default"],
        "o-a1b2c3d4e5"
    );
    assert_eq!(
        template["Parameters"]["BucketName"]["Default"],
        "other-session-logs"
    );
    let keys = resource_types(&template)
        .iter()
        .filter(|t| *t == "AWS::KMS::Key")
        .count();
    assert_eq!(keys, 1, "keys: one gives one key");
}

#[test]
fn synth_all_writes_every_artefact_in_the_repository_layout() {
    let dir = empty_dir();
    let output = smlog_in(dir.path(), &["synth", "all", "--out-dir", "out"]);
    assert!(output.status.success(), "{}", stderr(&output));
    for artefact in default_artefacts() {
        let written = std::fs::read_to_string(dir.path().join("out").join(&artefact.path)).unwrap();
        assert_eq!(written, artefact.text, "{}", artefact.path);
    }
    let output = smlog_in(dir.path(), &["synth", "all"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "all without --out-dir is a usage error"
    );
    assert!(stderr(&output).contains("--out-dir"));
}

#[test]
fn validate_passes_the_committed_templates() {
    let output = smlog_in(
        &repo_path(""),
        &[
            "validate",
            "templates/central.yaml",
            "stacksets/member.yaml",
            "stacksets/rollout.yaml",
        ],
    );
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert_eq!(
        stdout(&output),
        "PASS templates/central.yaml\nPASS stacksets/member.yaml\nPASS stacksets/rollout.yaml\n"
    );
    let dir = empty_dir();
    let output = smlog_in(dir.path(), &["validate"]);
    assert!(
        output.status.success(),
        "synthesized templates pass: {}",
        stdout(&output)
    );
}

#[test]
fn validate_reports_unreadable_input_with_its_own_exit_code() {
    let dir = empty_dir();
    std::fs::write(dir.path().join("garbage.yaml"), [0xff, 0xfe, 0x00, 0x12]).unwrap();
    std::fs::write(dir.path().join("list.yaml"), "- just\n- a list\n").unwrap();
    for file in ["garbage.yaml", "list.yaml", "missing.yaml"] {
        let output = smlog_in(dir.path(), &["validate", file]);
        assert_eq!(output.status.code(), Some(4), "{file}: {}", stderr(&output));
        assert!(stderr(&output).contains(file), "{}", stderr(&output));
    }
}

#[test]
fn validate_accepts_short_form_tags_and_extra_rules() {
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("short.yaml"),
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '${AWS::StackName}-x'\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("extra")).unwrap();
    std::fs::write(
        dir.path().join("extra/topics.guard"),
        "let topics = Resources.*[ Type == 'AWS::SNS::Topic' ]\nrule topics_encrypted when %topics !empty {\n  %topics.Properties.KmsMasterKeyId exists\n  <<\n  Violation: topics need a key\n  >>\n}\n",
    )
    .unwrap();
    let output = smlog_in(dir.path(), &["validate", "short.yaml"]);
    assert!(output.status.success(), "{}", stdout(&output));
    let output = smlog_in(dir.path(), &["validate", "short.yaml", "--rules", "extra"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("rule topics_encrypted on Topic: Violation: topics need a key")
    );
}

#[test]
fn help_explains_subcommands_examples_and_exit_codes() {
    let dir = empty_dir();
    let help = stdout(&smlog_in(dir.path(), &["--help"]));
    for fragment in ["synth", "validate", "Exit codes", "configuration error"] {
        assert!(help.contains(fragment), "{fragment} missing from --help");
    }
    let help = stdout(&smlog_in(dir.path(), &["synth", "--help"]));
    assert!(help.contains("smlog synth > central.yaml"));
    let version = stdout(&smlog_in(dir.path(), &["--version"]));
    assert!(version.starts_with("smlog "));
}

#[test]
fn init_writes_a_starter_that_synthesizes_as_written() {
    let dir = empty_dir();
    let output = smlog_in(dir.path(), &["init"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("smlog.yaml")).unwrap(),
        smlog::config::STARTER
    );
    let output = smlog_in(dir.path(), &["synth", "all", "--out-dir", "."]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = smlog_in(dir.path(), &["init"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "an existing file is not replaced"
    );
    assert!(stderr(&output).contains("--force"));
    assert!(smlog_in(dir.path(), &["init", "--force"]).status.success());
}

#[test]
fn schema_is_json_schema_for_the_config() {
    let dir = empty_dir();
    let output = smlog_in(dir.path(), &["schema"]);
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema["properties"]["session"]["anyOf"][0]["$ref"],
        "#/$defs/RawSession"
    );
    assert_eq!(
        schema["$defs"]["RawSession"]["properties"]["idle_timeout_minutes"]["maximum"],
        60
    );
}

#[test]
fn sarif_reports_carry_rule_ids_and_real_lines() {
    let dir = empty_dir();
    let template = committed("templates/central.yaml")
        .replace("EnableKeyRotation: true", "EnableKeyRotation: false");
    std::fs::write(dir.path().join("rotation-off.yaml"), &template).unwrap();
    let output = smlog_in(
        dir.path(),
        &["validate", "rotation-off.yaml", "--format", "sarif"],
    );
    assert_eq!(output.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "two keys with rotation off");
    let first_line = template
        .lines()
        .position(|l| l.contains("EnableKeyRotation: false"))
        .unwrap()
        + 1;
    let result = &results[0];
    assert_eq!(result["ruleId"], "KMS_KEY_ROTATION_ENABLED");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "rotation-off.yaml");
    assert_eq!(location["region"]["startLine"], first_line);
}

#[test]
fn verify_exits_with_its_own_code_when_aws_cannot_be_asked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = empty_dir();
    // An aws CLI that fails every call, as one without credentials does.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let aws = bin.join("aws");
    std::fs::write(
        &aws,
        "#!/bin/sh\necho 'Unable to locate credentials. You can configure credentials by running \"aws configure\".' >&2\nexit 253\n",
    )
    .unwrap();
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_smlog"))
        .args([
            "verify",
            "--accounts",
            "all",
            "--assume-role",
            "Auditor",
            "--bucket-name",
            "example-session-logs",
        ])
        .current_dir(dir.path())
        .env("PATH", &bin)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("AWS error: Unable to locate credentials")
            && message.contains("while listing accounts"),
        "{message}"
    );
    let help = stdout(&smlog_in(dir.path(), &["--help"]));
    assert!(help.contains("  6  AWS could not be asked"), "{help}");
}
