//! The template skeleton: sections in CloudFormation's conventional order,
//! parameters, outputs and the resource envelope.

use super::intrinsic::Intrinsic;
use super::references::{self, DanglingReference};
use super::resources::{IamCapability, Properties};
use super::value::Value;
use indexmap::IndexMap;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::collections::BTreeSet;

pub const FORMAT_VERSION: &str = "2010-09-09";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    description: String,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    parameters: IndexMap<String, Parameter>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    rules: IndexMap<String, Rule>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    conditions: IndexMap<String, Intrinsic>,
    resources: IndexMap<String, Resource>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    outputs: IndexMap<String, Output>,
}

impl Template {
    pub fn new(description: impl Into<String>) -> Self {
        Template {
            format_version: FORMAT_VERSION,
            description: description.into(),
            parameters: IndexMap::new(),
            rules: IndexMap::new(),
            conditions: IndexMap::new(),
            resources: IndexMap::new(),
            outputs: IndexMap::new(),
        }
    }

    // Logical ids are chosen by our own code, so a repeated one is a bug, not bad input.
    fn insert_unique<T>(section: &mut IndexMap<String, T>, kind: &str, id: &str, item: T) {
        let previous = section.insert(id.to_owned(), item);
        assert!(previous.is_none(), "{kind} {id} defined twice");
    }

    pub fn parameter(&mut self, id: &str, parameter: Parameter) {
        Self::insert_unique(&mut self.parameters, "parameter", id, parameter);
    }

    /// A rule CloudFormation checks on the parameters before it changes anything.
    pub fn rule(&mut self, id: &str, rule: Rule) {
        Self::insert_unique(&mut self.rules, "rule", id, rule);
    }

    pub fn condition(&mut self, id: &str, condition: Intrinsic) {
        Self::insert_unique(&mut self.conditions, "condition", id, condition);
    }

    pub fn resource(&mut self, id: &str, resource: impl Into<Resource>) {
        Self::insert_unique(&mut self.resources, "resource", id, resource.into());
    }

    pub fn output(&mut self, id: &str, output: Output) {
        Self::insert_unique(&mut self.outputs, "output", id, output);
    }

    pub fn parameters(&self) -> impl Iterator<Item = (&str, &Parameter)> {
        self.parameters.iter().map(|(id, p)| (id.as_str(), p))
    }

    pub fn outputs(&self) -> impl Iterator<Item = (&str, &Output)> {
        self.outputs.iter().map(|(id, o)| (id.as_str(), o))
    }

    pub fn resources(&self) -> impl Iterator<Item = (&str, &Resource)> {
        self.resources.iter().map(|(id, r)| (id.as_str(), r))
    }

    /// The capabilities CloudFormation demands to deploy this template: IAM
    /// resources need `CAPABILITY_IAM`; any with a name of its own needs
    /// `CAPABILITY_NAMED_IAM` instead (without it every deployment fails
    /// with InsufficientCapabilities).
    pub fn capabilities(&self) -> Vec<&'static str> {
        let iam = self
            .resources
            .values()
            .filter_map(|r| r.properties.iam_capability());
        match iam.max() {
            Some(IamCapability::Named) => vec!["CAPABILITY_NAMED_IAM"],
            Some(IamCapability::Unnamed) => vec!["CAPABILITY_IAM"],
            None => Vec::new(),
        }
    }

    /// Checks that every reference resolves; a template that fails this is a
    /// bug in whatever built it, so stack builders end with it.
    pub fn verified(self) -> Result<Self, DanglingReference> {
        let json = serde_json::to_value(&self).expect("templates serialise to JSON");
        references::check(&json)?;
        Ok(self)
    }
}

/// A template rule: assertions over parameter values, checked before any
/// resource changes (a create or update with values that break one fails).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub assertions: Vec<Assertion>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Assertion {
    pub assert: Intrinsic,
    pub assert_description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParameterType {
    String,
    Number,
    CommaDelimitedList,
    /// A VPC of the account, checked by CloudFormation.
    #[serde(rename = "AWS::EC2::VPC::Id")]
    VpcId,
    #[serde(rename = "List<AWS::EC2::Subnet::Id>")]
    SubnetIds,
}

