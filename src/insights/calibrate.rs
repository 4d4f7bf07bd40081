//! Matching weights calibrated on a programme's own outcomes.
//!
//! Method. For each matching criterion, Spearman's rank correlation ρ between the criterion's
//! score for each pair (stored when the pair was formed) and one outcome of the pair (mean
//! rating, cadence, goal completion or "would recommend"). Ranks take the mean rank for ties.
//! Uncertainty comes from the nonparametric bootstrap (B. Efron and R. Tibshirani, "An
//! Introduction to the Bootstrap", 1993, ch. 13, percentile intervals): [`RESAMPLES`] resamples
//! of the pairs with replacement, the correlation of the full sample's ranks computed on each.
//! The page shows the 95% interval; a criterion counts as evidence only when its Bonferroni
//! interval for seven criteria (99.3%, so that pure noise shows evidence for any criterion at
//! most one time in twenty) lies wholly above or below zero. Below [`MIN_PAIRS`] pairs nothing
//! is estimated. Alongside ρ, the mean outcome of the top third of pairs by the criterion minus
//! the bottom third, with its 95% interval, says what the difference means in the outcome's unit.
//!
//! Limits, said on the page too: the relations are associations, not causes (pairs were formed
//! by the old weights, so a criterion that was always high cannot show an effect); criteria are
//! related to each other, so one may stand in for another; and the suggestion moves a weight by
//! at most 10 × ρ, leaving the decision to the admin.

use super::{Calibration, CriterionEffect, Evidence, Outcome};
use crate::matching::Criterion;
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Pairs with an outcome needed before anything is estimated.
pub const MIN_PAIRS: u32 = 30;
/// Bootstrap resamples.
pub const RESAMPLES: usize = 2000;
/// A criterion whose most common score covers more than this share of pairs cannot be related
/// to anything.
const MAX_SAME: f64 = 0.9;

/// Ranks 1..=n, ties given their mean rank.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            out[*k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Pearson's correlation of `x` and `y` with integer weights per row (a bootstrap resample's
/// counts); 0 when either has no spread.
fn weighted_correlation(x: &[f64], y: &[f64], w: &[u32]) -> f64 {
    let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..x.len() {
        if w[i] == 0 {
            continue;
        }
        let k = w[i] as f64;
        n += k;
        sx += k * x[i];
        sy += k * y[i];
        sxx += k * x[i] * x[i];
        syy += k * y[i] * y[i];
        sxy += k * x[i] * y[i];
    }
    let vx = sxx - sx * sx / n;
    let vy = syy - sy * sy / n;
    if vx <= 1e-12 || vy <= 1e-12 {
        return 0.0;
    }
    (sxy - sx * sy / n) / (vx * vy).sqrt()
}

/// Which pairs are in the criterion's bottom and top third (by the full sample's scores).
fn thirds(x: &[f64]) -> Option<(Vec<bool>, Vec<bool>)> {
    let mut sorted = x.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let n = sorted.len();
    let lo = sorted[(n - 1) / 3];
    let hi = sorted[(2 * (n - 1)) / 3];
    let low: Vec<bool> = x.iter().map(|v| *v <= lo).collect();
    let high: Vec<bool> = if hi > lo { x.iter().map(|v| *v >= hi).collect() } else { x.iter().map(|v| *v > lo).collect() };
    (low.iter().any(|b| *b) && high.iter().any(|b| *b)).then_some((low, high))
}

