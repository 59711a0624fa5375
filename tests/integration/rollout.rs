//! The rollout artefacts carry the member template unchanged and pass every
//! member parameter through.

use super::support::repo_path;

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_path(relative)).unwrap()
}

#[test]
fn the_stack_set_template_body_is_the_member_template() {
    let member = read("stacksets/member.yaml");
    let rollout: serde_json::Value = serde_yaml::from_str(&read("stacksets/rollout.yaml")).unwrap();
    let body = rollout["Resources"]["SessionLoggingStackSet"]["Properties"]["TemplateBody"]
        .as_str()
        .expect("TemplateBody is a string");
    assert_eq!(body, member);
    let parsed: serde_json::Value = serde_yaml::from_str(body).unwrap();
    let member_value: serde_json::Value = serde_yaml::from_str(&member).unwrap();
    assert_eq!(parsed, member_value);

    let cli_input: serde_json::Value =
        serde_json::from_str(&read("stacksets/create-stack-set.json")).unwrap();
    assert_eq!(cli_input["TemplateBody"].as_str(), Some(member.as_str()));
    assert_eq!(cli_input["PermissionModel"], "SERVICE_MANAGED");
    assert_eq!(cli_input["AutoDeployment"]["Enabled"], true);
}

#[test]
fn every_member_parameter_is_passed_through() {
    let member: serde_json::Value = serde_yaml::from_str(&read("stacksets/member.yaml")).unwrap();
    let rollout: serde_json::Value = serde_yaml::from_str(&read("stacksets/rollout.yaml")).unwrap();
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
