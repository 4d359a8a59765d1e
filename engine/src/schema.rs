//! The JSON Schema (draft 7) of the flow files, for YAML editors.

/// The schema as a JSON value.
pub fn json_schema() -> serde_json::Value {
    serde_json::json!({"$schema": "http://json-schema.org/draft-07/schema#"})
}