fn weighted_difference(y: &[f64], low: &[bool], high: &[bool], w: &[u32]) -> Option<f64> {
    let (mut sl, mut nl, mut sh, mut nh) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..y.len() {
        let k = w[i] as f64;
        if low[i] {
            sl += k * y[i];
            nl += k;
        }
        if high[i] {
            sh += k * y[i];
            nh += k;
        }
    }
    (nl > 0.0 && nh > 0.0).then(|| sh / nh - sl / nl)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Relates each criterion's score to the outcome over `rows` (criterion scores in
/// [`Criterion::ALL`] order, outcome) and suggests weights from `weights_now` (0–10 each).
/// `seed` fixes the resamples, so the same data gives the same intervals.
pub fn calibrate(outcome: Outcome, rows: &[([f64; 7], f64)], weights_now: [f64; 7], seed: u64) -> Calibration {
    let n = rows.len();
    let mut out = Calibration {
        outcome,
        pairs: n as u32,
        threshold: MIN_PAIRS,
        effects: Vec::new(),
        weights_now,
        weights_suggested: weights_now,
        resamples: RESAMPLES as u32,
    };
    if (n as u32) < MIN_PAIRS {
        return out;
    }
    let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let ry = ranks(&y);
    let columns: Vec<Vec<f64>> = (0..7).map(|c| rows.iter().map(|r| r.0[c]).collect()).collect();
    let rx: Vec<Vec<f64>> = columns.iter().map(|c| ranks(c)).collect();
    let varies: Vec<bool> = columns
        .iter()
        .map(|c| {
            let mut s = c.clone();
            s.sort_by(|a, b| a.total_cmp(b));
            let mut longest = 0;
            let mut run = 0;
            for i in 0..s.len() {
                run = if i > 0 && s[i] == s[i - 1] { run + 1 } else { 1 };
                longest = longest.max(run);
            }
            (longest as f64) / (n as f64) <= MAX_SAME
        })
        .collect();
    let split: Vec<Option<(Vec<bool>, Vec<bool>)>> = columns.iter().map(|c| thirds(c)).collect();
    let ones = vec![1u32; n];
    let mut rho_samples: Vec<Vec<f64>> = vec![Vec::with_capacity(RESAMPLES); 7];
    let mut diff_samples: Vec<Vec<f64>> = vec![Vec::with_capacity(RESAMPLES); 7];
    let mut rng = StdRng::seed_from_u64(seed);
    let mut counts = vec![0u32; n];
    for _ in 0..RESAMPLES {
        counts.iter_mut().for_each(|c| *c = 0);
        for _ in 0..n {
            counts[rng.gen_range(0..n)] += 1;
        }
        for c in 0..7 {
            if !varies[c] {
                continue;
            }
            rho_samples[c].push(weighted_correlation(&rx[c], &ry, &counts));
            if let Some((low, high)) = &split[c] {
                if let Some(d) = weighted_difference(&y, low, high, &counts) {
                    diff_samples[c].push(d);
                }
            }
        }
    }
    // Bonferroni for seven criteria at 5%: each tail 0.05 / 7 / 2.
    let tail = 0.05 / 7.0 / 2.0;
    for (c, criterion) in Criterion::ALL.into_iter().enumerate() {
        let w = weights_now[c];
        if !varies[c] {
            out.effects.push(CriterionEffect {
                criterion,
                rho: 0.0,
                low: 0.0,
                high: 0.0,
                top_minus_bottom: 0.0,
                diff_low: 0.0,
                diff_high: 0.0,
                evidence: Evidence::NoVariation,
                weight_now: w,
                weight_suggested: w,
            });
            continue;
        }
        let rho = weighted_correlation(&rx[c], &ry, &ones);
        let s = &mut rho_samples[c];
        s.sort_by(|a, b| a.total_cmp(b));
        let (low, high) = (quantile(s, 0.025), quantile(s, 0.975));
        let (strict_low, strict_high) = (quantile(s, tail), quantile(s, 1.0 - tail));
        let d = &mut diff_samples[c];
        d.sort_by(|a, b| a.total_cmp(b));
        let diff = split[c].as_ref().and_then(|(l, h)| weighted_difference(&y, l, h, &ones)).unwrap_or(0.0);
        let evidence = if strict_low > 0.0 {
            Evidence::Helps
        } else if strict_high < 0.0 {
            Evidence::Hurts
        } else {
            Evidence::None
        };
        let suggested = match evidence {
            Evidence::Helps | Evidence::Hurts => {
                let moved = ((w + 10.0 * rho) * 2.0).round() / 2.0;
                let moved = if evidence == Evidence::Helps { moved.max(w + 0.5) } else { moved.min(w - 0.5) };
                moved.clamp(0.0, 10.0)
            }
            _ => w,
        };
        out.weights_suggested[c] = suggested;
        out.effects.push(CriterionEffect {
            criterion,
            rho,
            low,
            high,
            top_minus_bottom: diff,
            diff_low: quantile(d, 0.025),
            diff_high: quantile(d, 0.975),
            evidence,
            weight_now: w,
            weight_suggested: suggested,
        });
    }
    if out.weights_suggested.iter().sum::<f64>() <= 0.0 {
        out.weights_suggested = weights_now;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` pairs with uniform criterion scores; the rating is 1–5, driven by `driver` (or by
    /// nothing) plus noise.
    fn synthetic(n: usize, driver: Option<usize>, seed: u64) -> Vec<([f64; 7], f64)> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let mut x = [0.0; 7];
                for v in &mut x {
                    *v = rng.gen_range(0.0..1.0);
                }
                // Cross-department is yes or no, as in real pairs.
                x[2] = if rng.gen_bool(0.5) { 1.0 } else { 0.0 };
                let noise: f64 = (0..4).map(|_| rng.gen_range(-0.6..0.6)).sum();
                let signal = driver.map(|d| 2.5 * (x[d] - 0.5)).unwrap_or(0.0);
                let rating = (3.0 + signal + noise).round().clamp(1.0, 5.0);
                (x, rating)
            })
            .collect()
    }

    const WEIGHTS: [f64; 7] = [8.0, 5.0, 3.0, 5.0, 4.0, 2.0, 3.0];

    #[test]
    fn the_criterion_that_drives_ratings_is_recovered() {
        let rows = synthetic(150, Some(3), 7);
        let c = calibrate(Outcome::Rating, &rows, WEIGHTS, 1);
        assert_eq!(c.effects.len(), 7);
        let schedule = &c.effects[3];
        assert_eq!(schedule.criterion, Criterion::Schedule);
        assert_eq!(schedule.evidence, Evidence::Helps, "{schedule:?}");
        assert!(schedule.low > 0.0 && schedule.rho > 0.3);
        assert!(schedule.top_minus_bottom > 0.5 && schedule.diff_low > 0.0);
        assert!(c.weights_suggested[3] > WEIGHTS[3]);
        for e in c.effects.iter().filter(|e| e.criterion != Criterion::Schedule) {
            assert_eq!(e.evidence, Evidence::None, "{e:?}");
            assert_eq!(e.weight_suggested, e.weight_now);
            assert!(e.low < e.rho && e.rho < e.high);
        }
    }

    #[test]
    fn pure_noise_yields_no_evidence() {
        let rows = synthetic(150, None, 11);
        let c = calibrate(Outcome::Rating, &rows, WEIGHTS, 1);
        assert!(c.effects.iter().all(|e| e.evidence == Evidence::None), "{:?}", c.effects);
        assert_eq!(c.weights_suggested, WEIGHTS);
        // Over many noise data sets, evidence for any criterion shows up rarely (about one in
        // twenty by design).
        let false_alarms = (100..140)
            .filter(|seed| calibrate(Outcome::Rating, &synthetic(80, None, *seed), WEIGHTS, *seed).effects.iter().any(|e| e.evidence != Evidence::None))
            .count();
        assert!(false_alarms <= 6, "{false_alarms} of 40 noise data sets showed evidence");
    }

    #[test]
    fn too_few_pairs_estimate_nothing_and_constant_criteria_say_so() {
        let rows = synthetic(29, Some(0), 3);
        let c = calibrate(Outcome::Rating, &rows, WEIGHTS, 1);
        assert!(c.effects.is_empty());
        assert_eq!((c.pairs, c.threshold), (29, MIN_PAIRS));
        let mut rows = synthetic(60, Some(0), 3);
        for r in &mut rows {
            r.0[6] = 0.0;
        }
        let c = calibrate(Outcome::Rating, &rows, WEIGHTS, 1);
        assert_eq!(c.effects[6].evidence, Evidence::NoVariation);
    }

    #[test]
    fn ranks_share_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn the_same_data_gives_the_same_answer() {
        let rows = synthetic(60, Some(0), 5);
        assert_eq!(calibrate(Outcome::Rating, &rows, WEIGHTS, 9), calibrate(Outcome::Rating, &rows, WEIGHTS, 9));
    }
}
