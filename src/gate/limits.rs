//! AWS size limits on the policies in a template, checked before anything is
//! written. Intrinsics are measured at the longest value they can resolve to,
//! so a template that passes here cannot fail the limit at deploy time.

use crate::cfn::sub::{self, Part};
use crate::cfn::{Properties, Template};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// S3 bucket policies: 20 KB.
pub const BUCKET_POLICY_BYTES: usize = 20 * 1024;
/// KMS key policies: 32 KB.
pub const KEY_POLICY_BYTES: usize = 32 * 1024;
/// IAM managed policies: 6,144 characters, not counting white space.
pub const MANAGED_POLICY_CHARS: usize = 6_144;
/// Service control policies: 5,120 characters, white space included.
pub const SERVICE_CONTROL_POLICY_CHARS: usize = 5_120;
/// Lambda: all of a function's environment variables, 4 KB.
pub const LAMBDA_ENVIRONMENT_BYTES: usize = 4 * 1024;
/// CloudFormation's limit for a template body passed inline (a StackSet's `TemplateBody`).
pub const TEMPLATE_BODY_BYTES: usize = 51_200;

/// Upper bound for anything a reference or attribute resolves to in smlog's
/// templates (ARNs of buckets and keys, names, organisation ids).
const LONGEST_REFERENCE: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    pub resource: String,
    pub what: &'static str,
    pub size: usize,
    pub limit: usize,
    pub unit: &'static str,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} of {} would be up to {} {}, {} over AWS's limit of {}",
            self.what,
            self.resource,
            self.size,
            self.unit,
            self.size.saturating_sub(self.limit),
            self.limit
        )
    }
}

/// Each limited policy of the template, with its worst-case size and limit.
pub fn measure(template: &Template) -> Vec<Exceeded> {
    let longest = Longest::of(template);
    let mut sizes = Vec::new();
    for (id, resource) in template.resources() {
        let (what, document, limit, unit, count): (_, _, _, _, fn(&str) -> usize) =
            match &resource.properties {
                Properties::S3BucketPolicy(p) => (
                    "bucket policy",
                    json(&p.policy_document),
                    BUCKET_POLICY_BYTES,
                    "bytes",
                    str::len,
                ),
                Properties::KmsKey(k) => (
                    "key policy",
                    json(&k.key_policy),
                    KEY_POLICY_BYTES,
                    "bytes",
                    str::len,
                ),
                Properties::OrganizationsPolicy(p) => (
                    "service control policy",
                    json(&p.content),
                    SERVICE_CONTROL_POLICY_CHARS,
                    "characters",
                    |s| s.chars().count(),
                ),
                Properties::IamManagedPolicy(p) => (
                    "managed policy",
                    json(&p.policy_document),
                    MANAGED_POLICY_CHARS,
                    "characters without white space",
                    |s| s.chars().filter(|c| !c.is_whitespace()).count(),
                ),
                // Lambda measures its variables as the JSON of their map.
                Properties::LambdaFunction(f) if f.environment.is_some() => (
                    "environment variables",
                    json(&f.environment.as_ref().expect("some").variables),
                    LAMBDA_ENVIRONMENT_BYTES,
                    "bytes",
                    str::len,
                ),
                _ => continue,
            };
        let text =
            serde_json::to_string(&longest.worst_case(&document)).expect("JSON values serialise");
        sizes.push(Exceeded {
            resource: id.to_owned(),
            what,
            size: count(&text),
            limit,
            unit,
        });
    }
    sizes
}

/// The limited policies that are over their limit.
pub fn check(template: &Template) -> Vec<Exceeded> {
    measure(template)
        .into_iter()
        .filter(|m| m.size > m.limit)
        .collect()
}

fn json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("policies serialise to JSON")
}

fn filler(len: usize) -> Value {
    Value::String("x".repeat(len))
}

/// What each reference can resolve to at its longest: pseudo parameters by
/// their nature, template parameters by their `MaxLength` or allowed
/// values, anything else by [`LONGEST_REFERENCE`].
#[derive(Debug, Default)]
struct Longest {
    parameters: BTreeMap<String, usize>,
}

