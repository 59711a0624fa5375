//! Who may read the session logs of an existing bucket: the statements of its
//! policy that let every principal of the organisation, or everyone, read
//! objects. Session logs hold what was typed on servers and what came back;
//! Landing Zone Accelerator's central bucket grants such reads by default.

use crate::cfn::policy::wildcard;
use serde_json::Value;

/// How widely a statement opens the bucket's objects for reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every principal in the organisation (or parts of it) whose own
    /// policies allow it.
    Organization,
    /// Anyone at all.
    Public,
}

impl Reach {
    pub fn describe(self) -> &'static str {
        match self {
            Reach::Organization => "every principal of the organisation",
            Reach::Public => "everyone",
        }
    }
}

/// A statement that opens the objects for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRead {
    /// Its Sid, or its position.
    pub statement: String,
    pub actions: Vec<String>,
    pub reach: Reach,
}

/// The read actions a session log can be fetched by.
const READS: [&str; 2] = ["s3:GetObject", "s3:GetObjectVersion"];

/// Condition keys that only say the principal is in the organisation; any
/// other key (a principal ARN, an account list, a VPC endpoint) narrows the
/// grant to something smlog does not judge here.
const ORGANIZATION_KEYS: [&str; 2] = ["aws:principalorgid", "aws:principalorgpaths"];

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn to_everyone(statement: &Value) -> bool {
    let principal = &statement["Principal"];
    principal.as_str() == Some("*") || strings(&principal["AWS"]).iter().any(|p| p == "*")
}

/// How far a statement's conditions leave it open: `None` when some
/// condition narrows it beyond the organisation.
fn reach(statement: &Value) -> Option<Reach> {
    let mut organization = false;
    for keys in statement["Condition"].as_object().into_iter().flatten() {
        for key in keys.1.as_object().into_iter().flatten().map(|(k, _)| k) {
            match key.to_lowercase().as_str() {
                k if ORGANIZATION_KEYS.contains(&k) => organization = true,
                "aws:securetransport" => {}
                _ => return None,
            }
        }
    }
    Some(if organization {
        Reach::Organization
    } else {
        Reach::Public
    })
}

/// The Allow statements of `statements` that let the organisation or everyone
/// read objects of the bucket `bucket_arn`.
pub fn open_reads(statements: &[Value], bucket_arn: &str) -> Vec<OpenRead> {
    let object = format!("{bucket_arn}/111111111111/us-east-1/session.log");
    statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s["Effect"] == "Allow" && to_everyone(s))
        .filter(|(_, s)| {
            strings(&s["Resource"])
                .iter()
                .any(|r| wildcard(r, &object, false))
        })
        .filter_map(|(i, s)| {
            let actions: Vec<String> = strings(&s["Action"])
                .into_iter()
                .filter(|a| READS.iter().any(|read| wildcard(a, read, true)))
                .collect();
            if actions.is_empty() {
                return None;
            }
            Some(OpenRead {
                statement: s["Sid"]
                    .as_str()
                    .map_or(format!("statement {}", i + 1), str::to_owned),
                actions,
                reach: reach(s)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BUCKET: &str = "arn:aws:s3:::aws-accelerator-central-logs-111111111111-us-east-1";

    /// Landing Zone Accelerator's central log bucket, as its construct writes it.
    fn accelerator_statement() -> Value {
        json!({"Sid": "Allow Organization principals to use the bucket", "Effect": "Allow",
               "Principal": {"AWS": "*"},
               "Action": ["s3:GetBucketLocation", "s3:GetBucketAcl", "s3:PutObject", "s3:GetObject", "s3:ListBucket"],
               "Resource": [BUCKET, format!("{BUCKET}/*")],
               "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5"]}}})
    }

    #[test]
    fn the_accelerators_organisation_wide_read_is_found() {
        let found = open_reads(&[accelerator_statement()], BUCKET);
        assert_eq!(
            found,
            [OpenRead {
                statement: "Allow Organization principals to use the bucket".to_owned(),
                actions: vec!["s3:GetObject".to_owned()],
                reach: Reach::Organization,
            }]
        );
    }

    #[test]
    fn wildcard_actions_and_unconditioned_grants_are_found() {
        let public =
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:Get*", "Resource": "*"});
        let everything = json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:*"],
                                "Resource": format!("{BUCKET}/*"),
                                "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/*"]}}});
        let found = open_reads(&[public, everything], BUCKET);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].statement.as_str(), found[0].reach),
            ("statement 1", Reach::Public)
        );
        assert_eq!(found[1].reach, Reach::Organization);
    }

    #[test]
    fn narrower_grants_writes_and_denies_are_not_reads_for_everyone() {
        let mut named = accelerator_statement();
        named["Principal"] = json!({"AWS": "arn:aws:iam::111111111111:root"});
        let mut narrowed = accelerator_statement();
        narrowed["Condition"]["ArnLike"] =
            json!({"aws:PrincipalArn": "arn:aws:iam::*:role/LogReader"});
        let mut writes = accelerator_statement();
        writes["Action"] = json!(["s3:PutObject", "s3:GetEncryptionConfiguration"]);
        let mut deny = accelerator_statement();
        deny["Effect"] = json!("Deny");
        let mut other_bucket = accelerator_statement();
        other_bucket["Resource"] = json!("arn:aws:s3:::another-bucket/*");
        let statements = [named, narrowed, writes, deny, other_bucket];
        assert_eq!(open_reads(&statements, BUCKET), []);
    }
}
