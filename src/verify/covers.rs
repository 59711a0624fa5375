//! Does a deployed policy statement grant (or deny) at least what a required
//! one does? Compared by meaning, not text: actions and resources by IAM's
//! wildcards, principals whatever way they are written, and conditions as
//! sets. A deployed statement covers a required one when it has the same
//! effect, names every required principal, action and resource, and holds
//! no condition the required statement lacks.

use crate::cfn::policy::wildcard;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

/// Principals as plain names: `*`, account ids (however written) and `service:NAME`.
fn principals(statement: &Value) -> BTreeSet<String> {
    let principal = &statement["Principal"];
    if principal.as_str() == Some("*") {
        return ["*".to_owned()].into();
    }
    let mut names = BTreeSet::new();
    for aws in strings(&principal["AWS"]) {
        let account = aws
            .strip_prefix("arn:")
            .and_then(|rest| rest.split(':').nth(3).filter(|_| aws.ends_with(":root")));
        names.insert(account.map_or(aws.clone(), str::to_owned));
    }
    for service in strings(&principal["Service"]) {
        names.insert(format!("service:{service}"));
    }
    names
}

/// Operator → lower-cased condition key → values (booleans as `true`/`false`).
fn conditions(statement: &Value) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut found = BTreeMap::new();
    for (operator, keys) in statement["Condition"].as_object().into_iter().flatten() {
        for (key, values) in keys.as_object().into_iter().flatten() {
            let values = strings(values)
                .into_iter()
                .map(|v| v.to_lowercase())
                .collect();
            found.insert((operator.clone(), key.to_lowercase()), values);
        }
    }
    found
}

pub fn covers(deployed: &Value, required: &Value) -> bool {
    if deployed["Effect"] != required["Effect"] || deployed.get("NotAction").is_some() {
        return false;
    }
    let deployed_principals = principals(deployed);
    let principals_covered =
        deployed_principals.contains("*") || principals(required).is_subset(&deployed_principals);
    let actions = strings(&deployed["Action"]);
    let actions_covered = strings(&required["Action"])
        .iter()
        .all(|action| actions.iter().any(|d| wildcard(d, action, true)));
    let resources = strings(&deployed["Resource"]);
    let resources_covered = strings(&required["Resource"])
        .iter()
        .all(|resource| resources.iter().any(|d| wildcard(d, resource, false)));
    let required_conditions = conditions(required);
    let conditions_covered = conditions(deployed)
        .iter()
        .all(|(key, values)| required_conditions.get(key) == Some(values));
    principals_covered && actions_covered && resources_covered && conditions_covered
}

/// The first deployed statement that covers a required one: its Sid, or its position.
pub fn covering(deployed: &[Value], required: &Value) -> Option<String> {
    deployed.iter().enumerate().find_map(|(i, statement)| {
        covers(statement, required).then(|| {
            statement["Sid"]
                .as_str()
                .map_or(format!("statement {}", i + 1), str::to_owned)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn required() -> Value {
        json!({"Sid": "AllowOrganizationLogDelivery", "Effect": "Allow", "Principal": {"AWS": "*"},
               "Action": ["s3:GetEncryptionConfiguration", "s3:PutObject", "s3:PutObjectAcl"],
               "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/${aws:PrincipalAccount}/*"],
               "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}})
    }

    #[test]
    fn the_same_grant_written_otherwise_covers() {
        let rewritten = json!({"Sid": "LzaWrites", "Effect": "Allow", "Principal": "*",
            "Action": ["s3:Put*", "s3:GetEncryptionConfiguration"],
            "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
            "Condition": {"StringEquals": {"AWS:PrincipalOrgId": ["o-a1b2c3d4e5"]}}});
        assert!(covers(&rewritten, &required()));
        let unconditioned = json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:*", "Resource": "*"});
        assert!(
            covers(&unconditioned, &required()),
            "broader grants still grant"
        );
        assert_eq!(
            covering(&[json!({"Effect": "Deny"}), unconditioned], &required()),
            Some("statement 2".to_owned())
        );
    }

    #[test]
    fn a_narrower_or_different_statement_does_not_cover() {
        let narrower = |edit: &dyn Fn(&mut Value)| {
            let mut statement = required();
            edit(&mut statement);
            covers(&statement, &required())
        };
        assert!(narrower(&|_| ()));
        assert!(!narrower(&|s| s["Action"] = json!(["s3:PutObject"])));
        assert!(!narrower(&|s| s["Resource"] = json!(["arn:aws:s3:::logs"])));
        assert!(!narrower(&|s| s["Effect"] = json!("Deny")));
        assert!(!narrower(
            &|s| s["Principal"] = json!({"AWS": "111111111111"})
        ));
        assert!(!narrower(&|s| s["Condition"]["StringEquals"]
            ["aws:PrincipalOrgID"] =
            json!("o-zzzzzzzzzz")));
        assert!(!narrower(
            &|s| s["Condition"]["Bool"] = json!({"aws:SecureTransport": true})
        ));
    }

    #[test]
    fn account_principals_match_however_written() {
        let required = json!({"Effect": "Allow", "Principal": {"AWS": ["111111111111"]}, "Action": "s3:PutObject", "Resource": "*"});
        let deployed = json!({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]},
                              "Action": "s3:PutObject", "Resource": "*"});
        assert!(covers(&deployed, &required));
    }
}
