//! The 1,000 × 1,000 solve in a loop, for figures steadier than one run on a noisy machine:
//! 30 full solves (prepare, score, solve, explain), then 300 re-solves alternating one weight
//! between two values, each timed; prints the median and the fastest of each.
//!
//!   cargo run --release --example solve_loop [MENTORS MENTEES [FULL RESOLVES]]
//!
//! The studio's 5,000-people pool is 2,314 places for 2,686 mentees:
//! `solve_loop 2314 2686 5 40`.

use std::time::Instant;
use upmentor::matching::{synthetic, Config, Criterion, Engine};

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (mentors, mentees) = (args.first().copied().unwrap_or(1000), args.get(1).copied().unwrap_or(1000));
    let (full_runs, resolves) = (args.get(2).copied().unwrap_or(30), args.get(3).copied().unwrap_or(300));
    let problem = synthetic::reverse_pool(2, mentors, mentees, 1);
    let config = Config::default();
    let summary = |mut ms: Vec<f64>| {
        ms.sort_by(f64::total_cmp);
        format!("median {:.2} ms, fastest {:.2} ms ({} runs)", ms[ms.len() / 2], ms[0], ms.len())
    };
    let full: Vec<f64> = (0..full_runs)
        .map(|_| {
            let t = Instant::now();
            let result = Engine::new(&problem).expect("a valid pool").run(&config).expect("a valid configuration");
            std::hint::black_box(result);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!("full solve: {}", summary(full));
    let mut engine = Engine::new(&problem).expect("a valid pool");
    engine.run(&config).expect("a valid configuration");
    let mut tuned = config.clone();
    let warm: Vec<f64> = (0..resolves)
        .map(|i| {
            tuned.weights.set(Criterion::Skills, if i % 2 == 0 { 7.0 } else { 8.0 });
            let t = Instant::now();
            let result = engine.run(&tuned).expect("a valid configuration");
            std::hint::black_box(result);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!("re-solve after one weight change: {}", summary(warm));
}
