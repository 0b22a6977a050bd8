//! `cargo bench`: in-process load + render of generated fleets (50 hubs and 100, 1,000 and 10,000 notebooks),
//! median of `BENCH_RUNS` runs (default 5; `BENCH_SIZES="100 1000"` picks the notebook counts). A plain harness: no timing assertions, nothing but std.
//! `bench/compare.sh` measures the binary, with its disk I/O, against `kustomize build`.

#[path = "../examples/fleet/generate.rs"]
mod generate;

use jupyflux::load::load_sources;
use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| {
            s.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![100, 1_000, 10_000]);
    println!("load + render, median of {runs} runs");
    for notebooks in sizes {
        let sources = generate::sources(50, notebooks, 100);
        let mut load = Vec::new();
        let mut render = Vec::new();
        let mut count = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let model = load_sources(&sources).expect("the fleet is valid");
            let loaded = Instant::now();
            let tree = jupyflux::render::render(&model);
            render.push(loaded.elapsed());
            load.push(loaded - started);
            count = tree.len();
        }
        println!(
            "50 hubs + {notebooks:>6} notebooks: load {:>8.1} ms, render {:>8.1} ms ({count} files)",
            ms(median(&mut load)),
            ms(median(&mut render)),
        );
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