/// A template parameter; unset constraints are omitted.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(rename = "Type")]
    pub kind: ParameterType,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
}

impl Parameter {
    pub fn new(kind: ParameterType, description: impl Into<String>) -> Self {
        Parameter {
            kind,
            description: description.into(),
            default: None,
            allowed_pattern: None,
            allowed_values: Vec::new(),
            min_length: None,
            max_length: None,
            constraint_description: None,
        }
    }

    pub fn string(description: impl Into<String>) -> Self {
        Self::new(ParameterType::String, description)
    }

    pub fn list(description: impl Into<String>) -> Self {
        Self::new(ParameterType::CommaDelimitedList, description)
    }

    pub fn default_value(mut self, default: impl Into<String>) -> Self {
        self.default = Some(default.into());
        self
    }

    pub fn default_opt(mut self, default: Option<String>) -> Self {
        self.default = default;
        self
    }

    pub fn pattern(mut self, pattern: &str, constraint: &str) -> Self {
        self.allowed_pattern = Some(pattern.to_owned());
        self.constraint_description = Some(constraint.to_owned());
        self
    }

    pub fn max_length(mut self, max: u32) -> Self {
        self.max_length = Some(max);
        self
    }

    pub fn allowed(mut self, values: &[&str]) -> Self {
        self.allowed_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub value: Value<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
}

impl Output {
    pub fn new(description: impl Into<String>, value: impl Into<Value<String>>) -> Self {
        Output {
            description: description.into(),
            condition: None,
            value: value.into(),
            export: None,
        }
    }

    /// The output exists only where the condition holds.
    pub fn when(mut self, condition: &str) -> Self {
        self.condition = Some(condition.to_owned());
        self
    }

