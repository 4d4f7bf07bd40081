//! Charts drawn as SVG with attributes and classes only.
//!
//! The pages' Content-Security-Policy refuses inline styles (`style-src 'self'`), and the chart
//! crate used before (leptos-chartistry 0.2) writes `style="…"` attributes into its markup with
//! no option to avoid them, so part of every chart was dropped and each drop logged an error.
//! Geometry here is SVG attributes (`x`, `height`, `viewBox`), which the policy does not govern;
//! colours and type come from `.chart` rules in `style/main.css`.

use leptos::prelude::*;

/// One bar: its label under the axis and its value (any unit, at least 0).
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Shown under the bar.
    pub label: String,
    /// The bar's height in the chart's unit; negative values draw as 0.
    pub value: f64,
}

/// The axis maximum and tick step for values up to `max`: a 1, 2 or 5 times a power of ten,
/// so that four or five ticks cover the bars ("nice numbers", P. Heckbert, Graphics Gems, 1990).
pub fn nice_scale(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (1.0, 1.0);
    }
    let rough = max / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= rough).unwrap_or(10.0 * power);
    // Counts never need a step below 1.
    let step = if max >= 1.0 { step.max(1.0) } else { step };
    ((max / step).ceil() * step, step)
}

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 34.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// A vertical bar chart, `WIDTH × HEIGHT` user units scaled to its container. The caller gives
/// it an accessible name (the figures as text), as the SVG itself is decoration.
#[component]
pub fn BarChart(
    #[prop(into)] bars: Signal<Vec<Bar>>,
    /// The axis maximum when the unit has one (a rating's 5); otherwise from the bars.
    #[prop(optional)]
    max: Option<f64>,
) -> impl IntoView {
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") aria-hidden="true" focusable="false">
            {move || {
                let bars = bars.get();
                let (top, step) = match max {
                    Some(m) if m <= 10.0 => (m, 1.0),
                    Some(m) => (m, nice_scale(m).1),
                    None => nice_scale(bars.iter().map(|b| b.value).fold(0.0, f64::max)),
                };
                let plot_h = HEIGHT - BOTTOM - TOP;
                let y = move |v: f64| TOP + plot_h * (1.0 - v / top);
                let slot = (WIDTH - LEFT) / bars.len().max(1) as f64;
                let ticks = (0..=((top / step).round() as i64)).map(|i| i as f64 * step).collect::<Vec<_>>();
                view! {
                    <g class="grid">
                        {ticks.into_iter().map(|t| view! {
                            <line x1=LEFT x2=WIDTH y1={y(t)} y2={y(t)} />
                            <text class="tick" x={LEFT - 4.0} y={y(t) + 3.5} text-anchor="end">{format_tick(t)}</text>
                        }).collect_view()}
                    </g>
                    <g class="bars">
                        {bars.into_iter().enumerate().map(|(i, b)| {
                            let x = LEFT + slot * i as f64;
                            let h = (plot_h * b.value.max(0.0) / top).max(0.0);
                            view! {
                                <rect class="bar" x={x + slot * 0.1} y={TOP + plot_h - h} width={slot * 0.8} height=h />
                                <text class="label" x={x + slot / 2.0} y={HEIGHT - 6.0} text-anchor="middle">{b.label}</text>
                            }
                        }).collect_view()}
                    </g>
                    <line class="axis" x1=LEFT x2=WIDTH y1={TOP + plot_h} y2={TOP + plot_h} />
                }
            }}
        </svg>
    }
}

/// Horizontal bars with their labels on the left and their values at the end (a funnel, a
/// ranking): one row of `ROW` user units per bar. Like [`BarChart`], decoration beside the
/// figures written out as text.
#[component]
pub fn HBarChart(bars: Vec<Bar>) -> impl IntoView {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 170.0;
    const VALUE: f64 = 44.0;
    let height = ROW * bars.len().max(1) as f64;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max).max(1e-9);
    let span = WIDTH - LABEL - VALUE;
    view! {
        <svg class="chart hbars" viewBox=format!("0 0 {WIDTH} {height}") aria-hidden="true" focusable="false">
            {bars.into_iter().enumerate().map(|(i, b)| {
                let y = ROW * i as f64;
                let w = (span * b.value.max(0.0) / max).max(if b.value > 0.0 { 1.0 } else { 0.0 });
                view! {
                    <text class="label" x={LABEL - 6.0} y={y + ROW * 0.65} text-anchor="end">{b.label}</text>
                    <rect class="bar" x=LABEL y={y + 3.0} width=w height={ROW - 6.0} />
                    <text class="tick" x={LABEL + w + 4.0} y={y + ROW * 0.65}>{format_tick(b.value)}</text>
                }
            }).collect_view()}
        </svg>
    }
}

fn format_tick(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::nice_scale;

    #[test]
    fn scales_end_on_a_round_number_above_the_largest_bar() {
        assert_eq!(nice_scale(0.0), (1.0, 1.0));
        assert_eq!(nice_scale(3.0), (3.0, 1.0));
        assert_eq!(nice_scale(7.0), (8.0, 2.0));
        assert_eq!(nice_scale(63.0), (80.0, 20.0));
        assert_eq!(nice_scale(135.0), (150.0, 50.0));
        let (top, step) = nice_scale(0.37);
        assert!(top >= 0.37 && (top / step - (top / step).round()).abs() < 1e-9, "{top} {step}");
    }
}
