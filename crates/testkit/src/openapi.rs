//! Reading the services' OpenAPI documents in tests: `$ref`s resolved, examples as text,
//! every JSON answer a document describes, and a checker of values against its schemas.

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

/// Merges a part of a document into `doc`: objects key by key, lists appended; the same
/// key with two different values that are not both objects or lists (two dialects
/// documenting one path, say) is a conflict.
///
/// # Errors
/// The conflicting key's location.
pub fn merge(doc: &mut Value, part: &Value, at: &str) -> Result<(), String> {
    match (doc, part) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                let here = format!("{at}/{key}");
                match into.get_mut(key) {
                    Some(existing) => merge(existing, value, &here)?,
                    None => {
                        into.insert(key.clone(), value.clone());
                    }
                }
            }
            Ok(())
        }
        (Value::Array(into), Value::Array(from)) => {
            into.extend(from.iter().cloned());
            Ok(())
        }
        (into, from) if into == from => Ok(()),
        _ => Err(format!("{at} is in two parts")),
    }
}

/// Every `application/json` media object of `doc`, with where it is: the operations'
/// answers (`GET /v2/list 200`) and the shared answers (`components BadRequest`).
pub fn json_answers(doc: &Value) -> Vec<(String, &Value)> {
    fn media(r: &Value) -> Option<&Value> {
        r.get("content").and_then(|c| c.get("application/json"))
    }
    fn entries(v: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
        v.and_then(Value::as_object).into_iter().flatten()
    }
    let mut found = Vec::new();
    for (path, item) in entries(doc.get("paths")) {
        for (method, op) in entries(Some(item)) {
            for (code, r) in entries(op.get("responses")) {
                if let Some(m) = media(r) {
                    found.push((format!("{} {path} {code}", method.to_uppercase()), m));
                }
            }
        }
    }
    let shared = doc.get("components").and_then(|c| c.get("responses"));
    for (name, r) in entries(shared) {
        if let Some(m) = media(r) {
            found.push((format!("components {name}"), m));
        }
    }
    found
}

/// How many JSON answers `doc` describes, and what is wrong with their examples: a missing
/// one, or one that does not fit its schema.
pub fn example_problems(doc: &Value) -> (usize, Vec<String>) {
    let answers = json_answers(doc);
    let mut problems = Vec::new();
    for (at, media) in &answers {
        match media.get("example") {
            None => problems.push(format!("{at}: no example")),
            Some(example) => {
                let wrong = violations(doc, &media["schema"], example);
                if !wrong.is_empty() {
                    problems.push(format!("{at}: the example does not fit: {wrong:?}"));
                }
            }
        }
    }
    (answers.len(), problems)
}

/// Where `value` breaks `schema` (resolved in `doc`), empty when it conforms. The keywords
/// the documents use are checked: `$ref`, `allOf`, `oneOf`, `type` (one or a list),
/// `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `minimum`,
/// `maximum`, `minItems` and `pattern`; any other keyword is a failure, so a document cannot
/// rely on one this checker would skip.
pub fn violations(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, "$", &mut out);
    out
}

