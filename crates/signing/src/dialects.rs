//! picfit's and pixlserv's signatures, byte-compatible with what their servers accept.
//!
//! * picfit: `hex(HMAC-SHA1(secret, message))` in the `sig` parameter, where the message is
//!   Go's `url.Values.Encode()` of every request parameter (sorted keys, `QueryEscape`d
//!   values) with each `&?sig=[^&]*` match removed, exactly as picfit strips it (a key
//!   ending in `sig`, like `xsig=1`, is mangled the same way on both sides).
//! * pixlserv uploads: `hex(HMAC-SHA256(secret, "timestamp={unix}"))`, valid for five
//!   minutes and never from the future.

use hmac::{Hmac, Mac};
use picsum_url::query::Query;
use sha1::Sha1;
use sha2::Sha256;

/// The message picfit signs for these parameters.
pub fn picfit_message(params: &Query) -> String {
    strip_sig(&params.encode_all())
}

/// picfit's signature of a message: 40 lowercase hex digits.
pub fn picfit_sign(secret: &[u8], message: &str) -> String {
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `params` carry a valid picfit `sig` (constant-time comparison).
pub fn picfit_verify(secret: &[u8], params: &Query) -> bool {
    let Some(sig) = params.get("sig").and_then(|s| hex::decode(s).ok()) else {
        return false;
    };
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(picfit_message(params).as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// pixlserv's upload signature of `timestamp`.
pub fn pixlserv_sign(secret: &[u8], timestamp: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(format!("timestamp={timestamp}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Why a pixlserv upload signature is refused (its messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixlservRefusal {
    /// Older than five minutes, or in the future.
    InvalidTimestamp,
    /// Not hex, or not the MAC.
    InvalidSignature,
}

/// Checks a pixlserv upload signature at time `now` (unix seconds).
///
/// # Errors
/// [`PixlservRefusal`] with pixlserv's reason.
pub fn pixlserv_verify(
    secret: &[u8],
    timestamp: i64,
    signature: &str,
    now: i64,
) -> Result<(), PixlservRefusal> {
    let age = now.saturating_sub(timestamp);
    if !(0..=300).contains(&age) {
        return Err(PixlservRefusal::InvalidTimestamp);
    }
    let sig = hex::decode(signature).map_err(|_| PixlservRefusal::InvalidSignature)?;
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(format!("timestamp={timestamp}").as_bytes());
    mac.verify_slice(&sig)
        .map_err(|_| PixlservRefusal::InvalidSignature)
}

/// Removes every match of the regex `&?sig=[^&]*`, leftmost first, as Go's
/// `ReplaceAllString` does.
fn strip_sig(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(at) = rest.find("sig=") {
        let start = if at > 0 && rest.as_bytes().get(at - 1) == Some(&b'&') {
            at - 1
        } else {
            at
        };
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(at + 4..).unwrap_or_default();
        rest = after
            .find('&')
            .map_or("", |end| after.get(end..).unwrap_or_default());
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_qs(secret: &str, qs: &str) -> String {
        picfit_sign(secret.as_bytes(), &picfit_message(&Query::parse(qs)))
    }

    #[test]
    fn picfit_reference_vectors() {
        let cases = [
            (
                "h=100&op=resize&path=avatar.png&w=100",
                "9d29f6c55f13054b4dc1a2aeb04f8ee67bf4d78c",
            ),
            (
                "h=100&op=resize&path=foo%2Fbar.png&w=100",
                "2183e9508c32bb10ed28338a231cd01ce6d57f15",
            ),
            (
                "h=100&op=resize&url=http%3A%2F%2Fexample.com%2Favatar.png&w=100",
                "026e429e9b792e303e73feb1ef80d89a5fffdaa5",
            ),
            (
                "h=50&op=resize&op=op%3Arotate+deg%3A90&path=avatar.png&w=100",
                "cca28f5546ff12ef3dcd770350475948bc382aa1",
            ),
        ];
        for (qs, want) in cases {
            assert_eq!(sign_qs("dummy", qs), want, "{qs}");
            // The sig itself is not signed, wherever it sits.
            let with_sig = format!("sig={want}&{qs}");
            assert!(
                picfit_verify(b"dummy", &Query::parse(&with_sig)),
                "{with_sig}"
            );
            assert!(!picfit_verify(b"dummy!", &Query::parse(&with_sig)));
        }
        // The order of different keys does not matter; the order of repeated ones does.
        let sig = "cca28f5546ff12ef3dcd770350475948bc382aa1";
        let reordered =
            format!("w=100&path=avatar.png&op=resize&op=op%3Arotate+deg%3A90&h=50&sig={sig}");
        assert!(picfit_verify(b"dummy", &Query::parse(&reordered)));
        let swapped =
            format!("h=50&op=op%3Arotate+deg%3A90&op=resize&path=avatar.png&w=100&sig={sig}");
        assert!(!picfit_verify(b"dummy", &Query::parse(&swapped)));
        assert_eq!(
            picfit_sign(b"abcdef", "x=1&y=2&z=3"),
            "c9516346abf62876b6345817dba2f9a0c797ef26"
        );
        // The CLI example: the sorted, encoded form is what the server accepts.
        assert_eq!(
            sign_qs("abcdef", "w=100&h=100&op=resize"),
            "954eec9dfa9390f8f4264e15bb95f5f54e6fe953"
        );
        assert_eq!(
            picfit_sign(b"abcdef", "w=100&h=100&op=resize"),
            "6f7a667559990dee9c30fb459b88c23776fad25e"
        );
    }

    #[test]
    fn tampering_is_refused() {
        let sig = sign_qs("dummy", "h=100&op=resize&path=avatar.png&w=100");
        for qs in [
            format!("h=100&op=resize&path=avatar.png&w=101&sig={sig}"),
            format!("h=100&op=resize&path=other.png&w=100&sig={sig}"),
            format!("h=100&op=resize&path=avatar.png&w=100&q=5&sig={sig}"),
            format!("h=100&op=resize&path=avatar.png&w=100&sig={}", &sig[..39]),
            "h=100&op=resize&path=avatar.png&w=100&sig=zz".to_owned(),
            "h=100&op=resize&path=avatar.png&w=100".to_owned(),
        ] {
            assert!(!picfit_verify(b"dummy", &Query::parse(&qs)), "{qs}");
        }
    }

    #[test]
    fn strips_like_go_regexp() {
        assert_eq!(strip_sig("a=1&sig=x&w=2"), "a=1&w=2");
        assert_eq!(strip_sig("sig=x&w=2"), "&w=2");
        assert_eq!(strip_sig("a=1&xsig=1&z=2"), "a=1&x&z=2");
        assert_eq!(strip_sig("a=1&sig="), "a=1");
    }

    #[test]
    fn pixlserv_vector_and_window() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let sig = pixlserv_sign(secret, 1_400_000_000);
        assert_eq!(
            sig,
            "258fafc600ff41ed36e44c9f9acb24330461fb615be2c6700c1487e36bf2feee"
        );
        assert_eq!(
            pixlserv_verify(secret, 1_400_000_000, &sig, 1_400_000_300),
            Ok(())
        );
        assert_eq!(
            pixlserv_verify(secret, 1_400_000_000, &sig, 1_400_000_301),
            Err(PixlservRefusal::InvalidTimestamp)
        );
        assert_eq!(
            pixlserv_verify(secret, 1_400_000_000, &sig, 1_399_999_999),
            Err(PixlservRefusal::InvalidTimestamp)
        );
        assert_eq!(
            pixlserv_verify(secret, 1_400_000_000, "not hex", 1_400_000_000),
            Err(PixlservRefusal::InvalidSignature)
        );
        assert_eq!(
            pixlserv_verify(b"other", 1_400_000_000, &sig, 1_400_000_000),
            Err(PixlservRefusal::InvalidSignature)
        );
    }
}
