//! A small evaluator for the IAM policies smlog writes: statements with
//! wildcard actions and resources, the condition keys smlog uses, intrinsics
//! resolved against a fixed example deployment, and explicit deny first.

use crate::cfn::policy::wildcard;
use crate::cfn::sub::{self, Part};
use crate::cfn::{Effect, Expr, Intrinsic, PolicyDocument, Principal, Statement, Value};
use std::collections::BTreeMap;

/// Values for references, attributes and conditions in one template.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    /// `Ref` targets (parameters, pseudo parameters, resources) and `Logical.Attribute`.
    pub values: BTreeMap<String, String>,
    pub conditions: BTreeMap<String, bool>,
}

impl Resolver {
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.values.insert(name.to_owned(), value.into());
        self
    }

    pub fn condition(mut self, name: &str, holds: bool) -> Self {
        self.conditions.insert(name.to_owned(), holds);
        self
    }

    fn sub(&self, template: &str, variables: &BTreeMap<String, String>) -> Option<String> {
        let mut out = String::new();
        for part in sub::parts(template) {
            match part {
                Part::Text(text) => out.push_str(text),
                // A policy variable, kept for the evaluator: ${aws:PrincipalAccount}.
                Part::Escaped(literal) => out.push_str(&format!("${{{literal}}}")),
                Part::Variable(name) => {
                    out.push_str(variables.get(name).or_else(|| self.values.get(name))?)
                }
            }
        }
        Some(out)
    }

    /// The strings an expression stands for (one for a scalar, several for a list).
    pub fn strings(&self, expr: &Expr) -> Option<Vec<String>> {
        match expr {
            Expr::String(s) => Some(vec![s.clone()]),
            Expr::Bool(b) => Some(vec![b.to_string()]),
            Expr::Number(n) => Some(vec![n.to_string()]),
            Expr::List(items) => items
                .iter()
                .map(|i| self.strings(i))
                .collect::<Option<Vec<_>>>()
                .map(|v| v.concat()),
            Expr::Fn(intrinsic) => self.intrinsic(intrinsic),
        }
    }

    fn intrinsic(&self, intrinsic: &Intrinsic) -> Option<Vec<String>> {
        match intrinsic {
            Intrinsic::Ref(name) => self.values.get(name).map(|v| vec![v.clone()]),
            Intrinsic::GetAtt {
                logical_name,
                attribute,
            } => self
                .values
                .get(&format!("{logical_name}.{attribute}"))
                .map(|v| vec![v.clone()]),
            Intrinsic::Sub(template) => self.sub(template, &BTreeMap::new()).map(|s| vec![s]),
            Intrinsic::SubWith {
                template,
                variables,
            } => {
                let resolved = variables
                    .iter()
                    .map(|(k, v)| Some((k.clone(), self.strings(v)?.join(","))))
                    .collect::<Option<BTreeMap<_, _>>>()?;
                self.sub(template, &resolved).map(|s| vec![s])
            }
            Intrinsic::If {
                condition,
                then,
                otherwise,
            } => self.strings(if *self.conditions.get(condition)? {
                then
            } else {
                otherwise
            }),
            _ => None,
        }
    }

    pub fn value(&self, value: &Value<String>) -> Option<String> {
        match value {
            Value::Literal(s) => Some(s.clone()),
            Value::Fn(intrinsic) => self.intrinsic(intrinsic)?.into_iter().next(),
        }
    }
}

/// Who asks, for what, and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub action: String,
    pub resource: String,
    /// None for an anonymous request.
    pub account: Option<String>,
    pub org_id: Option<String>,
    pub org_path: Option<String>,
    pub secure_transport: bool,
    /// The AWS service calling KMS on the principal's behalf, if any.
    pub via_service: Option<String>,
    /// The KMS encryption context, key → value.
    pub encryption_context: BTreeMap<String, String>,
    /// The upload's SSE headers (`s3:x-amz-server-side-encryption` and
    /// `…-aws-kms-key-id`), when it sends them.
    pub sse: Option<String>,
    pub sse_kms_key_id: Option<String>,
    /// The aliases of the KMS key the request uses (`kms:ResourceAliases`).
    pub resource_aliases: Vec<String>,
    /// The account that owns the resource (`s3:ResourceAccount`).
    pub resource_account: String,
    /// The caller's role (`aws:PrincipalArn`); none for an anonymous request.
    pub principal_arn: Option<String>,
    /// The Region the request is sent to (`aws:RequestedRegion`).
    pub requested_region: String,
}

const ENCRYPTION_CONTEXT: &str = "kms:EncryptionContext:";

