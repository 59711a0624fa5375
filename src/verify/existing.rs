//! `verify --central` for an existing bucket and key: do their deployed
//! policies grant what smlog's members need (statement by statement, by
//! meaning), does the bucket's default encryption name the key by its full
//! ARN (an alias would resolve in each uploading account), are S3 Bucket Keys
//! on, and does any statement let the organisation or everyone read the logs?

use super::aws::Aws;
use super::checks::{Check, Status};
use super::covers::covering;
use super::reads::open_reads;
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

/// The bucket's default encryption: the key by its full ARN (an alias would
/// resolve in each uploading account), and whether S3 Bucket Keys are on
/// (smlog's key statement serves either; worth knowing, not a failure).
fn encryption(report: &mut Report, aws: &Aws, required: &RequiredStatements) {
    let key = &required.key_arn;
    let check = "bucket: default encryption names the key by its ARN".to_owned();
    let answer = match aws.call(&[
        "s3api",
        "get-bucket-encryption",
        "--bucket",
        &required.bucket,
    ]) {
        Ok(answer) => answer,
        Err(error) => {
            report.push(check, Status::Error, error.to_string(), key.clone());
            return;
        }
    };
    let rule = &answer["ServerSideEncryptionConfiguration"]["Rules"][0];
    let named = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
        .as_str()
        .unwrap_or("(none)")
        .to_owned();
    let (status, observed) = if named == *key {
        (Status::Pass, named)
    } else if named.starts_with("alias/") || named.contains(":alias/") {
        (
            Status::Fail,
            format!("{named}: an alias, which each uploading account resolves in its own account"),
        )
    } else {
        (Status::Fail, named)
    };
    report.push(check, status, observed, key.clone());
    let bucket_keys = if rule["BucketKeyEnabled"] == true {
        "enabled: KMS sees the bucket's ARN as encryption context"
    } else {
        "disabled: KMS sees each object's ARN as encryption context"
    };
    report.push(
        "bucket: S3 Bucket Keys".to_owned(),
        Status::Note,
        bucket_keys.to_owned(),
        "either; the key statement admits both contexts".to_owned(),
    );
}

/// Statements that let the whole organisation, or everyone, read the logs.
fn reads(report: &mut Report, bucket_policy: &Result<Vec<Value>, String>, bucket_arn: &str) {
    let expected = "reads only by principals the policy names".to_owned();
    let Ok(statements) = bucket_policy else {
        return;
    };
    let open = open_reads(statements, bucket_arn);
    if open.is_empty() {
        report.push(
            "bucket policy: reads of session logs".to_owned(),
            Status::Pass,
            "no statement lets the organisation or everyone read them".to_owned(),
            expected.clone(),
        );
    }
    for read in open {
        report.push(
            format!("bucket policy: {} opens session logs", read.statement),
            Status::Fail,
            format!(
                "{} to {}: any of them whose own policies allow it reads every account's sessions",
                read.actions.join(", "),
                read.reach.describe()
            ),
            expected.clone(),
        );
    }
}

pub fn check(aws: &Aws, required: &RequiredStatements) -> Vec<Check> {
    let key = &required.key_arn;
    let mut fields = key.split(':');
    let partition = fields.nth(1).unwrap_or("aws").to_owned();
    let region = fields.nth(1).unwrap_or_default();
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
    encryption(&mut report, &aws, required);
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
    reads(
        &mut report,
        &bucket_policy,
        &format!("arn:{partition}:s3:::{}", required.bucket),
    );
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
