//! Reading the services' OpenAPI documents in tests: `$ref`s resolved, examples as text.

use serde_json::Value;

/// `v`, or what its `$ref` (`#/components/…`) points at in `doc`.
pub fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => r
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |node, key| &node[key]),
        None => v,
    }
}

/// A parameter's `example`, as it goes into a URL.
pub fn example(parameter: &Value) -> String {
    match &parameter["example"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