/// Does a statement's condition block hold for the request? `None`: it uses a
/// key this evaluator does not model.
fn conditions_hold(statement: &Statement, request: &Request, resolver: &Resolver) -> Option<bool> {
    for (operator, keys) in &statement.condition {
        for (key, expected) in keys {
            let expected = resolver.strings(expected)?;
            // Every key here is single-valued but kms:ResourceAliases and
            // kms:EncryptionContextKeys.
            let actual: Vec<String> = match key.as_str() {
                "aws:PrincipalOrgID" => request.org_id.clone().into_iter().collect(),
                "aws:PrincipalAccount" => request.account.clone().into_iter().collect(),
                "aws:PrincipalOrgPaths" => request.org_path.clone().into_iter().collect(),
                "aws:SecureTransport" => vec![request.secure_transport.to_string()],
                "kms:ViaService" => request.via_service.clone().into_iter().collect(),
                "kms:EncryptionContextKeys" => request.encryption_context.keys().cloned().collect(),
                key if key.starts_with(ENCRYPTION_CONTEXT) => request
                    .encryption_context
                    .get(&key[ENCRYPTION_CONTEXT.len()..])
                    .cloned()
                    .into_iter()
                    .collect(),
                "kms:ResourceAliases" => request.resource_aliases.clone(),
                "s3:x-amz-server-side-encryption" => request.sse.clone().into_iter().collect(),
                "s3:x-amz-server-side-encryption-aws-kms-key-id" => {
                    request.sse_kms_key_id.clone().into_iter().collect()
                }
                "s3:ResourceAccount" => vec![request.resource_account.clone()],
                "aws:PrincipalArn" => request.principal_arn.clone().into_iter().collect(),
                "aws:RequestedRegion" => vec![request.requested_region.clone()],
                // The matrix's requests are made directly, never through a service,
                // and sessions are started with the document permission check.
                "aws:CalledVia" => Vec::new(),
                "ssm:SessionDocumentAccessCheck" => vec!["true".to_owned()],
                _ => return None,
            };
            let holds = match operator.as_str() {
                "StringEquals" | "Bool" | "BoolIfExists" | "ForAnyValue:StringEquals" => {
                    actual.iter().any(|a| expected.contains(a))
                }
                // True when the key is absent, as IAM's negated operators are.
                "StringNotEquals" => !actual.iter().any(|a| expected.contains(a)),
                "ForAllValues:StringEquals" => actual.iter().all(|a| expected.contains(a)),
                "Null" => actual.is_empty() == (expected == ["true"]),
                "StringLike" | "ForAnyValue:StringLike" | "ArnLike" => actual
                    .iter()
                    .any(|a| expected.iter().any(|e| wildcard(e, a, false))),
                "ArnNotLike" => !actual
                    .iter()
                    .any(|a| expected.iter().any(|e| wildcard(e, a, false))),
                // True for an absent (empty) key, as IAM's ForAllValues is.
                "ForAllValues:StringNotEquals" => actual.iter().all(|a| !expected.contains(a)),
                _ => return None,
            };
            if !holds {
                return Some(false);
            }
        }
    }
    Some(true)
}

/// How a statement relates to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Yes,
    No,
    /// It would apply, but a condition key is not modelled.
    Unknown,
}

pub fn applies(statement: &Statement, request: &Request, resolver: &Resolver) -> Applies {
    let names = |actions: &[String]| actions.iter().any(|a| wildcard(a, &request.action, true));
    let action = if statement.not_action.is_empty() {
        names(&statement.action)
    } else {
        !names(&statement.not_action)
    };
    let matches = |resources: &[crate::cfn::Value<String>]| {
        resources.iter().any(|r| {
            resolver.value(r).is_some_and(|pattern| {
                let pattern = pattern.replace(
                    "${aws:PrincipalAccount}",
                    request.account.as_deref().unwrap_or("\u{0}"),
                );
                wildcard(&pattern, &request.resource, false)
            })
        })
    };
    let resource = if statement.not_resource.is_empty() {
        matches(&statement.resource)
    } else {
        !matches(&statement.not_resource)
    };
    if !action || !resource {
        return Applies::No;
    }
    match conditions_hold(statement, request, resolver) {
        Some(true) => Applies::Yes,
        Some(false) => Applies::No,
        None => Applies::Unknown,
    }
}

/// Whether a resource-policy statement's principal covers the requester, and
/// whether it does so only by delegating to the account's IAM policies (root).
pub fn principal_covers(
    statement: &Statement,
    request: &Request,
    resolver: &Resolver,
) -> (bool, bool) {
    match &statement.principal {
        Some(Principal::Anyone) => (true, false),
        Some(Principal::Aws(arns)) => {
            let account = request.account.as_deref().unwrap_or("\u{0}");
            let root = arns
                .iter()
                .filter_map(|a| resolver.value(a))
                .any(|arn| arn.ends_with(&format!(":{account}:root")) || arn == account);
            (root, root)
        }
        _ => (false, false),
    }
}

