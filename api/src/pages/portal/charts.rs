//! Server-side SVG charts of the dashboard, written as maud markup: a column chart of orders per
//! day and a horizontal bar chart of orders per status. Plain SVG elements with presentation
//! attributes (the CSP forbids inline styles), a `<title>` per bar for the exact figure, and a
//! `role="img"` with an `aria-label` summary for screen readers.
//!
//! Written by hand rather than with plotters: plotters' SVG backend lays out text only with its
//! font backends (system fonts through font-kit, or bundled font files), which a server image
//! does not have; two bar charts need none of that.

use maud::{Markup, html};

const BAR: &str = "#2563eb";
const AXIS: &str = "#94a3b8";
const TEXT: &str = "#475569";

/// A "nice" upper bound of the axis for `max`: 1, 2 or 5 × 10ⁿ, at least 1.
fn nice_max(max: i64) -> i64 {
    let max = max.max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// A column chart: one column per `(label, value)`, labels under every `label_every`-th column.
pub fn columns(title: &str, points: &[(String, i64)], label_every: usize) -> Markup {
    let (w, h, left, bottom, top) = (640.0_f64, 200.0_f64, 36.0_f64, 28.0_f64, 10.0_f64);
    let max = nice_max(points.iter().map(|(_, v)| *v).max().unwrap_or(0));
    let plot_h = h - bottom - top;
    let slot = (w - left - 8.0) / points.len().max(1) as f64;
    let total: i64 = points.iter().map(|(_, v)| v).sum();
    let summary = format!("{title}: {total} in all, at most {max} on one day");
    html! {
        svg.chart viewBox={ "0 0 " (w) " " (h) } width="100%" role="img" aria-label=(summary)
            xmlns="http://www.w3.org/2000/svg" {
            title { (summary) }
            line x1=(left) y1=(top) x2=(left) y2=(h - bottom) stroke=(AXIS) {}
            line x1=(left) y1=(h - bottom) x2=(w - 8.0) y2=(h - bottom) stroke=(AXIS) {}
            text x=(left - 6.0) y=(top + 4.0) text-anchor="end" font-size="11" fill=(TEXT) { (max) }
            text x=(left - 6.0) y=(h - bottom) text-anchor="end" font-size="11" fill=(TEXT) { "0" }
            @for (i, (label, value)) in points.iter().enumerate() {
                @let bar_h = plot_h * (*value as f64) / (max as f64);
                @let x = left + slot * i as f64 + slot * 0.15;
                rect x=(format!("{x:.1}")) y=(format!("{:.1}", h - bottom - bar_h))
                    width=(format!("{:.1}", slot * 0.7)) height=(format!("{bar_h:.1}")) fill=(BAR) {
                    title { (label) ": " (value) }
                }
                @if label_every > 0 && i % label_every == 0 {
                    text x=(format!("{:.1}", x + slot * 0.35)) y=(h - bottom + 16.0)
                        text-anchor="middle" font-size="10" fill=(TEXT) { (label) }
                }
            }
        }
    }
}

/// A horizontal bar chart: one bar per `(label, value)`.
pub fn bars(title: &str, points: &[(String, i64)]) -> Markup {
    let (w, row, left) = (640.0_f64, 24.0_f64, 110.0_f64);
    let h = row * points.len().max(1) as f64 + 8.0;
    let max = nice_max(points.iter().map(|(_, v)| *v).max().unwrap_or(0));
    let width = w - left - 60.0;
    let summary = points
        .iter()
        .map(|(l, v)| format!("{l} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        svg.chart viewBox={ "0 0 " (w) " " (h) } width="100%" role="img"
            aria-label={ (title) ": " (summary) } xmlns="http://www.w3.org/2000/svg" {
            title { (title) ": " (summary) }
            @for (i, (label, value)) in points.iter().enumerate() {
                @let y = 4.0 + row * i as f64;
                @let bar_w = width * (*value as f64) / (max as f64);
                text x=(left - 8.0) y=(y + 15.0) text-anchor="end" font-size="12" fill=(TEXT) { (label) }
                rect x=(left) y=(y + 3.0) width=(format!("{bar_w:.1}")) height="16" fill=(BAR) {
                    title { (label) ": " (value) }
                }
                text x=(format!("{:.1}", left + bar_w + 6.0)) y=(y + 15.0) font-size="12" fill=(TEXT) { (value) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_bounds_are_round() {
        assert_eq!(
            [0, 1, 3, 7, 10, 11, 26, 480].map(nice_max),
            [1, 1, 5, 10, 10, 20, 50, 500]
        );
    }

    #[test]
    fn charts_escape_labels_and_scale_bars() {
        let svg = columns("Orders", &[("a<b".into(), 2), ("c".into(), 5)], 1).into_string();
        assert!(svg.contains("a&lt;b") && !svg.contains("a<b"));
        // The larger value fills the plot height (162 px of 200 − 28 − 10).
        assert!(svg.contains("height=\"162.0\""), "{svg}");
        let svg = bars("Status", &[("draft".into(), 0)]).into_string();
        assert!(svg.contains("width=\"0.0\""), "{svg}");
    }
}
