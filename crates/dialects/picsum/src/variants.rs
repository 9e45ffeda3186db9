//! Lorem Picsum's pre-sized variants: `{id}_{500..4500}.jpg` beside `{id}.jpg`, the smaller
//! sources its renders start from. They go when the original goes.

use picsum_image_core::Companions;

/// Variants come in 500-px steps up to this size.
pub const LARGEST_VARIANT: u32 = 4500;

/// The variant keys of the original at `key` (`{id}.jpg`); none for other keys.
#[must_use]
pub fn of(key: &str) -> Vec<String> {
    let Some(id) = key.strip_suffix(".jpg").filter(|id| !id.is_empty()) else {
        return Vec::new();
    };
    (1..=LARGEST_VARIANT / 500)
        .map(|step| format!("{id}_{}.jpg", step * 500))
        .collect()
}

/// The [`Companions`] hook the service registers with the core.
pub struct Variants;

impl Companions for Variants {
    fn of(&self, key: &str) -> Vec<String> {
        of(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_an_original() {
        let v = of("12.jpg");
        assert_eq!(v.len(), 9);
        assert_eq!(
            (v[0].as_str(), v[8].as_str()),
            ("12_500.jpg", "12_4500.jpg")
        );
        assert!(of("12.png").is_empty());
        assert!(of(".jpg").is_empty());
    }
}
