//! Render-path benchmark: Picsum's pipeline on a real photo from the sample gallery.
#![expect(clippy::expect_used, missing_docs, reason = "benchmark harness")]

fn main() {}