/// A labelled policy: where its statements come from.
#[derive(Clone)]
pub struct Policy<'a> {
    pub label: String,
    pub document: &'a PolicyDocument,
    pub resolver: &'a Resolver,
}

/// The statements of the policies that apply to a request, by effect.
pub struct Matches {
    pub allows: Vec<String>,
    pub denies: Vec<String>,
    pub unknown: Vec<String>,
    /// Allows that only delegate to the principal's own IAM policies.
    pub delegations: Vec<String>,
}

pub fn matches(policies: &[Policy], request: &Request, resource_policy: bool) -> Matches {
    let mut found = Matches {
        allows: vec![],
        denies: vec![],
        unknown: vec![],
        delegations: vec![],
    };
    for policy in policies {
        for statement in &policy.document.statement {
            let (covered, delegation) = if resource_policy {
                principal_covers(statement, request, policy.resolver)
            } else {
                (true, false)
            };
            if !covered {
                continue;
            }
            let name = format!("{}:{}", policy.label, statement.sid);
            match (
                applies(statement, request, policy.resolver),
                statement.effect,
            ) {
                (Applies::No, _) => {}
                (Applies::Unknown, _) => found.unknown.push(name),
                (Applies::Yes, Effect::Deny) => found.denies.push(name),
                (Applies::Yes, Effect::Allow) if delegation => found.delegations.push(name),
                (Applies::Yes, Effect::Allow) => found.allows.push(name),
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard("s3:*", "s3:PutObject", true));
        assert!(wildcard("S3:put*", "s3:PutObject", true));
        assert!(wildcard(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/1/x.log",
            false
        ));
        assert!(!wildcard(
            "arn:aws:s3:::b/1/*",
            "arn:aws:s3:::b/2/x.log",
            false
        ));
        assert!(wildcard("a?c", "abc", false));
        assert!(!wildcard("arn:aws:s3:::b", "arn:aws:s3:::b/x", false));
        assert!(wildcard("*", "", false));
    }

    #[test]
    fn encryption_context_conditions_hold_only_for_that_context() {
        let statement = Statement::allow("Sessions")
            .actions(&["kms:Decrypt"])
            .resource("*")
            .condition(
                "ForAllValues:StringEquals",
                "kms:EncryptionContextKeys",
                Expr::List(vec!["aws:ssm:SessionId".into(), "aws:ssm:TargetId".into()]),
            )
            .condition("Null", "kms:EncryptionContext:aws:ssm:SessionId", false);
        let request = |context: &[(&str, &str)]| Request {
            action: "kms:Decrypt".to_owned(),
            resource: "arn:aws:kms:us-east-1:111111111111:key/k".to_owned(),
            account: Some("222222222222".to_owned()),
            org_id: None,
            org_path: None,
            secure_transport: true,
            via_service: None,
            encryption_context: context
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            sse: None,
            sse_kms_key_id: None,
            resource_aliases: vec![],
            resource_account: "111111111111".to_owned(),
            principal_arn: None,
            requested_region: "us-east-1".to_owned(),
        };
        let resolver = Resolver::default();
        let session = [("aws:ssm:SessionId", "s-1"), ("aws:ssm:TargetId", "i-1")];
        assert_eq!(
            applies(&statement, &request(&session), &resolver),
            Applies::Yes
        );
        assert_eq!(applies(&statement, &request(&[]), &resolver), Applies::No);
        let other = [("aws:ssm:SessionId", "s-1"), ("purpose", "backups")];
        assert_eq!(
            applies(&statement, &request(&other), &resolver),
            Applies::No
        );
    }

    #[test]
    fn intrinsics_resolve_against_the_example() {
        let resolver = Resolver::default()
            .with("AWS::AccountId", "111111111111")
            .with("LogBucket.Arn", "arn:aws:s3:::logs")
            .with("BucketName", "")
            .condition("Generate", true);
        let sub = Expr::from(Intrinsic::sub(
            "${LogBucket.Arn}/${!aws:PrincipalAccount}/*",
        ));
        assert_eq!(
            resolver.strings(&sub).unwrap(),
            ["arn:aws:s3:::logs/${aws:PrincipalAccount}/*"]
        );
        let chosen = Expr::from(Intrinsic::if_(
            "Generate",
            Intrinsic::sub("b-${AWS::AccountId}"),
            Intrinsic::reference("BucketName"),
        ));
        assert_eq!(resolver.strings(&chosen).unwrap(), ["b-111111111111"]);
        assert_eq!(
            resolver.strings(&Intrinsic::reference("Missing").into()),
            None
        );
    }
}
