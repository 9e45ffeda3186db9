//! Prints how many of 10,000 seeds pick a different image when 1% (10 images) is added to a
//! 1,000-image catalog, in Picsum's mode and in the stable (rendezvous) mode, and likewise
//! when 1% is removed: the figures in `docs/seeds.md`.
//!
//! `cargo run --release -p picsum-catalog --example seed_stability`

use picsum_catalog::select::{SeedMode, churn};
use picsum_catalog::{Catalog, Image};

fn catalog(ids: impl Iterator<Item = usize>) -> Catalog {
    let images = ids
        .map(|i| Image {
            id: i.to_string(),
            author: String::new(),
            width: 300,
            height: 200,
            url: String::new(),
            tags: Vec::new(),
            placeholder: None,
        })
        .collect();
    Catalog::from_images(images).unwrap_or_else(|e| panic!("{e}"))
}

fn main() {
    let seeds: Vec<String> = (0..10_000).map(|i| format!("seed-{i}")).collect();
    let base = catalog(0..1000);
    let grown = catalog(0..1010);
    // Removing every 100th image: the ones after each gap shift in file order.
    let shrunk = catalog((0..1000).filter(|i| i % 100 != 50));
    println!("| change (1,000 images, 10,000 seeds) | picsum | stable |");
    println!("|---|---|---|");
    for (what, after) in [("10 images added", &grown), ("10 images removed", &shrunk)] {
        let cell = |m| {
            let n = churn(&base, after, &seeds, m);
            let pct = f64::from(u32::try_from(n).unwrap_or(0)) / 100.0;
            format!("{n} ({pct:.2}%)")
        };
        let (picsum, stable) = (cell(SeedMode::Picsum), cell(SeedMode::Stable));
        println!("| {what} | {picsum} | {stable} |");
    }
}
