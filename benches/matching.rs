//! Matching engine benchmarks: scoring throughput, a full solve and a warm re-solve at
//! 1,000 × 1,000, and the objectives side by side. Figures go into benches/README.md.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion as Bench, Throughput};
use upmentor::matching::{synthetic, Config, Criterion, Engine, Objective};

fn scoring(c: &mut Bench) {
    let problem = synthetic::reverse_pool(1, 1000, 1000, 1);
    let mut engine = Engine::new(&problem).unwrap();
    let rules = Config::default().rules;
    let mut group = c.benchmark_group("scoring");
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("score and check rules, 1000 x 1000 pairs", |b| b.iter(|| engine.rescore(&rules)));
    group.finish();
}

fn solve(c: &mut Bench) {
    let problem = synthetic::reverse_pool(2, 1000, 1000, 1);
    let config = Config::default();
    let mut group = c.benchmark_group("solve 1000 x 1000, capacity 1");
    group.sample_size(20);
    group.bench_function("full solve (prepare, score, solve, explain)", |b| {
        b.iter(|| Engine::new(&problem).unwrap().run(&config).unwrap())
    });
    let mut engine = Engine::new(&problem).unwrap();
    engine.run(&config).unwrap();
    group.bench_function("solve again, scores cached", |b| b.iter(|| engine.run(&config).unwrap()));
    let mut flip = false;
    let mut warm_config = config.clone();
    group.bench_function("re-solve after one weight change", |b| {
        b.iter_batched(
            || {
                flip = !flip;
                warm_config.weights.set(Criterion::Skills, if flip { 7.0 } else { 8.0 });
                warm_config.clone()
            },
            |cfg| engine.run(&cfg).unwrap(),
            BatchSize::SmallInput,
        )
    });
    for objective in [Objective::Fair, Objective::Stable] {
        let cfg = Config { objective, ..Config::default() };
        group.bench_function(format!("{objective:?} objective"), |b| {
            b.iter(|| engine.run(&cfg).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, scoring, solve);
criterion_main!(benches);