const KNOWN: [&str; 19] = [
    "$ref",
    "allOf",
    "oneOf",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "minimum",
    "maximum",
    "minItems",
    "pattern",
    "description",
    "format",
    "contentEncoding",
    "example",
    "title",
];

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    for key in schema.as_object().into_iter().flat_map(|m| m.keys()) {
        if !KNOWN.contains(&key.as_str()) {
            out.push(format!("{at}: the checker does not know `{key}`"));
        }
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(doc, part, value, at, out);
    }
    if let Some(choices) = schema["oneOf"].as_array() {
        let fits = choices
            .iter()
            .filter(|c| violations(doc, c, value).is_empty())
            .count();
        if fits != 1 {
            out.push(format!("{at}: fits {fits} of oneOf's choices, not one"));
        }
    }
    if !type_fits(&schema["type"], value) {
        out.push(format!("{at}: {value} is not of type {}", schema["type"]));
        return;
    }
    check_value(schema, value, at, out);
    match value {
        Value::Object(map) => check_object(doc, schema, map, at, out),
        Value::Array(items) => {
            if let Some(min) = schema["minItems"].as_u64()
                && u64::try_from(items.len()).unwrap_or(u64::MAX) < min
            {
                out.push(format!("{at}: fewer than {min} items"));
            }
            if schema.get("items").is_some() {
                for (i, item) in items.iter().enumerate() {
                    check(doc, &schema["items"], item, &format!("{at}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn type_fits(ty: &Value, value: &Value) -> bool {
    let one = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    };
    match ty {
        Value::Null => true,
        Value::String(t) => one(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(one),
        _ => false,
    }
}

fn check_value(schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {}", schema["enum"]));
    }
    if schema.get("const").is_some_and(|c| c != value) {
        out.push(format!("{at}: {value} is not {}", schema["const"]));
    }
    if let Some(n) = value.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|min| n < min) {
            out.push(format!("{at}: {n} is below {}", schema["minimum"]));
        }
        if schema["maximum"].as_f64().is_some_and(|max| n > max) {
            out.push(format!("{at}: {n} is above {}", schema["maximum"]));
        }
    }
    if let (Some(pattern), Some(s)) = (schema["pattern"].as_str(), value.as_str()) {
        match regex::Regex::new(pattern) {
            Ok(re) if re.is_match(s) => {}
            Ok(_) => out.push(format!("{at}: {s:?} does not match {pattern}")),
            Err(e) => out.push(format!("{at}: pattern {pattern}: {e}")),
        }
    }
}

fn check_object(
    doc: &Value,
    schema: &Value,
    map: &serde_json::Map<String, Value>,
    at: &str,
    out: &mut Vec<String>,
) {
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if !map.contains_key(name) {
            out.push(format!("{at}: `{name}` is missing"));
        }
    }
    let properties = schema["properties"].as_object();
    for (name, v) in map {
        let here = format!("{at}.{name}");
        match properties.and_then(|p| p.get(name)) {
            Some(s) => check(doc, s, v, &here, out),
            None => match &schema["additionalProperties"] {
                Value::Bool(false) => out.push(format!("{here}: not a documented field")),
                extra @ Value::Object(_) => check(doc, extra, v, &here, out),
                _ => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_checker_fails_what_breaks_a_schema() {
        let doc = json!({"components": {"schemas": {"E": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": false,
            "properties": {"error": {"type": "string", "pattern": "^[a-z ]+$"}}
        }}}});
        let e = json!({"$ref": "#/components/schemas/E"});
        assert!(violations(&doc, &e, &json!({"error": "bad size"})).is_empty());
        assert_eq!(violations(&doc, &e, &json!({})).len(), 1);
        assert_eq!(violations(&doc, &e, &json!({"error": 1})).len(), 1);
        assert_eq!(violations(&doc, &e, &json!({"error": "Bad"})).len(), 1);
        assert_eq!(
            violations(&doc, &e, &json!({"error": "a", "x": 1})).len(),
            1
        );
        let open = json!({"type": "object", "required": ["error"]});
        let list = json!({"type": "array", "minItems": 1, "items": {
            "allOf": [open, {"type": "object", "properties": {"n": {
                "type": ["integer", "null"], "minimum": 0, "maximum": 9}}}]}});
        assert!(violations(&doc, &list, &json!([{"error": "x", "n": null}])).is_empty());
        assert_eq!(violations(&doc, &list, &json!([])).len(), 1);
        assert_eq!(
            violations(&doc, &list, &json!([{"error": "x", "n": 10}])).len(),
            1
        );
        let odd = json!({"type": "string", "maxLength": 3});
        assert_eq!(violations(&doc, &odd, &json!("abc")).len(), 1);
        let pick = json!({"oneOf": [{"type": "string"}, {"enum": ["a"]}]});
        assert_eq!(violations(&doc, &pick, &json!("a")).len(), 1);
        assert!(violations(&doc, &pick, &json!("b")).is_empty());
    }

    #[test]
    fn parts_merge_and_conflicts_are_named() {
        let mut doc = json!({"tags": [{"name": "a"}], "paths": {"/a": {}}, "v": 1});
        let part = json!({"tags": [{"name": "b"}], "paths": {"/b": {}}, "v": 1});
        merge(&mut doc, &part, "").unwrap();
        assert_eq!(doc["tags"].as_array().unwrap().len(), 2);
        assert!(doc["paths"]["/a"].is_object() && doc["paths"]["/b"].is_object());
        let clash = json!({"paths": {"/a": {"get": 1}}, "v": 2});
        assert_eq!(
            merge(&mut doc, &clash, ""),
            Err("/v is in two parts".into())
        );
    }

    #[test]
    fn json_answers_lists_operations_and_shared_answers() {
        let media = json!({"schema": {"type": "object"}});
        let doc = json!({
            "paths": {"/x": {"get": {"responses": {
                "200": {"content": {"application/json": media}},
                "304": {"description": "none"}}}}},
            "components": {"responses": {"Bad": {"content": {
                "text/plain": {}, "application/json": media}}}}
        });
        let at: Vec<String> = json_answers(&doc).into_iter().map(|(a, _)| a).collect();
        assert_eq!(at, ["GET /x 200", "components Bad"]);
    }
}
