//! `trabecula validate`: run the calibration targets of docs/MODEL.md (section 1)
//! and compare the model with them.
//!
//! - [`scenarios`]: the arms (configs built from text with `[[drug]]` entries) and the
//!   checks (readout, arm, reference arm, day, target, source).
//! - [`runner`]: every arm on every replicate seed, in parallel over runs (each run is
//!   deterministic at any thread count, so the table is too), then the rows: mean and
//!   SD over replicates; differences between arms replicate by replicate.
//! - [`report`]: the table as text, CSV and JSON. [`plot`]: one PNG per scenario.
//!
//! The band rule ([`Target::band`]): a target value `t` passes when the model mean is
//! within 30% of `|t|` of it and of the same sign; homeostasis has an absolute band
//! (within +-1%), and the denosumab CTX target is a ceiling.

pub mod plot;
pub mod report;
pub mod runner;
pub mod scenarios;

use serde::Serialize;

use crate::sim::Measurement;

pub use report::{Report, Row};
pub use runner::{run, Scale};

/// What a check reads from a run's time series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readout {
    /// Lumbar-spine aBMD change from day 0, %.
    SpineAbmdPct,
    /// Total-hip aBMD change from day 0, %.
    HipAbmdPct,
    /// BV/TV change from day 0, %.
    BvTvChangePct,
    /// CTX change from baseline, %, as a trial reports its mean: the resorption rate
    /// over the three months around the time point ([`MARKER_WINDOW_DAYS`]) relative
    /// to the six months before day 0 ([`MARKER_BASELINE_DAYS`]).
    CtxChangePct,
    /// P1NP change from baseline, %, from the formation rate, windowed as
    /// [`Readout::CtxChangePct`].
    P1npChangePct,
    /// CTX relative to baseline: one measurement interval's resorption rate (the
    /// interval ending at the time point) over the mean rate of the baseline window
    /// ([`MARKER_BASELINE_DAYS`]). Not the output column `ctx_relative`, whose
    /// baseline is the single interval ending at day 0.
    CtxRelative,
}

impl Readout {
    /// Label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Readout::SpineAbmdPct => "LS aBMD change %",
            Readout::HipAbmdPct => "TH aBMD change %",
            Readout::BvTvChangePct => "BV/TV change %",
            Readout::CtxChangePct => "CTX change %",
            Readout::P1npChangePct => "P1NP change %",
            Readout::CtxRelative => "CTX / baseline",
        }
    }

    /// Whether the readout is a marker change read over windows
    /// ([`MARKER_WINDOW_DAYS`]).
    pub fn is_windowed(self) -> bool {
        matches!(self, Readout::CtxChangePct | Readout::P1npChangePct)
    }

    /// For the windowed marker readouts, the rate the marker follows in `row`
    /// (resorbed or formed bone volume per year); `None` for the others.
    pub fn marker_rate(self, row: &Measurement) -> Option<f64> {
        match self {
            Readout::CtxChangePct => Some(row.resorption_rate_per_y),
            Readout::P1npChangePct => Some(row.formation_rate_per_y),
            _ => None,
        }
    }

    /// The readout of `row`; `day0` is the run's row at day 0 (for BV/TV).
    pub fn value(self, row: &Measurement, day0: &Measurement) -> f64 {
        match self {
            Readout::SpineAbmdPct => row.spine_abmd_change_pct,
            Readout::HipAbmdPct => row.hip_abmd_change_pct,
            Readout::BvTvChangePct => crate::sim::clinical::percent_change(row.bv_tv, day0.bv_tv),
            Readout::CtxChangePct => 100.0 * (row.ctx_relative - 1.0),
            Readout::P1npChangePct => 100.0 * (row.p1np_relative - 1.0),
            Readout::CtxRelative => row.ctx_relative,
        }
    }
}