    /// Exports the output as `<stack name>-<suffix>`.
    pub fn exported_as(mut self, suffix: &str) -> Self {
        self.export = Some(Export {
            name: Value::sub(format!("${{AWS::StackName}}-{suffix}")),
        });
        self
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Export {
    pub name: Value<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeletionPolicy {
    Retain,
    Delete,
}

/// A resource: its typed properties and the attributes CloudFormation
/// reads around them.
#[derive(Debug, Clone)]
pub struct Resource {
    pub properties: Properties,
    pub condition: Option<String>,
    pub depends_on: BTreeSet<String>,
    pub deletion_policy: Option<DeletionPolicy>,
    pub update_replace_policy: Option<DeletionPolicy>,
    pub metadata: Option<serde_json::Value>,
}

impl Resource {
    pub fn new(properties: impl Into<Properties>) -> Self {
        Resource {
            properties: properties.into(),
            condition: None,
            depends_on: BTreeSet::new(),
            deletion_policy: None,
            update_replace_policy: None,
            metadata: None,
        }
    }

    /// Keeps the resource (and its data) when it is deleted or replaced.
    pub fn retained(mut self) -> Self {
        self.deletion_policy = Some(DeletionPolicy::Retain);
        self.update_replace_policy = Some(DeletionPolicy::Retain);
        self
    }

    /// Deletes the resource with its stack, stated explicitly.
    pub fn deleted(mut self) -> Self {
        self.deletion_policy = Some(DeletionPolicy::Delete);
        self.update_replace_policy = Some(DeletionPolicy::Delete);
        self
    }

    pub fn when(mut self, condition: &str) -> Self {
        self.condition = Some(condition.to_owned());
        self
    }

    pub fn depends_on(mut self, logical_id: &str) -> Self {
        self.depends_on.insert(logical_id.to_owned());
        self
    }
}

impl<P: Into<Properties>> From<P> for Resource {
    fn from(properties: P) -> Self {
        Resource::new(properties)
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("Type", self.properties.type_name())?;
        if let Some(condition) = &self.condition {
            map.serialize_entry("Condition", condition)?;
        }
        if !self.depends_on.is_empty() {
            map.serialize_entry("DependsOn", &self.depends_on)?;
        }
        if let Some(policy) = &self.deletion_policy {
            map.serialize_entry("DeletionPolicy", policy)?;
        }
        if let Some(policy) = &self.update_replace_policy {
            map.serialize_entry("UpdateReplacePolicy", policy)?;
        }
        if let Some(metadata) = &self.metadata {
            map.serialize_entry("Metadata", metadata)?;
        }
        map.serialize_entry("Properties", &self.properties)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::kms::Alias;
    use serde_json::json;

    fn alias() -> Alias {
        Alias {
            alias_name: "alias/x".into(),
            target_key_id: Value::reference("Key"),
        }
    }

    fn managed_policy(name: Option<&str>) -> crate::cfn::iam::ManagedPolicy {
        crate::cfn::iam::ManagedPolicy {
            managed_policy_name: name.map(str::to_owned),
            description: "d".to_owned(),
            policy_document: crate::cfn::PolicyDocument::new(Vec::new()),
            roles: None,
        }
    }

    #[test]
    fn capabilities_follow_the_iam_resources_and_their_names() {
        let mut template = Template::new("t");
        template.resource("Alias", alias());
        assert!(template.capabilities().is_empty());
        template.resource("Unnamed", managed_policy(None));
        assert_eq!(template.capabilities(), ["CAPABILITY_IAM"]);
        template.resource("Named", managed_policy(Some("fixed")));
        assert_eq!(template.capabilities(), ["CAPABILITY_NAMED_IAM"]);
    }

    #[test]
    fn sections_come_in_conventional_order_and_empty_ones_are_left_out() {
        let mut template = Template::new("d");
        template.output(
            "O",
            Output::new("o", Value::reference("A")).exported_as("O"),
        );
        template.resource("A", alias());
        template.condition("C", Intrinsic::equals(Intrinsic::reference("P"), ""));
        template.parameter(
            "P",
            Parameter::string("p")
                .default_value("")
                .pattern("^$", "empty")
                .allowed(&["", "x"]),
        );
        let value = serde_json::to_value(&template).unwrap();
        let sections: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            sections,
            [
                "AWSTemplateFormatVersion",
                "Description",
                "Parameters",
                "Conditions",
                "Resources",
                "Outputs"
            ]
        );
        assert_eq!(
            value["Parameters"]["P"],
            json!({"Type": "String", "Description": "p", "Default": "", "AllowedPattern": "^$",
                   "AllowedValues": ["", "x"], "ConstraintDescription": "empty"})
        );
        assert_eq!(
            value["Outputs"]["O"],
            json!({"Description": "o", "Value": {"Ref": "A"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-O"}}})
        );
        let bare = serde_json::to_value(Template::new("d")).unwrap();
        assert_eq!(
            bare,
            json!({"AWSTemplateFormatVersion": "2010-09-09", "Description": "d", "Resources": {}})
        );
    }

    #[test]
    fn the_resource_envelope_is_ordered_and_depends_on_is_sorted() {
        let mut resource = Resource::new(alias())
            .when("C")
            .depends_on("Zeta")
            .depends_on("Alpha")
            .retained();
        resource.metadata = Some(json!({"note": 1}));
        let value = serde_json::to_value(&resource).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "Type",
                "Condition",
                "DependsOn",
                "DeletionPolicy",
                "UpdateReplacePolicy",
                "Metadata",
                "Properties"
            ]
        );
        assert_eq!(value["DependsOn"], json!(["Alpha", "Zeta"]));
    }

    #[test]
    #[should_panic(expected = "resource A defined twice")]
    fn a_logical_id_cannot_be_used_twice() {
        let mut template = Template::new("d");
        template.resource("A", alias());
        template.resource("A", alias());
    }
}
