//! Which traces are recorded (the samplers `OTEL_TRACES_SAMPLER` names), and the
//! W3C `traceparent` a caller sends: the trace a request's spans join and whether the
//! caller sampled it.

/// A sampler of the specification's set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// Every trace.
    AlwaysOn,
    /// No trace.
    AlwaysOff,
    /// This fraction of traces, chosen by trace id (the same choice in every service).
    Ratio(f64),
    /// A caller's decision when there is one, else the inner sampler's.
    ParentBased(Root),
}

/// The sampler of [`Sampler::ParentBased`] for traces that start here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Root {
    /// Every trace.
    AlwaysOn,
    /// No trace.
    AlwaysOff,
    /// This fraction of traces.
    Ratio(f64),
}

impl Sampler {
    /// Whether the trace `trace_id` is recorded, given the caller's decision if any.
    #[must_use]
    pub fn samples(self, trace_id: [u8; 16], parent_sampled: Option<bool>) -> bool {
        match (self, parent_sampled) {
            (Self::AlwaysOn, _) | (Self::ParentBased(Root::AlwaysOn), None) => true,
            (Self::AlwaysOff, _) | (Self::ParentBased(Root::AlwaysOff), None) => false,
            (Self::Ratio(r), _) | (Self::ParentBased(Root::Ratio(r)), None) => {
                by_ratio(trace_id, r)
            }
            (Self::ParentBased(_), Some(sampled)) => sampled,
        }
    }
}

/// The specification's `TraceIdRatioBased`: the trace id's last 8 bytes, as a number, below
/// `ratio` of their range.
fn by_ratio(trace_id: [u8; 16], ratio: f64) -> bool {
    let mut low = [0u8; 8];
    low.copy_from_slice(trace_id.get(8..).unwrap_or(&[0; 8]));
    let n = u64::from_be_bytes(low) >> 1; // 63 bits, as the specification's examples use
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "ratio is in 0..=1"
    )]
    let bound = (ratio * (1u64 << 63) as f64) as u64;
    n < bound
}

/// A caller's span, from its `traceparent` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    /// The trace.
    pub trace_id: [u8; 16],
    /// The caller's span.
    pub span_id: [u8; 8],
    /// Whether the caller records the trace.
    pub sampled: bool,
}

impl Parent {
    /// Parses a version-00 `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`); a later version
    /// is read the same way, as the recommendation says. All-zero ids are refused.
    #[must_use]
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.trim().split('-');
        let version = parts.next()?;
        let (trace, span, flags) = (parts.next()?, parts.next()?, parts.next()?);
        if version.len() != 2 || version == "ff" || (version == "00" && parts.next().is_some()) {
            return None;
        }
        let _ = hex_to::<1>(version)?;
        let trace_id = hex_to::<16>(trace)?;
        let span_id = hex_to::<8>(span)?;
        let [flags] = hex_to::<1>(flags)?;
        (trace_id != [0; 16] && span_id != [0; 8]).then_some(Self {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }
}

/// Lower-case hex of exactly `N` bytes.
fn hex_to<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Lower-case hex of `bytes`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparents_parse_by_the_recommendation() {
        let p = Parent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(hex(&p.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(hex(&p.span_id), "00f067aa0ba902b7");
        assert!(p.sampled);
        let later = Parent::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra");
        assert!(!later.unwrap().sampled);
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        ] {
            assert_eq!(Parent::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn samplers_decide_as_specified() {
        let id = |low: u64| {
            let mut t = [0u8; 16];
            t[8..].copy_from_slice(&low.to_be_bytes());
            t
        };
        let half = Sampler::Ratio(0.5);
        assert!(half.samples(id(0), Some(false)));
        assert!(!half.samples(id(u64::MAX), Some(true)));
        let n = (0..1000u64)
            .filter(|i| half.samples(id(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)), None))
            .count();
        assert!((400..600).contains(&n), "{n}");
        let parent = Sampler::ParentBased(Root::AlwaysOff);
        assert!(parent.samples(id(1), Some(true)));
        assert!(!parent.samples(id(1), None));
        assert!(Sampler::ParentBased(Root::AlwaysOn).samples(id(1), None));
        assert!(!Sampler::ParentBased(Root::AlwaysOn).samples(id(1), Some(false)));
        assert!(!Sampler::AlwaysOff.samples(id(1), Some(true)));
    }
}
