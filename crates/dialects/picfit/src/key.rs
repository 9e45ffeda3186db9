//! picfit's store key: the md5 of its parameters as Go's JSON encoder writes them.

use md5::{Digest, Md5};
use picsum_url::query::Query;

/// picfit's key: md5 hex of Go's `json.Marshal` of the sorted parameters, each a string,
/// `op` an array when repeated; `sig` and `force` left out.
pub(crate) fn store_key(all: &Query, query: &Query, from_path: &Query) -> String {
    let mut keys: Vec<&str> = all
        .pairs()
        .map(|(k, _)| k)
        .filter(|k| *k != "sig" && *k != "force")
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut json = String::from("{");
    for key in keys {
        if json.len() > 1 {
            json.push(',');
        }
        go_json_string(key, &mut json);
        json.push(':');
        if key == "op" {
            let ops: Vec<&str> = all
                .pairs()
                .filter(|(k, _)| *k == "op")
                .map(|(_, v)| v)
                .collect();
            if let [one] = ops.as_slice() {
                go_json_string(one, &mut json);
            } else {
                json.push('[');
                for (i, op) in ops.iter().enumerate() {
                    if i > 0 {
                        json.push(',');
                    }
                    go_json_string(op, &mut json);
                }
                json.push(']');
            }
        } else {
            let value = query
                .get(key)
                .or_else(|| from_path.get(key))
                .unwrap_or_default();
            go_json_string(value, &mut json);
        }
    }
    json.push('}');
    hex::encode(Md5::digest(json.as_bytes()))
}

/// A JSON string as Go's encoder writes it (`<`, `>`, `&`, U+2028, U+2029 escaped).
fn go_json_string(s: &str, out: &mut String) {
    let encoded = serde_json::to_string(s).unwrap_or_default();
    for c in encoded.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}
