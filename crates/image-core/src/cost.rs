//! A render's estimated cost, judged the same way for every dialect before any libvips
//! work: the estimate (`picsum_imaging::cost`, from the source's header read without
//! libvips) must stay under the per-request CPU cap, and AVIF under its pixel cap; what
//! passes is queued on the pool at that cost, and the pool charges what it really cost.

use std::time::Duration;

use picsum_imaging::cost::{self, Estimate, Shape};
use picsum_imaging::model::{Format, Pipeline};
use picsum_url::params::MAX_AVIF_PIXELS;

use crate::error::ServiceError;

/// What one request may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestBudget {
    /// Most estimated CPU of one render.
    pub max_cpu: Duration,
}

impl Default for RequestBudget {
    fn default() -> Self {
        Self {
            max_cpu: Duration::from_secs(20),
        }
    }
}

impl RequestBudget {
    /// `estimate`'s CPU, when it is within the budget.
    ///
    /// # Errors
    /// 400 naming the estimate and the cap.
    pub fn admit(&self, estimate: Estimate) -> Result<Duration, ServiceError> {
        if estimate.cpu <= self.max_cpu {
            return Ok(estimate.cpu);
        }
        metrics::counter!("picsum_cost_refusals_total").increment(1);
        Err(ServiceError::Refused {
            status: http::StatusCode::BAD_REQUEST,
            message: format!(
                "This transformation would cost about {:.1} s of CPU, over the {:.1} s one request may use: ask for a smaller size, less blur or a cheaper format",
                estimate.cpu.as_secs_f64(),
                self.max_cpu.as_secs_f64()
            ),
        })
    }
}

/// The shape of `source` from its header; for bytes whose header cannot be read without
/// libvips (AVIF, BMP), a square of as many pixels as a poorly compressed photo of that
/// size would hold, so the estimate errs high.
#[must_use]
pub fn shape_of(source: &[u8]) -> Shape {
    picsum_imaging::shape::shape(source).unwrap_or_else(|| {
        let pixels = u64::try_from(source.len())
            .unwrap_or(u64::MAX)
            .saturating_mul(4);
        let side = u32::try_from(pixels.isqrt()).unwrap_or(u32::MAX).max(1);
        Shape {
            width: side,
            height: side,
            pages: 1,
            format: Format::sniff(source).unwrap_or(Format::Jpeg),
        }
    })
}

/// The estimate of `pipeline` on `source`, encoded as `format`.
#[must_use]
pub fn of_pipeline(source: &[u8], pipeline: &Pipeline, format: Format) -> Estimate {
    cost::of_pipeline(shape_of(source), pipeline, format)
}

/// The output format once AVIF's pixel cap is applied: an AVIF the client only said it
/// accepts becomes WebP past the cap; one it asked for by name is refused.
///
/// # Errors
/// 400 when `format` was named and is AVIF over [`MAX_AVIF_PIXELS`].
pub fn cap_avif(
    format: Format,
    negotiated: bool,
    source: &[u8],
    pipeline: &Pipeline,
) -> Result<Format, ServiceError> {
    if format != Format::Avif {
        return Ok(format);
    }
    let (w, h) = cost::output_size(shape_of(source), pipeline);
    if u64::from(w) * u64::from(h) <= MAX_AVIF_PIXELS {
        Ok(format)
    } else if negotiated {
        Ok(Format::Webp)
    } else {
        Err(ServiceError::Refused {
            status: http::StatusCode::BAD_REQUEST,
            message: picsum_url::params::ParamError::AvifTooLarge.to_string(),
        })
    }
}
