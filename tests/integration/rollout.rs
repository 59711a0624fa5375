//! The rollout artefacts carry the member template unchanged and pass every
//! member parameter through; the gate refuses a broken template, the member
//! inside the rollout included.

use super::support::{edited, repo_path};
use smlog::cfn::Properties;
use smlog::config::Settings;
use smlog::emit::Format;
use smlog::plan::{Plan, Target};
use smlog::synth;

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_path(relative)).unwrap()
}

#[test]
fn the_stack_set_template_body_is_the_member_template() {
    let member = read("stacksets/member.yaml");
    let rollout: serde_json::Value =
        serde_yaml_ng::from_str(&read("stacksets/rollout.yaml")).unwrap();
    let body = rollout["Resources"]["SessionLoggingStackSet"]["Properties"]["TemplateBody"]
        .as_str()
        .expect("TemplateBody is a string");
    let parsed: serde_json::Value = serde_json::from_str(body).expect("compact JSON");
    let member_value: serde_json::Value = serde_yaml_ng::from_str(&member).unwrap();
    assert_eq!(parsed, member_value);
    assert!(!body.contains('\n'), "the carried body is one line");

    let cli_input: serde_json::Value =
        serde_json::from_str(&read("stacksets/create-stack-set.json")).unwrap();
    assert_eq!(cli_input["TemplateBody"].as_str(), Some(body));
    assert_eq!(cli_input["PermissionModel"], "SERVICE_MANAGED");
    assert_eq!(cli_input["AutoDeployment"]["Enabled"], true);
}

#[test]
fn every_member_parameter_is_passed_through() {
    let member: serde_json::Value =
        serde_yaml_ng::from_str(&read("stacksets/member.yaml")).unwrap();
    let rollout: serde_json::Value =
        serde_yaml_ng::from_str(&read("stacksets/rollout.yaml")).unwrap();
    let passed: Vec<&str> = rollout["Resources"]["SessionLoggingStackSet"]["Properties"]
        ["Parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ParameterKey"].as_str().unwrap())
        .collect();
    let member_parameters: Vec<&str> = member["Parameters"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(passed, member_parameters);
    for name in member_parameters {
        assert_eq!(
            rollout["Parameters"][name], member["Parameters"][name],
            "rollout parameter {name} differs from the member's"
        );
    }
}

fn rotation_off(properties: &mut Properties) {
    if let Properties::KmsKey(key) = properties {
        key.enable_key_rotation = false;
    }
}

#[test]
fn a_template_that_breaks_a_rule_is_refused_naming_rule_and_resource() {
    let plan = Plan::new(Settings::default());
    let mut templates = synth::build(&plan).unwrap();
    let central = edited(templates.get(Target::Central).unwrap(), rotation_off);
    templates.replace(Target::Central, central);
    let error = synth::artefacts(&plan, &templates, &[Target::Central], Format::Yaml).unwrap_err();
    assert_eq!(error.exit_code(), smlog::error::exit::VIOLATIONS);
    let message = error.to_string();
    assert!(
        message.contains("templates/central.yaml: rule kms_key_rotation_enabled on BucketKey: Violation: EnableKeyRotation must be true"),
        "{message}"
    );
    assert!(message.contains("on SessionKey"), "{message}");
}

#[test]
fn synth_rollout_refuses_a_member_that_breaks_a_rule() {
    let plan = Plan::new(Settings::default());
    let mut templates = synth::build(&plan).unwrap();
    let mut member = templates.get(Target::Member).unwrap().clone();
    member.resource(
        "UnrotatedKey",
        smlog::cfn::kms::Key {
            description: "a key someone added by hand".to_owned(),
            enable_key_rotation: false,
            rotation_period_in_days: None,
            pending_window_in_days: None,
            multi_region: None,
            key_policy: smlog::cfn::PolicyDocument::new(vec![]),
            tags: Vec::new(),
        },
    );
    templates.replace(Target::Member, member);
    let error = synth::artefacts(&plan, &templates, &[Target::Rollout], Format::Yaml).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("stacksets/member.yaml: rule kms_key_rotation_enabled on UnrotatedKey"),
        "{message}"
    );
}
