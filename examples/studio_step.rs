//! Times the engine as the studio's preview uses it: the first run on a pool, then slider
//! steps (the third weight moved as `benches/studio_preview.sh` moves it), on the server's
//! threads (`RAYON_NUM_THREADS=1` for the browser's one).
//!
//!     cargo run --release --example studio_step [POOL.json] [STEPS]
//!
//! POOL.json is a `Problem` as the studio receives it (`benches/studio_preview.sh` writes the
//! demo's with `STUDIO_POOL_OUT=FILE`); without one, a generated pool of 2,314 mentors and
//! 2,686 mentees, the shape of the 5,000-person demo's.
use std::time::Instant;
use upmentor::matching::{synthetic, Config, Criterion, Engine, Problem};

fn main() {
    let mut args = std::env::args().skip(1);
    let problem: Problem = match args.next() {
        Some(file) => serde_json::from_str(&std::fs::read_to_string(file).expect("a pool file")).expect("a pool as JSON"),
        None => synthetic::reverse_pool(5, 2314, 2686, 1),
    };
    let steps: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10).max(1);
    let t = Instant::now();
    let mut engine = Engine::new(&problem).expect("a valid pool");
    println!("prepare: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let mut config = Config::default();
    let t = Instant::now();
    let first = engine.run(&config).expect("a run");
    println!("first run: {:.1} ms, {} pairs", t.elapsed().as_secs_f64() * 1e3, first.pairs.len());
    let t = Instant::now();
    for i in 0..steps {
        config.weights.set(Criterion::ALL[2], f64::from(i % 10) + if i % 2 == 1 { 0.5 } else { 0.0 });
        engine.run(&config).expect("a run");
    }
    println!("slider step: {:.1} ms (mean of {steps})", t.elapsed().as_secs_f64() * 1e3 / f64::from(steps));
}
