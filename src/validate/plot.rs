//! One PNG per scenario (`<scenario>.png`, 800 x 500): each readout's model
//! trajectory, mean (line) +- SD over replicates (shaded band), against years after
//! day 0; the trial targets as filled dots with their passing band as a vertical bar
//! (a ceiling: a bar from the ceiling down). Thin grey lines mark whole years, a black
//! line zero. The images carry no text (so no font is needed on any machine):
//! `validation.csv` is their legend, its `color` column naming each row's curve.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::report::Curve;
use super::Target;
use crate::sim::measure::DAYS_PER_YEAR;

/// Curve colours in order, as `validation.csv` names them.
pub const COLOR_NAMES: [&str; 4] = ["blue", "red", "green", "magenta"];
const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// The PNG file name of a scenario.
pub fn file_name(scenario: &str) -> String {
    format!("{scenario}.png")
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("drawing a plot: {e}")
}

/// The y range covering the curves (mean +- SD), the targets and their bands, and zero.
fn y_range(curves: &[&Curve]) -> (f64, f64) {
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    let mut take = |v: f64| {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    };
    for c in curves {
        for (m, s) in c.mean.iter().zip(&c.sd) {
            take(m - s);
            take(m + s);
        }
        for (_, t) in &c.targets {
            let (a, b) = t.band();
            take(a);
            take(b);
        }
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = 0.08 * (hi - lo);
    (lo - pad, hi + pad)
}

/// Draws the curves of one scenario into `dir/<scenario>.png`; the path written.
pub fn draw(dir: &Path, scenario: &str, curves: &[&Curve]) -> anyhow::Result<PathBuf> {
    let path = dir.join(file_name(scenario));
    let root = BitMapBackend::new(&path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let x_max = curves
        .iter()
        .flat_map(|c| c.days.iter())
        .fold(0.0f64, |a, &d| a.max(d / DAYS_PER_YEAR))
        .max(0.1);
    let (y0, y1) = y_range(curves);
    let mut chart = ChartBuilder::on(&root)
        .margin(20)
        .build_cartesian_2d(0.0..x_max * 1.02, y0..y1)
        .map_err(err)?;
    let grey = RGBColor(210, 210, 210);
    for year in 1..=(x_max.floor() as u32) {
        let x = f64::from(year);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, y0), (x, y1)],
                grey.stroke_width(1),
            )))
            .map_err(err)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (x_max * 1.02, 0.0)],
            BLACK.stroke_width(1),
        )))
        .map_err(err)?;
    for (i, c) in curves.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let pts: Vec<(f64, f64, f64)> = c
            .days
            .iter()
            .zip(&c.mean)
            .zip(&c.sd)
            .filter(|((_, m), s)| m.is_finite() && s.is_finite())
            .map(|((d, m), s)| (d / DAYS_PER_YEAR, *m, *s))
            .collect();
        let mut band: Vec<(f64, f64)> = pts.iter().map(|&(x, m, s)| (x, m + s)).collect();
        band.extend(pts.iter().rev().map(|&(x, m, s)| (x, m - s)));
        if band.len() >= 3 {
            chart
                .draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))
                .map_err(err)?;
        }
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|&(x, m, _)| (x, m)),
                color.stroke_width(2),
            ))
            .map_err(err)?;
        for &(day, target) in &c.targets {
            let x = day / DAYS_PER_YEAR;
            let (a, b) = target.band();
            let a = if a.is_finite() { a } else { y0 };
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, a), (x, b)],
                    BLACK.stroke_width(2),
                )))
                .map_err(err)?;
            let shape = Circle::new((x, target.value()), 6, color.filled());
            let ring = Circle::new((x, target.value()), 6, BLACK.stroke_width(1));
            chart.draw_series([shape, ring]).map_err(err)?;
            if let Target::Below(_) = target {
                let tick = PathElement::new(vec![(x - 0.03, b), (x + 0.03, b)], BLACK);
                chart.draw_series(std::iter::once(tick)).map_err(err)?;
            }
        }
    }
    root.present().map_err(err)?;
    drop(chart);
    drop(root);
    Ok(path)
}

/// One PNG per scenario, in the order the scenarios first appear.
pub fn draw_all(dir: &Path, curves: &[Curve]) -> anyhow::Result<Vec<PathBuf>> {
    let mut scenarios: Vec<&str> = Vec::new();
    for c in curves {
        if !scenarios.contains(&c.scenario) {
            scenarios.push(c.scenario);
        }
    }
    scenarios
        .iter()
        .map(|s| {
            let mine: Vec<&Curve> = curves.iter().filter(|c| c.scenario == *s).collect();
            draw(dir, s, &mine)
        })
        .collect()
}
