//! Times a large pool end to end (score all pairs, solve on candidates, prove over all pairs)
//! and reports peak memory: the figure behind "50,000 mentees × 20,000 mentors" in
//! benches/README.md.
//!
//!   large_pool MENTEES MENTORS CAPACITY [K]

use std::time::Instant;
use upmentor::matching::{solve_large, synthetic, Config};

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("numbers")).collect();
    let (mentees, mentors, capacity) = (args.first().copied().unwrap_or(50_000), args.get(1).copied().unwrap_or(20_000), args.get(2).copied().unwrap_or(3));
    let k = args.get(3).copied().unwrap_or(16);
    let started = Instant::now();
    let problem = synthetic::reverse_pool(7, mentors, mentees, capacity as u32);
    let generated = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let result = solve_large(&problem, &Config::default(), k).expect("a valid pool");
    let solve = t.elapsed().as_secs_f64();
    println!(
        "{mentees} mentees x {mentors} mentors (capacity {capacity}), k = {k}: solved and proved in {solve:.2} s \
         (pool generated in {generated:.2} s); {} pairs, total {:.3}; {} rounds; {} candidate pairs; \
         {:.2e} pairs scored ({:.1} M/s); max violation {:.2e}; peak memory {:.0} MiB",
        result.pairs.len(),
        result.total,
        result.rounds,
        result.candidate_pairs,
        result.pairs_scored as f64,
        result.pairs_scored as f64 / solve / 1e6,
        result.max_violation,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    for (phase, secs) in &result.timings {
        println!("  {secs:>7.2} s  {phase}");
    }
}
