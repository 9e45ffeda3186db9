//! What a transformation will cost, judged before any work: how many operations, how many
//! overlay images (repeats counted). Pixels are budgeted while the render runs (the imaging
//! crate's `Limits`), since they depend on the source.

use picsum_imaging::model::{Op, Pipeline};

/// The static part of a request's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Most operations in one pipeline.
    pub max_operations: usize,
    /// Most overlay images one pipeline draws.
    pub max_layers: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_operations: 10,
            max_layers: 16,
        }
    }
}

impl Budget {
    /// Why `pipeline` is over the budget, if it is.
    #[must_use]
    pub fn refusal(&self, pipeline: &Pipeline) -> Option<String> {
        let ops = pipeline.ops.len();
        if ops > self.max_operations {
            return Some(format!(
                "{ops} operations requested, at most {} allowed",
                self.max_operations
            ));
        }
        let layers: usize = pipeline.ops.iter().map(layers).sum();
        (layers > self.max_layers).then(|| {
            format!(
                "{layers} overlay images requested, at most {} allowed",
                self.max_layers
            )
        })
    }
}

/// Overlay images one step draws.
fn layers(op: &Op) -> usize {
    match op {
        Op::Watermark(_) | Op::Text(_) => 1,
        Op::Flat(flat) => flat.layers.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picsum_imaging::model::{Flat, Grayscale, Placement};

    fn flat(n: usize) -> Op {
        Op::Flat(Flat {
            layers: vec!["a.png".to_owned(); n],
            placement: Placement::Rect {
                from: (0, 0),
                to: (100, 100),
                fill: [0; 4],
            },
        })
    }

    #[test]
    fn operations_and_layers_are_counted_with_repeats() {
        let budget = Budget::default();
        let pipeline = |ops: Vec<Op>| Pipeline {
            ops,
            ..Pipeline::default()
        };
        assert_eq!(
            budget.refusal(&pipeline(vec![Op::Grayscale(Grayscale); 10])),
            None
        );
        assert!(
            budget
                .refusal(&pipeline(vec![Op::Grayscale(Grayscale); 11]))
                .is_some()
        );
        assert_eq!(budget.refusal(&pipeline(vec![flat(16)])), None);
        let stacked = budget.refusal(&pipeline(vec![flat(16), flat(1)])).unwrap();
        assert_eq!(stacked, "17 overlay images requested, at most 16 allowed");
    }
}
