//! Signed image URLs, byte-compatible with Lorem Picsum.
//!
//! `signature = base64url_nopad(HMAC-SHA256(key, path + canonical_query))`, where the
//! canonical query is [`Query::canonical`]. The API signs ([`Signer::image_path`]); the
//! image service verifies ([`Signer::verify`]) in constant time. Pure: no I/O, no runtime.
//!
//! [`dialects`] holds the schemes of the transformation API's dialects (picfit's URL
//! signatures, pixlserv's upload signatures).

pub mod dialects;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use picsum_url::params::ImageParams;
use picsum_url::query::Query;
use sha2::Sha256;

/// The query key that carries the signature.
pub const HMAC_PARAM: &str = "hmac";
/// The query parameter of a photo's catalog version in signed image URLs (the image service
/// ignores it; its signature keeps it from being changed).
pub const VERSION_PARAM: &str = "v";

/// Signs and verifies with one shared key. An empty key is valid (Picsum's default).
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<redacted>)")
    }
}

impl Signer {
    /// A signer over the key's bytes.
    pub fn new(key: impl Into<Vec<u8>>) -> Self {
        Self { key: key.into() }
    }

    /// The 43-character signature of `message`.
    pub fn sign(&self, message: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(message))
    }

    fn mac(&self, message: &str) -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        };
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Path and signed query of an image: `/id/{id}/{w}/{h}{ext}?blur=N&grayscale&hmac=…`
    /// (Lorem Picsum's form). `params` must be resolved (no zero dimension).
    pub fn image_path(&self, id: &str, params: &ImageParams) -> String {
        self.versioned_image_path(id, params, None)
    }

    /// [`Signer::image_path`] with the photo's catalog version as `v=` (signed like the rest),
    /// so the URL changes whenever the photo does.
    pub fn versioned_image_path(
        &self,
        id: &str,
        params: &ImageParams,
        version: Option<&str>,
    ) -> String {
        let path = format!(
            "/id/{id}/{}/{}.{}",
            params.width,
            params.height,
            params.format.extension()
        );
        let mut query = Query::default();
        if let Some(blur) = params.blur {
            query.push("blur", blur.to_string());
        }
        if params.grayscale {
            query.push("grayscale", "");
        }
        if let Some(version) = version {
            query.push(VERSION_PARAM, version);
        }
        self.sign_path(&path, query)
    }

    /// Appends the signature of `path + query` to the query: what a client should request.
    pub fn sign_path(&self, path: &str, mut query: Query) -> String {
        let signature = self.sign(&format!("{path}{}", query.canonical()));
        query.push(HMAC_PARAM, signature);
        format!("{path}{}", query.canonical())
    }

    /// Checks a request: the first `hmac` value against the signature of the decoded path
    /// plus the canonical form of the other parameters. Constant-time in the signature.
    pub fn verify(&self, decoded_path: &str, query: &Query) -> bool {
        let mut rest = query.clone();
        let Some(presented) = rest.take(HMAC_PARAM) else {
            return false;
        };
        let expected = self.sign(&format!("{decoded_path}{}", rest.canonical()));
        constant_time_eq(expected.as_bytes(), presented.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use picsum_url::format::Format;

    const VECTORS: [(&str, &str); 6] = [
        (
            "/id/1/200/200.jpg",
            "ZLQ9HvJdCRl3PAQKve7LbvC2431QvWzcCodIf7pb1Lk",
        ),
        (
            "/id/1/200/120.jpg",
            "GzbnYZXUZPJek4mDLoVsJ1WVrK5FXUdqD9QF8xYGp04",
        ),
        (
            "/id/1/200/200.jpg?blur=5",
            "QPMk9U26ath40c02AyXtTPAG8dT8HS7awYpapCfqazs",
        ),
        (
            "/id/1/200/200.jpg?grayscale",
            "WRj-c7rMIvVnwOQPDj-uKPketso3_ieBxUCtY0nBVP0",
        ),
        (
            "/id/1/200/200.jpg?blur=5&grayscale",
            "MarV0ooZ1EWnubOz-SOx5zshDNYsk6SIg2WWowmVzNs",
        ),
        (
            "/id/1/200/120.webp",
            "aYtZxmV8JtkCJE9hMvF2Rga6PvE5s2auhCzZkM8c-0s",
        ),
    ];

    #[test]
    fn spec_vectors() {
        let s = Signer::new("test");
        for (msg, sig) in VECTORS {
            assert_eq!(s.sign(msg), sig, "{msg}");
        }
        assert_eq!(
            Signer::new("foobar").sign("test"),
            "pjEGW94PGr30xYhluF_fLGJtU-r3BPpoDNmsvkIFZms"
        );
    }

    /// The parameters of Lorem Picsum's spec vector: 200x200 JPEG, grayscale, blur 5.
    fn spec_params() -> ImageParams {
        ImageParams {
            width: 200,
            height: 200,
            format: Format::Jpeg,
            grayscale: true,
            blur: Some(5),
        }
    }

    #[test]
    fn a_version_is_signed_with_the_rest() {
        let s = Signer::new("test");
        let p = spec_params();
        let path = s.versioned_image_path("1", &p, Some("0123456789ab"));
        let (route, query) = path.split_once('?').unwrap();
        assert!(
            query.starts_with("blur=5&grayscale&hmac=") && query.ends_with("&v=0123456789ab"),
            "{path}"
        );
        assert!(s.verify(route, &Query::parse(query)));
        let forged = query.replace("v=0123456789ab", "v=0123456789ac");
        assert!(!s.verify(route, &Query::parse(&forged)));
        assert_eq!(s.versioned_image_path("1", &p, None), s.image_path("1", &p));
    }

    #[test]
    fn image_path_matches_spec_shape() {
        let s = Signer::new("test");
        let p = spec_params();
        assert_eq!(
            s.image_path("1", &p),
            "/id/1/200/200.jpg?blur=5&grayscale&hmac=MarV0ooZ1EWnubOz-SOx5zshDNYsk6SIg2WWowmVzNs"
        );
        let p = ImageParams {
            width: 200,
            height: 120,
            format: Format::Webp,
            grayscale: false,
            blur: None,
        };
        assert_eq!(
            s.image_path("1", &p),
            "/id/1/200/120.webp?hmac=aYtZxmV8JtkCJE9hMvF2Rga6PvE5s2auhCzZkM8c-0s"
        );
    }

    #[test]
    fn verify_properties() {
        let s = Signer::new("test");
        let sig = "QPMk9U26ath40c02AyXtTPAG8dT8HS7awYpapCfqazs";
        let ok = |q: String| s.verify("/id/1/200/200.jpg", &Query::parse(&q));
        assert!(ok(format!("blur=5&hmac={sig}")));
        assert!(ok(format!("hmac={sig}&blur=5")), "order does not matter");
        assert!(
            ok(format!("blur=5&blur=9&hmac={sig}")),
            "later duplicates are not signed"
        );
        assert!(!ok(format!("blur=6&hmac={sig}")));
        assert!(!ok(format!("blur=5&random=1&hmac={sig}")));
        assert!(!ok("blur=5".to_owned()));
        assert!(!ok(format!("blur=5&hmac={}", &sig[..42])));
        assert!(s.verify(
            "/id/1/200/200.jpg",
            &Query::parse("grayscale=&hmac=WRj-c7rMIvVnwOQPDj-uKPketso3_ieBxUCtY0nBVP0")
        ));
        assert!(!Signer::new("other").verify(
            "/id/1/200/200.jpg",
            &Query::parse(&format!("blur=5&hmac={sig}"))
        ));
    }

    #[test]
    fn empty_key_still_signs() {
        let s = Signer::new("");
        let url = s.sign_path("/id/1/1/1.jpg", Query::default());
        assert_eq!(url.len(), "/id/1/1/1.jpg?hmac=".len() + 43);
        assert!(s.verify(
            "/id/1/1/1.jpg",
            &Query::parse(url.split_once('?').unwrap().1)
        ));
    }
}
