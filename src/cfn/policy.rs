//! IAM policy documents: statements, principals and condition blocks, as used
//! by identity policies, bucket policies and key policies alike.

use super::intrinsic::Expr;
use super::value::Value;
use indexmap::IndexMap;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

pub const POLICY_VERSION: &str = "2012-10-17";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    version: &'static str,
    pub statement: Vec<Statement>,
}

impl PolicyDocument {
    pub fn new(statements: Vec<Statement>) -> Self {
        PolicyDocument {
            version: POLICY_VERSION,
            statement: statements,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a resource-policy statement applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// Every principal (`AWS: "*"`), normally narrowed by a condition.
    Anyone,
    Aws(Vec<Value<String>>),
    Service(Vec<Value<String>>),
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Principal::Anyone => map.serialize_entry("AWS", "*")?,
            Principal::Aws(arns) => map.serialize_entry("AWS", arns)?,
            Principal::Service(services) => map.serialize_entry("Service", services)?,
        }
        map.end()
    }
}

/// A condition block: operator → condition key → value(s), in insertion order.
pub type Conditions = IndexMap<String, IndexMap<String, Expr>>;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    pub sid: String,
    pub effect: Effect,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<String>,
    /// Every action but these (a Deny that must not miss a future action).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_action: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Value<String>>,
    /// Every resource but these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_resource: Vec<Value<String>>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub condition: Conditions,
}

impl Statement {
    fn new(sid: &str, effect: Effect) -> Self {
        Statement {
            sid: sid.to_owned(),
            effect,
            principal: None,
            action: Vec::new(),
            not_action: Vec::new(),
            resource: Vec::new(),
            not_resource: Vec::new(),
            condition: IndexMap::new(),
        }
    }

    pub fn allow(sid: &str) -> Self {
        Self::new(sid, Effect::Allow)
    }

    pub fn deny(sid: &str) -> Self {
        Self::new(sid, Effect::Deny)
    }

    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    pub fn actions(mut self, actions: &[&str]) -> Self {
        self.action = actions.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    pub fn not_actions(mut self, actions: &[&str]) -> Self {
        self.not_action = actions.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    pub fn not_resources(mut self, resources: impl IntoIterator<Item = Value<String>>) -> Self {
        self.not_resource = resources.into_iter().collect();
        self
    }

    pub fn resources(mut self, resources: impl IntoIterator<Item = Value<String>>) -> Self {
        self.resource = resources.into_iter().collect();
        self
    }

    pub fn resource(self, resource: impl Into<Value<String>>) -> Self {
        self.resources([resource.into()])
    }

    pub fn condition(mut self, operator: &str, key: &str, value: impl Into<Expr>) -> Self {
        self.condition
            .entry(operator.to_owned())
            .or_default()
            .insert(key.to_owned(), value.into());
        self
    }
}

/// `*` and `?` wildcards, as IAM matches actions (case-insensitively) and resources.
pub fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::Intrinsic;
    use serde_json::json;

    #[test]
    fn statements_serialise_in_iam_order_and_types() {
        let document = PolicyDocument::new(vec![
            Statement::deny("DenyInsecureTransport")
                .principal(Principal::Anyone)
                .actions(&["s3:*"])
                .resource("*")
                .condition("Bool", "aws:SecureTransport", false),
            Statement::allow("Trust")
                .principal(Principal::Service(vec!["lambda.amazonaws.com".into()]))
                .actions(&["sts:AssumeRole"]),
            Statement::allow("Root")
                .principal(Principal::Aws(vec![Value::sub(
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
                )]))
                .actions(&["kms:*"])
                .resource("*")
                .condition(
                    "StringEquals",
                    "aws:PrincipalOrgID",
                    Intrinsic::reference("Org"),
                )
                .condition(
                    "StringEquals",
                    "kms:ViaService",
                    "s3.us-east-1.amazonaws.com",
                ),
        ]);
        let value = serde_json::to_value(&document).unwrap();
        assert_eq!(value["Version"], "2012-10-17");
        assert_eq!(
            value["Statement"][0],
            json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"},
                   "Action": ["s3:*"], "Resource": ["*"], "Condition": {"Bool": {"aws:SecureTransport": false}}})
        );
        assert_eq!(
            value["Statement"][1],
            json!({"Sid": "Trust", "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]},
                   "Action": ["sts:AssumeRole"]}),
            "no Resource in a trust policy"
        );
        let keys: Vec<&String> = value["Statement"][2]["Condition"]["StringEquals"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            keys,
            ["aws:PrincipalOrgID", "kms:ViaService"],
            "insertion order"
        );
        assert_eq!(
            value["Statement"][2]["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
            json!({"Ref": "Org"})
        );
    }
}
