//! Query strings with Go `net/url` semantics.
//!
//! Picsum signs and reads queries the way Go does, so we must too: pairs holding a `;` are
//! dropped, pairs with a bad percent escape are dropped, `+` is a space, and the *first*
//! value of a key wins.

use percent_encoding::percent_decode;

/// A parsed query: pairs in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (without the leading `?`) like Go's `url.ParseQuery`.
    pub fn parse(raw: &str) -> Self {
        let pairs = raw
            .split('&')
            .filter(|part| !part.is_empty() && !part.contains(';'))
            .filter_map(|part| {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                Some((unescape(key)?, unescape(value)?))
            })
            .collect();
        Self { pairs }
    }

    /// Builds a query from pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The first value of `key`, like Go's `Values.Get` (but `None` when absent).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `key` appears at all, whatever its value.
    pub fn has(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// Removes every value of `key`, returning the first one.
    pub fn take(&mut self, key: &str) -> Option<String> {
        let first = self.get(key).map(str::to_owned);
        self.pairs.retain(|(k, _)| k != key);
        first
    }

    /// Appends a pair.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// Every pair, in request order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Go's `url.Values.Encode`: keys sorted bytewise, every value of a key in request
    /// order, `key=value` with Go `QueryEscape` (`key=` for an empty value), joined by `&`.
    pub fn encode_all(&self) -> String {
        let mut pairs: Vec<&(String, String)> = self.pairs.iter().collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0)); // stable: a key's values keep their order
        let mut out = String::new();
        for (key, value) in pairs {
            if !out.is_empty() {
                out.push('&');
            }
            escape_into(key, &mut out);
            out.push('=');
            escape_into(value, &mut out);
        }
        out
    }

    /// Picsum's canonical encoding: keys sorted bytewise, first value only, Go `QueryEscape`,
    /// a bare key for an empty value, joined by `&` and prefixed by `?` (empty when no keys).
    pub fn canonical(&self) -> String {
        let mut keys: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut out = String::new();
        for key in keys {
            out.push(if out.is_empty() { '?' } else { '&' });
            escape_into(key, &mut out);
            if let Some(value) = self.get(key).filter(|v| !v.is_empty()) {
                out.push('=');
                escape_into(value, &mut out);
            }
        }
        out
    }
}

/// Go `url.QueryUnescape`: `+` is a space, `%` must be followed by two hex digits.
fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let plus_as_space = s.replace('+', " ");
    Some(
        percent_decode(plus_as_space.as_bytes())
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// Go `url.QueryEscape`: keeps `A-Z a-z 0-9 - _ . ~`, writes space as `+`, `%XX` otherwise.
fn escape_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                for nibble in [b >> 4, b & 15] {
                    out.push(char::from(
                        HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_wins_and_presence_counts() {
        let q = Query::parse("blur=5&blur=9&grayscale=false");
        assert_eq!(q.get("blur"), Some("5"));
        assert!(q.has("grayscale"));
        assert_eq!(q.get("grayscale"), Some("false"));
        assert!(!q.has("random"));
    }

    #[test]
    fn semicolons_and_bad_escapes_drop_the_pair() {
        let q = Query::parse("a=1;b=2&blur=3&c=%zz&d=%4");
        assert!(!q.has("a") && !q.has("c") && !q.has("d"));
        assert_eq!(q.get("blur"), Some("3"));
    }

    #[test]
    fn plus_and_percent_decode() {
        let q = Query::parse("s=hello+world%21&&=x&k");
        assert_eq!(q.get("s"), Some("hello world!"));
        assert_eq!(q.get(""), Some("x"));
        assert_eq!(q.get("k"), Some(""));
    }

    #[test]
    fn canonical_sorts_escapes_and_uses_bare_keys() {
        let q = Query::from_pairs([
            ("grayscale", ""),
            ("blur", "5"),
            ("z z", "a/b~"),
            ("blur", "7"),
        ]);
        assert_eq!(q.canonical(), "?blur=5&grayscale&z+z=a%2Fb~");
        assert_eq!(Query::default().canonical(), "");
    }

    #[test]
    fn take_removes_all_values() {
        let mut q = Query::parse("hmac=a&blur=1&hmac=b");
        assert_eq!(q.take("hmac").as_deref(), Some("a"));
        assert_eq!(q.canonical(), "?blur=1");
    }
}