impl Longest {
    fn of(template: &Template) -> Self {
        let parameters = template
            .parameters()
            .filter_map(|(name, p)| {
                let allowed = p.allowed_values.iter().map(String::len).max();
                let length = p.max_length.map(|m| m as usize).or(allowed)?;
                Some((name.to_owned(), length))
            })
            .collect();
        Longest { parameters }
    }

    fn reference(&self, name: &str) -> usize {
        match name {
            "AWS::AccountId" => 12,
            "AWS::Region" => 16,
            "AWS::Partition" => 10,
            "AWS::URLSuffix" => 16,
            _ => self
                .parameters
                .get(name)
                .copied()
                .unwrap_or(LONGEST_REFERENCE),
        }
    }

    fn string_len(&self, value: &Value) -> usize {
        match self.worst_case(value) {
            Value::String(s) => s.len(),
            other => serde_json::to_string(&other)
                .map(|s| s.len())
                .unwrap_or(LONGEST_REFERENCE),
        }
    }

    /// The value with every intrinsic replaced by a string of its longest resolution.
    fn worst_case(&self, value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| self.worst_case(v)).collect()),
            Value::Object(map) if map.len() == 1 => {
                let (name, argument) = map.iter().next().expect("one entry");
                self.function(name, argument)
                    .unwrap_or_else(|| self.each(map))
            }
            Value::Object(map) => self.each(map),
            scalar => scalar.clone(),
        }
    }

    fn each(&self, map: &serde_json::Map<String, Value>) -> Value {
        Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), self.worst_case(v)))
                .collect(),
        )
    }

    /// An intrinsic function's longest result; none for a plain one-entry map.
    fn function(&self, name: &str, argument: &Value) -> Option<Value> {
        Some(match (name, argument) {
            ("Ref", Value::String(target)) => filler(self.reference(target)),
            ("Fn::GetAtt", _) | ("Fn::ImportValue", _) | ("Fn::Select", _) => {
                filler(LONGEST_REFERENCE)
            }
            ("Fn::Sub", Value::String(text)) => filler(sub_len(text, |n| self.reference(n))),
            ("Fn::Sub", Value::Array(parts)) if parts.len() == 2 => {
                let text = parts[0].as_str().unwrap_or_default();
                filler(sub_len(text, |name| match parts[1].get(name) {
                    Some(variable) => self.string_len(variable),
                    None => self.reference(name),
                }))
            }
            ("Fn::If", Value::Array(parts)) if parts.len() == 3 => {
                let (a, b) = (self.worst_case(&parts[1]), self.worst_case(&parts[2]));
                let len = |v: &Value| {
                    serde_json::to_string(v)
                        .map(|s| s.len())
                        .unwrap_or_default()
                };
                if len(&a) >= len(&b) {
                    a
                } else {
                    b
                }
            }
            ("Fn::Join", Value::Array(parts)) if parts.len() == 2 => match &parts[1] {
                Value::Array(items) => {
                    let delimiter = parts[0].as_str().unwrap_or_default().len();
                    let total: usize = items.iter().map(|i| self.string_len(i)).sum();
                    filler(total + delimiter * items.len().saturating_sub(1))
                }
                _ => filler(LONGEST_REFERENCE),
            },
            _ if name == "Ref" || name.starts_with("Fn::") => filler(LONGEST_REFERENCE),
            _ => return None,
        })
    }
}

/// `Fn::Sub` text with every `${Name}` at its longest and `${!Literal}` unescaped.
fn sub_len(template: &str, variable_len: impl Fn(&str) -> usize) -> usize {
    sub::parts(template)
        .into_iter()
        .map(|part| match part {
            Part::Text(text) => text.len(),
            Part::Variable(name) => variable_len(name),
            Part::Escaped(literal) => literal.len() + 3,
        })
        .sum()
}