/// Length of the window a trial's marker value at time point `t` is read over,
/// days: the mean rate of the rows ending in `(t - 60, t + 30]` (three monthly rows,
/// the one covering `t` in the middle). A trial's mean over hundreds of women
/// averages out the few remodeling sites of a small cube that make one month's rate
/// noisy (its coefficient of variation is about 30% on 60^3 voxels); three months of
/// the same run average part of that variance away. The table's value is the change
/// of the replicates' rates pooled, as serum sums over the skeleton
/// (`runner::pooled_marker_change_pct`). The nadir readout
/// [`Readout::CtxRelative`] is not windowed at its time point: it is read one month
/// after a dose, over one measurement interval.
pub const MARKER_WINDOW_DAYS: f64 = 90.0;

/// Length of the baseline window of a marker change, days: the mean rate of the rows
/// ending in `(-180, 0]`, the pre-treatment steady state. Six months rather than
/// three: on the letrozole arm's 12 validation seeds the pooled 3-month baseline
/// happened to sit 9% below the resorption rate of the spin-up's last ten months,
/// which alone added about 10 points to the CTX change; the 6-month one was within
/// 0.5% of it. The arms read this way spin up long enough for
/// formation to have settled over the whole window
/// ([`scenarios::Arm::extra_spinup_days`]).
pub const MARKER_BASELINE_DAYS: f64 = 180.0;

/// Relative half-width of the band around a target value (30% of its magnitude).
pub const BAND_FRACTION: f64 = 0.3;

/// A target and its band.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A trial value: pass within [`BAND_FRACTION`] of its magnitude, same sign.
    Value(f64),
    /// `(centre, half_width)`: pass within `centre +- half_width`.
    Within(f64, f64),
    /// Pass strictly below this.
    Below(f64),
}

impl Target {
    /// The value to mark on plots.
    pub fn value(self) -> f64 {
        match self {
            Target::Value(t) | Target::Within(t, _) | Target::Below(t) => t,
        }
    }

    /// The passing interval `(low, high)` (closed, except `Below`'s open top).
    pub fn band(self) -> (f64, f64) {
        match self {
            Target::Value(t) => {
                let (a, b) = (t - BAND_FRACTION * t.abs(), t + BAND_FRACTION * t.abs());
                (a, b)
            }
            Target::Within(c, h) => (c - h, c + h),
            Target::Below(t) => (f64::NEG_INFINITY, t),
        }
    }

    /// Whether a model mean passes (never a NaN).
    pub fn passes(self, mean: f64) -> bool {
        if !mean.is_finite() {
            return false;
        }
        let (lo, hi) = self.band();
        match self {
            Target::Value(t) => mean.signum() == t.signum() && mean >= lo && mean <= hi,
            Target::Within(..) => mean >= lo && mean <= hi,
            Target::Below(t) => mean < t,
        }
    }

    /// The target as the table shows it.
    pub fn describe(self) -> String {
        match self {
            Target::Value(t) => format!("{t:+.1}"),
            Target::Within(c, h) => format!("{c:+.1} +- {h:.1}"),
            Target::Below(t) => format!("< {t:.2}"),
        }
    }

    /// The band as the table shows it.
    pub fn describe_band(self) -> String {
        let (lo, hi) = self.band();
        match self {
            Target::Below(t) => format!("< {t:.2}"),
            _ => format!("[{lo:+.2}, {hi:+.2}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_rule_is_thirty_percent_of_the_magnitude_with_the_sign() {
        let t = Target::Value(-4.0);
        assert_eq!(t.band(), (-5.2, -2.8));
        assert!(t.passes(-4.0) && t.passes(-2.8) && t.passes(-5.2));
        assert!(!t.passes(-2.7) && !t.passes(-5.3) && !t.passes(4.0));
        assert!(!t.passes(f64::NAN));
        let t = Target::Value(10.0);
        assert!(t.passes(7.0) && t.passes(13.0) && !t.passes(6.9) && !t.passes(-10.0));
        let h = Target::Within(0.0, 1.0);
        assert!(h.passes(-1.0) && h.passes(0.5) && !h.passes(1.01));
        let b = Target::Below(0.2);
        assert!(b.passes(0.1) && !b.passes(0.2) && !b.passes(f64::NAN));
        assert_eq!(b.describe_band(), "< 0.20");
        assert_eq!(Target::Value(-4.0).describe_band(), "[-5.20, -2.80]");
    }
}
