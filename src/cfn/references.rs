//! Reference checking: every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable,
//! condition and `DependsOn` in a template names something the template (or
//! CloudFormation) defines. Runs over the template's JSON form, so it sees
//! exactly what CloudFormation will see.

use super::sub::{self, Part};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// A reference to something the template does not define.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DanglingReference {
    /// Where it occurs: `Resources.LogBucket`, `Outputs.BucketName`, `Conditions.IsHome`.
    pub location: String,
    /// What kind of reference: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Condition`, `DependsOn`.
    pub kind: &'static str,
    pub target: String,
}

impl fmt::Display for DanglingReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} names {:?}, which the template does not define",
            self.location, self.kind, self.target
        )
    }
}

/// What a template defines, by section.
struct Names {
    parameters: BTreeSet<String>,
    resources: BTreeSet<String>,
    conditions: BTreeSet<String>,
}

/// Where a value sits decides what it may reference: conditions and rules
/// may name parameters only.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Resources,
    ParametersOnly,
}

fn keys(template: &Value, section: &str) -> BTreeSet<String> {
    template[section]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The first dangling reference of a template in JSON form, if any.
pub fn check(template: &Value) -> Result<(), DanglingReference> {
    let names = Names {
        parameters: keys(template, "Parameters"),
        resources: keys(template, "Resources"),
        conditions: keys(template, "Conditions"),
    };
    let walker = Walker { names: &names };
    for (id, condition) in template["Conditions"].as_object().into_iter().flatten() {
        walker.walk(
            &format!("Conditions.{id}"),
            condition,
            Scope::ParametersOnly,
            &[],
        )?;
    }
    for (id, rule) in template["Rules"].as_object().into_iter().flatten() {
        walker.walk(&format!("Rules.{id}"), rule, Scope::ParametersOnly, &[])?;
    }
    for (id, resource) in template["Resources"].as_object().into_iter().flatten() {
        let location = format!("Resources.{id}");
        walker.named_condition(&location, resource.get("Condition"))?;
        let depends_on = match resource.get("DependsOn") {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        for target in depends_on {
            if !names.resources.contains(&target) {
                return Err(dangling(&location, "DependsOn", &target));
            }
        }
        if let Some(properties) = resource.get("Properties") {
            walker.walk(&location, properties, Scope::Resources, &[])?;
        }
    }
    for (id, output) in template["Outputs"].as_object().into_iter().flatten() {
        let location = format!("Outputs.{id}");
        walker.named_condition(&location, output.get("Condition"))?;
        walker.walk(&location, output, Scope::Resources, &[])?;
    }
    Ok(())
}

fn dangling(location: &str, kind: &'static str, target: &str) -> DanglingReference {
    DanglingReference {
        location: location.to_owned(),
        kind,
        target: target.to_owned(),
    }
}

struct Walker<'a> {
    names: &'a Names,
}

impl Walker<'_> {
    fn named_condition(
        &self,
        location: &str,
        name: Option<&Value>,
    ) -> Result<(), DanglingReference> {
        match name.and_then(Value::as_str) {
            Some(name) if !self.names.conditions.contains(name) => {
                Err(dangling(location, "Condition", name))
            }
            _ => Ok(()),
        }
    }

    /// Whether `Ref`/`${}` may name this: a parameter, a pseudo parameter, a
    /// resource (outside conditions), or a variable `Fn::Sub` defines.
    fn defines(&self, name: &str, scope: Scope, locals: &[String]) -> bool {
        name.starts_with("AWS::")
            || self.names.parameters.contains(name)
            || (scope == Scope::Resources && self.names.resources.contains(name))
            || locals.iter().any(|local| local == name)
    }

    fn walk(
        &self,
        location: &str,
        value: &Value,
        scope: Scope,
        locals: &[String],
    ) -> Result<(), DanglingReference> {
        match value {
            Value::Array(items) => items
                .iter()
                .try_for_each(|item| self.walk(location, item, scope, locals)),
            Value::Object(map) if map.len() == 1 => {
                let (name, argument) = map.iter().next().expect("one entry");
                self.intrinsic(location, name, argument, scope, locals, map)
            }
            Value::Object(map) => map
                .values()
                .try_for_each(|item| self.walk(location, item, scope, locals)),
            _ => Ok(()),
        }
    }

    fn intrinsic(
        &self,
        location: &str,
        name: &str,
        argument: &Value,
        scope: Scope,
        locals: &[String],
        map: &Map<String, Value>,
    ) -> Result<(), DanglingReference> {
        match (name, argument) {
            ("Ref", Value::String(target)) => {
                if self.defines(target, scope, locals) {
                    Ok(())
                } else {
                    Err(dangling(location, "Ref", target))
                }
            }
            ("Fn::GetAtt", Value::Array(parts)) => {
                let target = parts.first().and_then(Value::as_str).unwrap_or_default();
                if scope == Scope::Resources && self.names.resources.contains(target) {
                    Ok(())
                } else {
                    Err(dangling(location, "Fn::GetAtt", target))
                }
            }
            ("Fn::Sub", Value::String(text)) => self.sub(location, text, scope, locals),
            ("Fn::Sub", Value::Array(parts)) => {
                let variables = parts.get(1).and_then(Value::as_object);
                if let Some(variables) = variables {
                    variables
                        .values()
                        .try_for_each(|v| self.walk(location, v, scope, locals))?;
                }
                let mut with_locals = locals.to_vec();
                with_locals.extend(variables.into_iter().flat_map(|v| v.keys().cloned()));
                let text = parts.first().and_then(Value::as_str).unwrap_or_default();
                self.sub(location, text, scope, &with_locals)
            }
            ("Fn::If", Value::Array(parts)) => {
                let condition = parts.first().and_then(Value::as_str).unwrap_or_default();
                if !self.names.conditions.contains(condition) {
                    return Err(dangling(location, "Fn::If", condition));
                }
                parts[1..]
                    .iter()
                    .try_for_each(|branch| self.walk(location, branch, scope, locals))
            }
            ("Condition", Value::String(condition)) => {
                if self.names.conditions.contains(condition) {
                    Ok(())
                } else {
                    Err(dangling(location, "Condition", condition))
                }
            }
            _ => map
                .values()
                .try_for_each(|item| self.walk(location, item, scope, locals)),
        }
    }

    fn sub(
        &self,
        location: &str,
        text: &str,
        scope: Scope,
        locals: &[String],
    ) -> Result<(), DanglingReference> {
        for part in sub::parts(text) {
            let Part::Variable(variable) = part else {
                continue;
            };
            let target = sub::target(variable);
            let defined = if variable.contains('.') && !locals.iter().any(|l| l == variable) {
                scope == Scope::Resources && self.names.resources.contains(target)
            } else {
                self.defines(variable, scope, locals)
            };
            if !defined {
                return Err(dangling(location, "Fn::Sub", variable));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(resources: Value) -> Value {
        json!({
            "Parameters": {"Name": {"Type": "String"}},
            "Conditions": {"HasName": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Name"}, ""]}]},
                           "Both": {"Fn::And": [{"Condition": "HasName"}, {"Condition": "HasName"}]}},
            "Resources": resources,
            "Outputs": {"Out": {"Condition": "HasName", "Value": {"Fn::GetAtt": ["Bucket", "Arn"]}}}
        })
    }

    #[test]
    fn a_template_whose_references_all_resolve_passes() {
        let ok = template(json!({
            "Bucket": {"Type": "AWS::S3::Bucket", "Condition": "Both", "Properties": {
                "BucketName": {"Fn::If": ["HasName", {"Ref": "Name"}, {"Ref": "AWS::NoValue"}]},
                "Tags": [{"Key": "k", "Value": {"Fn::Sub": ["${AWS::Region}-${X}-${!aws:userid}", {"X": {"Ref": "Name"}}]}}]
            }},
            "Policy": {"Type": "AWS::S3::BucketPolicy", "DependsOn": ["Bucket"], "Properties": {
                "Bucket": {"Ref": "Bucket"},
                "PolicyDocument": {"Statement": [{"Condition": {"Bool": {"aws:SecureTransport": false}},
                                                 "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}]}
            }}
        }));
        assert_eq!(check(&ok), Ok(()));
    }

    #[test]
    fn each_kind_of_dangling_reference_is_named() {
        let cases = [
            (
                json!({"A": {"Type": "T", "Properties": {"P": {"Ref": "Missing"}}}}),
                "Ref",
                "Missing",
            ),
            (
                json!({"A": {"Type": "T", "Properties": {"P": {"Fn::GetAtt": ["Gone", "Arn"]}}}}),
                "Fn::GetAtt",
                "Gone",
            ),
            (
                json!({"A": {"Type": "T", "Properties": {"P": {"Fn::Sub": "x-${Nope}"}}}}),
                "Fn::Sub",
                "Nope",
            ),
            (
                json!({"A": {"Type": "T", "Properties": {"P": {"Fn::Sub": "${Name.Arn}"}}}}),
                "Fn::Sub",
                "Name.Arn",
            ),
            (
                json!({"A": {"Type": "T", "Properties": {"P": {"Fn::If": ["Undefined", 1, 2]}}}}),
                "Fn::If",
                "Undefined",
            ),
            (
                json!({"A": {"Type": "T", "Condition": "Nowhere", "Properties": {}}}),
                "Condition",
                "Nowhere",
            ),
            (
                json!({"A": {"Type": "T", "DependsOn": "Ghost", "Properties": {}}}),
                "DependsOn",
                "Ghost",
            ),
        ];
        for (resources, kind, target) in cases {
            let mut with_bucket = resources.clone();
            with_bucket["Bucket"] = json!({"Type": "AWS::S3::Bucket"});
            let err = check(&template(with_bucket)).unwrap_err();
            assert_eq!((err.kind, err.target.as_str()), (kind, target), "{err}");
            assert_eq!(err.location, "Resources.A");
        }
    }

    #[test]
    fn conditions_may_reference_parameters_only() {
        let mut t = template(json!({"Bucket": {"Type": "AWS::S3::Bucket"}}));
        t["Conditions"]["Bad"] = json!({"Fn::Equals": [{"Ref": "Bucket"}, ""]});
        let err = check(&t).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Conditions.Bad: Ref names \"Bucket\", which the template does not define"
        );
        let mut t = template(json!({"Bucket": {"Type": "AWS::S3::Bucket"}}));
        t["Outputs"]["Out"]["Condition"] = json!("Unknown");
        assert_eq!(check(&t).unwrap_err().location, "Outputs.Out");
    }
}
