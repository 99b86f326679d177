//! Tables of morphometry for people, and the (name, value, units) triples files store.

use crate::lattice::synthetic::PresetTargets;
use crate::morphometry::Metrics;

/// The metrics as `(name, value, units)`, the names as in `measure --json`.
pub fn metric_triples(m: &Metrics) -> Vec<(&'static str, f64, &'static str)> {
    vec![
        ("bv_tv", m.bv_tv, "1"),
        ("tb_th_mm", m.tb_th_mm, "mm"),
        ("tb_sp_mm", m.tb_sp_mm, "mm"),
        ("tb_n_per_mm", m.tb_n_per_mm, "1/mm"),
        ("conn_d_per_mm3", m.conn_d_per_mm3, "1/mm^3"),
        ("euler", m.euler as f64, "1"),
        ("components", m.components as f64, "1"),
    ]
}

/// A fixed-width table of the metrics, with the preset's targets beside them when given.
pub fn metrics_table(m: &Metrics, targets: Option<&PresetTargets>) -> String {
    let t = targets;
    let rows: [(&str, String, Option<f64>); 7] = [
        ("BV/TV", format!("{:.4}", m.bv_tv), t.map(|t| t.bv_tv)),
        (
            "Tb.Th (mm)",
            format!("{:.4}", m.tb_th_mm),
            t.map(|t| t.tb_th_mm),
        ),
        (
            "Tb.Sp (mm)",
            format!("{:.4}", m.tb_sp_mm),
            t.map(|t| t.tb_sp_mm),
        ),
        (
            "Tb.N (1/mm)",
            format!("{:.3}", m.tb_n_per_mm),
            t.map(|t| t.tb_n_per_mm),
        ),
        (
            "Conn.D (1/mm^3)",
            format!("{:.2}", m.conn_d_per_mm3),
            t.and_then(|t| t.conn_d_per_mm3),
        ),
        ("Euler characteristic", m.euler.to_string(), None),
        ("components", m.components.to_string(), None),
    ];
    let mut s = format!("{:<22}{:>12}", "metric", "value");
    if t.is_some() {
        s.push_str(&format!("{:>12}{:>10}", "target", "diff"));
    }
    for (name, value, target) in rows {
        s.push_str(&format!("\n{name:<22}{value:>12}"));
        if let Some(target) = target {
            let v: f64 = value.parse().unwrap_or(f64::NAN);
            s.push_str(&format!(
                "{target:>12}{:>+9.1}%",
                100.0 * (v - target) / target
            ));
        }
    }
    s
}
