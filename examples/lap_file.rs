//! Writes a real score matrix (from a generated pool, scored by the engine) to disk, or solves
//! one read from disk and prints the time: the Rust half of benches/lap_vs_scipy.py.
//!
//!   lap_file write N PATH             an N × N score matrix, little-endian f64, row-major
//!   lap_file solve N PATH             maximise the total; prints seconds and the total
//!   lap_file solve ROWS COLS PATH     the same for ROWS × COLS (ROWS <= COLS), no padding

use std::time::Instant;
use upmentor::matching::{solve_rect_assignment, synthetic, Config, Engine};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: lap_file write N PATH | lap_file solve N [COLS] PATH");
        std::process::exit(2)
    };
    if args.len() != 4 && args.len() != 5 {
        usage();
    }
    let n: usize = args[2].parse().unwrap_or_else(|_| usage());
    let (cols, path) = if args.len() == 5 { (args[3].parse().unwrap_or_else(|_| usage()), &args[4]) } else { (n, &args[3]) };
    match args[1].as_str() {
        "write" => {
            let problem = synthetic::reverse_pool(n as u64, n, n, 1);
            let mut engine = Engine::new(&problem).expect("valid pool");
            let scores = engine.score_matrix(&Config::default());
            let bytes: Vec<u8> = scores.iter().flat_map(|x| x.to_le_bytes()).collect();
            std::fs::write(path, bytes).expect("write the matrix");
        }
        "solve" => {
            let bytes = std::fs::read(path).expect("read the matrix");
            let scores: Vec<f64> = bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
            assert_eq!(scores.len(), n * cols, "matrix size");
            let cost: Vec<f64> = scores.iter().map(|s| -s).collect();
            let started = Instant::now();
            let a = solve_rect_assignment(n, cols, &cost, None).expect("solvable");
            let secs = started.elapsed().as_secs_f64();
            println!("{secs:.4} {:.9}", -a.cost);
        }
        _ => usage(),
    }
}