/// A template body to be passed inline (the member inside the rollout and the
/// CLI inputs), refused when over CloudFormation's limit.
pub fn inline_template_body(name: &str, body: &str) -> Result<(), String> {
    if body.len() > TEMPLATE_BODY_BYTES {
        return Err(format!(
            "{name} is {} bytes, {} over the {TEMPLATE_BODY_BYTES}-byte limit for an inline StackSet template body; shorten session.linux_shell_profile / session.windows_shell_profile",
            body.len(),
            body.len() - TEMPLATE_BODY_BYTES
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intrinsics_count_at_their_longest() {
        assert_eq!(
            Longest::default().worst_case(&json!({"Ref": "AWS::AccountId"})),
            filler(12)
        );
        assert_eq!(
            Longest::default().worst_case(&json!({"Ref": "OrganizationId"})),
            filler(LONGEST_REFERENCE)
        );
        assert_eq!(
            Longest::default().worst_case(
                &json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/${!aws:PrincipalAccount}/*"})
            ),
            filler(
                "arn:".len()
                    + 10
                    + ":s3:::".len()
                    + LONGEST_REFERENCE
                    + "/${aws:PrincipalAccount}/*".len()
            )
        );
        assert_eq!(
            Longest::default()
                .worst_case(&json!({"Fn::Sub": ["a${X}b", {"X": {"Ref": "AWS::Region"}}]})),
            filler(2 + 16)
        );
        assert_eq!(
            Longest::default().worst_case(&json!({"Fn::If": ["C", "short", "much longer"]})),
            json!("much longer")
        );
        assert_eq!(
            Longest::default()
                .worst_case(&json!({"Fn::Join": ["-", ["ab", {"Ref": "AWS::AccountId"}]]})),
            filler(15)
        );
        assert_eq!(
            Longest::default().worst_case(&json!({"Condition": {"Bool": {"k": false}}})),
            json!({"Condition": {"Bool": {"k": false}}})
        );
    }

    #[test]
    fn the_default_templates_are_far_inside_the_limits() {
        let plan = crate::plan::Plan::new(crate::config::Settings::default());
        let templates = crate::synth::build(&plan).unwrap();
        for template in plan.targets().iter().filter_map(|t| templates.get(*t)) {
            for measured in measure(template) {
                // Policies grow with the configuration; the environment is mostly fixed.
                let margin = if measured.what == "environment variables" {
                    2
                } else {
                    4
                };
                assert!(measured.size * margin < measured.limit, "{measured}");
            }
            assert!(check(template).is_empty());
        }
    }

    #[test]
    fn a_service_control_policy_over_its_limit_is_reported() {
        use crate::cfn::organizations::Policy;
        use crate::cfn::{PolicyDocument, Statement, Template, Value};
        let statement = |i: usize| {
            Statement::deny(&format!("Deny{i}"))
                .actions(&["ssm:UpdateDocument"])
                .resource(Value::sub("arn:${AWS::Partition}:ssm:*:*:document/x"))
        };
        let scp = |count: usize| {
            let mut template = Template::new("d");
            template.resource(
                "Guardrail",
                Policy {
                    name: "g".to_owned(),
                    description: "d".to_owned(),
                    policy_type: "SERVICE_CONTROL_POLICY".to_owned(),
                    target_ids: Value::reference("Ous"),
                    content: PolicyDocument::new((0..count).map(statement).collect()),
                },
            );
            template
        };
        assert!(check(&scp(10)).is_empty());
        let over = check(&scp(100));
        assert_eq!(over.len(), 1);
        assert!(
            over[0]
                .to_string()
                .starts_with("the service control policy of Guardrail would be up to"),
            "{}",
            over[0]
        );
        assert_eq!(over[0].limit, SERVICE_CONTROL_POLICY_CHARS);
    }

    #[test]
    fn bodies_over_the_inline_limit_are_refused_with_the_overshoot() {
        assert!(inline_template_body("m", &"x".repeat(TEMPLATE_BODY_BYTES)).is_ok());
        let message = inline_template_body("m", &"x".repeat(TEMPLATE_BODY_BYTES + 10)).unwrap_err();
        assert!(
            message.contains("51210 bytes, 10 over the 51200-byte limit"),
            "{message}"
        );
    }
}
