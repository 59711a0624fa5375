//! `verify --central` for an existing bucket and key: do their deployed
//! policies grant what smlog's members need (statement by statement, by
//! meaning), and does the bucket's default encryption name the key by its
//! full ARN (an alias would resolve in each uploading account)?

use super::aws::Aws;
use super::checks::{Check, Status};
use super::covers::covering;
use crate::stacks::existing::RequiredStatements;
use serde_json::Value;

/// A policy as the aws CLI returns it: JSON in a string (or, from some
/// emulators, already an object).
fn policy_statements(answer: &Value) -> Vec<Value> {
    let policy = match &answer["Policy"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or_default(),
        other => other.clone(),
    };
    match &policy["Statement"] {
        Value::Array(statements) => statements.clone(),
        Value::Object(_) => vec![policy["Statement"].clone()],
        _ => Vec::new(),
    }
}

struct Report<'a> {
    account: &'a str,
    region: &'a str,
    checks: Vec<Check>,
}

impl Report<'_> {
    fn push(&mut self, check: String, status: Status, observed: String, expected: String) {
        self.checks.push(Check {
            account: self.account.to_owned(),
            region: self.region.to_owned(),
            check,
            status,
            observed,
            expected,
        });
    }

    /// Each required statement, granted by some deployed one or not.
    fn statements(&mut self, what: &str, deployed: Result<Vec<Value>, String>, required: &[Value]) {
        for statement in required {
            let sid = statement["Sid"].as_str().unwrap_or("(no Sid)");
            let check = format!("{what} grants {sid}");
            let expected = "a statement that grants at least it".to_owned();
            match &deployed {
                Ok(deployed) => match covering(deployed, statement) {
                    Some(by) => {
                        self.push(check, Status::Pass, format!("granted by {by}"), expected)
                    }
                    None => self.push(check, Status::Fail, "missing".to_owned(), expected),
                },
                Err(error) => self.push(check, Status::Error, error.clone(), expected),
            }
        }
    }
}

pub fn check(aws: &Aws, required: &RequiredStatements) -> Vec<Check> {
    let key = &required.key_arn;
    let mut fields = key.split(':');
    let region = fields.nth(3).unwrap_or_default();
    let account = fields.next().unwrap_or_default();
    let aws = Aws {
        region: Some(region.to_owned()),
        ..aws.clone()
    };
    let mut report = Report {
        account,
        region,
        checks: Vec::new(),
    };
    match aws.call(&[
        "s3api",
        "get-bucket-encryption",
        "--bucket",
        &required.bucket,
    ]) {
        Ok(answer) => {
            let default = &answer["ServerSideEncryptionConfiguration"]["Rules"][0]
                ["ApplyServerSideEncryptionByDefault"];
            let named = default["KMSMasterKeyID"]
                .as_str()
                .unwrap_or("(none)")
                .to_owned();
            let (status, observed) = if named == *key {
                (Status::Pass, named)
            } else if named.starts_with("alias/") || named.contains(":alias/") {
                (Status::Fail, format!("{named}: an alias, which each uploading account resolves in its own account"))
            } else {
                (Status::Fail, named)
            };
            report.push(
                "bucket: default encryption names the key by its ARN".to_owned(),
                status,
                observed,
                key.clone(),
            );
        }
        Err(error) => report.push(
            "bucket: default encryption names the key by its ARN".to_owned(),
            Status::Error,
            error.to_string(),
            key.clone(),
        ),
    }
    let as_statements = |statements: &[crate::cfn::Statement]| -> Vec<Value> {
        statements
            .iter()
            .map(|s| serde_json::to_value(s).expect("statements serialise"))
            .collect()
    };
    let bucket_policy = aws
        .call(&["s3api", "get-bucket-policy", "--bucket", &required.bucket])
        .map(|answer| policy_statements(&answer))
        .map_err(|e| e.to_string());
    report.statements(
        "bucket policy",
        bucket_policy,
        &as_statements(&required.bucket_policy_statements),
    );
    let key_policy = aws
        .call(&[
            "kms",
            "get-key-policy",
            "--key-id",
            key,
            "--policy-name",
            "default",
        ])
        .map(|answer| policy_statements(&answer))
        .map_err(|e| e.to_string());
    report.statements(
        "key policy",
        key_policy,
        &as_statements(&required.key_policy_statements),
    );
    report.checks
}
