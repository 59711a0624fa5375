//! Custom resources (`Custom::Name`), backed by a Lambda function.

use super::value::Value;
use indexmap::IndexMap;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone)]
pub struct CustomResource {
    pub resource_type: String,
    pub service_token: Value<String>,
    /// Handed to the function as `ResourceProperties`; CloudFormation turns
    /// every scalar into a string on the way.
    pub properties: IndexMap<String, serde_json::Value>,
}

impl CustomResource {
    pub fn new(type_suffix: &str, service_token: Value<String>) -> Self {
        CustomResource {
            resource_type: format!("Custom::{type_suffix}"),
            service_token,
            properties: IndexMap::new(),
        }
    }

    /// Adds a property: a literal, an intrinsic, or any structure of them.
    pub fn with(mut self, name: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).expect("properties serialise to JSON");
        self.properties.insert(name.to_owned(), value);
        self
    }
}

impl Serialize for CustomResource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1 + self.properties.len()))?;
        map.serialize_entry("ServiceToken", &self.service_token)?;
        for (name, value) in &self.properties {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}
