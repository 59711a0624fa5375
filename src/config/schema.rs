//! A JSON Schema (draft 2020-12) of `smlog.yaml`, for editors: generated from
//! the raw structs, so it has exactly their keys, doc comments and patterns.

use super::raw::RawConfig;

pub fn schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(RawConfig).to_value();
    schema["title"] = "smlog.yaml".into();
    schema
}
