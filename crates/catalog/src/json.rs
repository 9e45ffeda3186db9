//! JSON exactly as Go's `encoding/json` writes it: compact, struct field order, `<`, `>`,
//! `&`, U+2028 and U+2029 escaped as `\u003c`-style sequences, and (for Picsum's encoder)
//! a trailing newline.

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};
use std::io::{self, Write};

struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escaped = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(fragment.get(start..i).unwrap_or_default().as_bytes())?;
            writer.write_all(escaped.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(fragment.get(start..).unwrap_or_default().as_bytes())
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        // Go writes \b and \f (since 1.22), \n \r \t, and \u00XX with lower-case hex otherwise,
        // the same as serde_json's defaults.
        serde_json::ser::CompactFormatter.write_char_escape(writer, escape)
    }
}

/// Serialises `value` the way Picsum's handlers do, newline included.
pub fn to_go_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut ser = Serializer::with_formatter(&mut out, GoFormatter);
    // Serialising plain structs of strings and integers into a Vec cannot fail.
    if value.serialize(&mut ser).is_err() {
        out.clear();
        out.extend_from_slice(b"null");
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_separators_escaped() {
        let got = to_go_json(
            &serde_json::json!({"a": "Oliver & Hen <x> \u{2028}é\u{8}\u{c}\n\u{1}\"\\"}),
        );
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "{\"a\":\"Oliver \\u0026 Hen \\u003cx\\u003e \\u2028é\\b\\f\\n\\u0001\\\"\\\\\"}\n"
        );
    }
}
