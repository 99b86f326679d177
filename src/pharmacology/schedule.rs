//! Expanding a `[[drug]]` entry into administrations: when each dose is given, whether
//! the drug acts on a day, and the conditional start.
//!
//! An entry's *anchor* is its first administration: `start_day`, or with
//! `start_when = { t_score_below = T }` the first step at or after `start_day` on which
//! the latest T-score readout is below `T`. Administrations follow at `anchor + k *
//! interval_days` (k = 0, 1, ...) strictly before `stop_day`. A drug *acts* from its
//! first administration until one interval after its last (a daily tablet acts for the
//! day, a 6-monthly injection for six months): the convention for the drugs whose
//! effect is modelled as on or off (aromatase inhibitors, tamoxifen, goserelin).

use crate::config::drugs::DrugConfig;

use super::drug::Drug;

/// Tolerance on day comparisons (days are whole or simple fractions of a day).
const EPS_DAYS: f64 = 1e-9;

/// What the schedule can read from the run: the latest clinical readouts.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Readouts {
    /// Latest lumbar-spine T-score (none before the first measurement).
    pub t_score: Option<f64>,
}

/// One scheduled drug.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Regimen {
    /// The drug.
    pub drug: Drug,
    /// Earliest first administration, day.
    pub start_day: f64,
    /// No administration on or after this day.
    pub stop_day: Option<f64>,
    /// Days between administrations.
    pub interval_days: f64,
    /// Dose per administration, mg.
    pub dose_mg: f64,
    /// Conditional start threshold on the T-score.
    pub t_score_below: Option<f64>,
    /// First administration, once known.
    pub anchor: Option<f64>,
}

impl Regimen {
    /// From a validated entry.
    pub fn from_config(c: &DrugConfig) -> Self {
        let t_score_below = c.start_when.as_ref().map(|w| w.t_score_below);
        Self {
            drug: c.name,
            start_day: c.start_day,
            stop_day: c.stop_day,
            interval_days: c.interval_days,
            dose_mg: c.dose_mg,
            t_score_below,
            anchor: t_score_below.is_none().then_some(c.start_day),
        }
    }

    /// Mean dose intensity, mg/day.
    pub fn mg_per_day(&self) -> f64 {
        self.dose_mg / self.interval_days
    }

    /// Fixes the anchor of a conditional start at `day` if its condition holds now.
    /// Returns whether it fired on this call.
    pub fn try_start(&mut self, day: f64, readouts: &Readouts) -> bool {
        if self.anchor.is_some() || day + EPS_DAYS < self.start_day {
            return false;
        }
        if self.stop_day.is_some_and(|s| day + EPS_DAYS >= s) {
            return false;
        }
        let fires = match (self.t_score_below, readouts.t_score) {
            (Some(limit), Some(t)) => t < limit,
            _ => false,
        };
        if fires {
            self.anchor = Some(day);
        }
        fires
    }

    fn given(&self, t: f64) -> bool {
        self.stop_day.is_none_or(|s| t + EPS_DAYS < s)
    }

    /// Administration times in `(from, to]`, in order.
    pub fn administrations(&self, from: f64, to: f64) -> Vec<f64> {
        let Some(a) = self.anchor else {
            return Vec::new();
        };
        let i = self.interval_days;
        let mut k = if from < a {
            0.0
        } else {
            ((from - a) / i).floor()
        };
        let mut out = Vec::new();
        loop {
            let t = a + k * i;
            if t > to + EPS_DAYS || !self.given(t) {
                break;
            }
            if t > from + EPS_DAYS {
                out.push(t);
            }
            k += 1.0;
        }
        out
    }

    /// Whether the drug acts on `day` (see the module documentation).
    pub fn acts_at(&self, day: f64) -> bool {
        let Some(a) = self.anchor else {
            return false;
        };
        if day + EPS_DAYS < a {
            return false;
        }
        let k = ((day - a) / self.interval_days + EPS_DAYS).floor();
        self.given(a + k * self.interval_days)
    }

    /// Total dose given on the whole day containing `day`, mg.
    pub fn mg_on_day_of(&self, day: f64) -> f64 {
        let d0 = (day + EPS_DAYS).floor();
        self.administrations(d0 - 2.0 * EPS_DAYS, d0 + 1.0 - 2.0 * EPS_DAYS)
            .len() as f64
            * self.dose_mg
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::drugs::StartWhen;

    fn regimen(drug: Drug, start: f64, stop: Option<f64>, every: f64) -> Regimen {
        Regimen::from_config(&DrugConfig {
            name: drug,
            start_day: start,
            stop_day: stop,
            interval_days: every,
            dose_mg: drug.standard_dose_mg(),
            start_when: None,
        })
    }

    #[test]
    fn administrations_start_stop_and_repeat() {
        let r = regimen(Drug::Denosumab, 10.0, Some(374.0), 182.0);
        assert_eq!(
            r.administrations(f64::NEG_INFINITY, 1000.0),
            vec![10.0, 192.0]
        );
        assert_eq!(r.administrations(10.0, 1000.0), vec![192.0]);
        assert_eq!(r.administrations(9.0, 10.0), vec![10.0]);
        assert!(r.administrations(0.0, 9.99).is_empty());
        // Acts from the first dose to one interval after the last.
        assert!(!r.acts_at(9.5) && r.acts_at(10.0) && r.acts_at(373.9));
        assert!(!r.acts_at(374.0));
        let daily = regimen(Drug::Anastrozole, 0.0, Some(3.0), 1.0);
        assert_eq!(daily.administrations(-1.0, 10.0), vec![0.0, 1.0, 2.0]);
        assert_eq!(daily.mg_on_day_of(1.5), 1.0);
        assert_eq!(daily.mg_on_day_of(3.0), 0.0);
        assert!(daily.acts_at(2.99) && !daily.acts_at(3.0));
    }

    #[test]
    fn a_conditional_start_waits_for_the_readout() {
        let mut r = Regimen::from_config(&DrugConfig {
            name: Drug::ZoledronicAcid,
            start_day: 30.0,
            stop_day: None,
            interval_days: 182.0,
            dose_mg: 4.0,
            start_when: Some(StartWhen {
                t_score_below: -2.0,
            }),
        });
        let low = Readouts {
            t_score: Some(-2.1),
        };
        assert!(!r.try_start(10.0, &low), "not before start_day");
        assert!(!r.try_start(
            40.0,
            &Readouts {
                t_score: Some(-1.9)
            }
        ));
        assert!(!r.try_start(41.0, &Readouts::default()));
        assert!(r.administrations(f64::NEG_INFINITY, 1e4).is_empty());
        assert!(r.try_start(42.0, &low));
        assert!(!r.try_start(43.0, &low), "fires once");
        assert_eq!(r.administrations(41.0, 400.0), vec![42.0, 224.0]);
    }
}
