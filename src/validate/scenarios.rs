//! The scenario table of `trabecula validate`: the simulated arms (a base config built
//! from text, with `[[drug]]` entries) and the checks against the open calibration
//! targets of docs/MODEL.md (section 1), each with its trial source.
//!
//! Every arm starts from a spin-up at its estrogen level (a year; a year and a half
//! for the two letrozole arms, see [`Arm::extra_spinup_days`]), so two arms compared
//! on the same seed share their lattice and their day-0 state; a difference between
//! arms ("vs letrozole alone") is taken replicate by replicate.

use super::{Readout, Target};

/// Postmenopausal estradiol, 10 pg/mL (below 20, often below 14; SWAN: Randolph et
/// al., JCEM 2011, approx.); the spin-up runs at the same level, so day 0 is a
/// high-turnover steady state, as in the ready configs.
const POSTMENOPAUSAL: &str = "schedule = \"postmenopausal\"";
/// Premenopausal mean estradiol, 100 pg/mL (configs/premenopausal.toml).
const PREMENOPAUSAL: &str = "schedule = \"constant\"\nlevel_pg_ml = 100.0";

/// One simulated arm.
#[derive(Clone, Copy, Debug)]
pub struct Arm {
    /// Short name (file names, tables).
    pub name: &'static str,
    /// The `[estrogen]` section body.
    pub estrogen: &'static str,
    /// The `[[drug]]` entries (TOML text, possibly empty).
    pub drugs: &'static str,
    /// Days simulated after day 0 in the full set (a whole number of measurement
    /// intervals past the last time point read).
    pub days: u32,
    /// Days simulated after day 0 in the quick set.
    pub quick_days: u32,
    /// Days between time-series rows: 15 where a marker one month after a dose is
    /// read (a row's rates cover the interval before it), else 30.
    pub measure_every_days: u32,
    /// Replicates of this arm in the full set, as a multiple of the set's count. 9 for
    /// letrozole alone, whose marker rows are the noisiest of the table (one
    /// replicate's CTX change has an SD of about 40 percentage points against a band
    /// of +-6), and 3 for letrozole with zoledronic acid (its 12-month BMD difference
    /// is taken on the replicates the two arms share); a run of them costs about a
    /// third of a five-year arm's.
    pub replicate_factor: u32,
    /// Spin-up days added to the set's for this arm. 180 for the two letrozole arms:
    /// their marker baseline is the six months before day 0
    /// ([`super::MARKER_BASELINE_DAYS`]), and from the quiescent generated lattice
    /// formation only settles about ten months into a spin-up (resorption after
    /// about two), so after one year the window would start on a formation rate
    /// still rising. Arms subtracted from each other must share it.
    pub extra_spinup_days: u32,
}

/// The arms.
pub const ARMS: &[Arm] = &[
    Arm {
        name: "premenopausal",
        estrogen: PREMENOPAUSAL,
        drugs: "",
        days: 1830,
        quick_days: 750,
        replicate_factor: 1,
        extra_spinup_days: 0,
        measure_every_days: 30,
    },
    Arm {
        name: "postmenopausal",
        estrogen: POSTMENOPAUSAL,
        drugs: "",
        days: 1830,
        quick_days: 750,
        replicate_factor: 1,
        extra_spinup_days: 0,
        measure_every_days: 30,
    },
    Arm {
        name: "anastrozole",
        estrogen: POSTMENOPAUSAL,
        drugs: "[[drug]]\nname = \"anastrozole\"\nstart_day = 0\n",
        days: 1830,
        quick_days: 750,
        replicate_factor: 1,
        extra_spinup_days: 0,
        measure_every_days: 30,
    },
    Arm {
        name: "tamoxifen",
        estrogen: POSTMENOPAUSAL,
        drugs: "[[drug]]\nname = \"tamoxifen\"\nstart_day = 0\n",
        days: 1830,
        quick_days: 750,
        replicate_factor: 1,
        extra_spinup_days: 0,
        measure_every_days: 30,
    },
    Arm {
        name: "letrozole",
        estrogen: POSTMENOPAUSAL,
        drugs: "[[drug]]\nname = \"letrozole\"\nstart_day = 0\n",
        days: 390,
        quick_days: 390,
        replicate_factor: 9,
        extra_spinup_days: 180,
        measure_every_days: 30,
    },
    Arm {
        name: "letrozole_zoledronic",
        estrogen: POSTMENOPAUSAL,
        drugs: "[[drug]]\nname = \"letrozole\"\nstart_day = 0\n\n[[drug]]\n\
                name = \"zoledronic_acid\"\nstart_day = 0\ninterval_days = 182\ndose_mg = 4\n",
        days: 390,
        quick_days: 390,
        replicate_factor: 3,
        extra_spinup_days: 180,
        measure_every_days: 30,
    },
    Arm {
        name: "anastrozole_denosumab",
        estrogen: POSTMENOPAUSAL,
        drugs: "[[drug]]\nname = \"anastrozole\"\nstart_day = 0\n\n[[drug]]\n\
                name = \"denosumab\"\nstart_day = 0\n",
        days: 1110,
        quick_days: 375,
        replicate_factor: 1,
        extra_spinup_days: 0,
        measure_every_days: 15,
    },
    Arm {
        name: "denosumab",
        estrogen: POSTMENOPAUSAL,
        drugs: "[[drug]]\nname = \"denosumab\"\nstart_day = 0\n",
        days: 1110,
        quick_days: 375,
        replicate_factor: 1,
        extra_spinup_days: 0,
        measure_every_days: 15,
    },
];

/// One row of the table: a readout of an arm (minus a reference arm) at a day.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// Scenario name (one plot per scenario).
    pub scenario: &'static str,
    /// The readout.
    pub readout: Readout,
    /// The arm read.
    pub arm: &'static str,
    /// The arm subtracted, replicate by replicate (same seed), if a difference.
    pub reference: Option<&'static str>,
    /// Day after day 0.
    pub day: f64,
    /// How the time point reads in the table.
    pub time: &'static str,
    /// The target.
    pub target: Target,
    /// Where the target comes from.
    pub source: &'static str,
}

const ATAC: &str = "ATAC (Eastell, JBMR 2006; JCO 2008)";
const ZFAST: &str = "Z-FAST (Brufsky, JCO 2007)";
const ABCSG: &str = "ABCSG-18 (Gnant, Lancet 2015)";
const FREEDOM: &str = "FREEDOM";

/// Days in a year (Julian), for the time points.
const Y: f64 = 365.25;

const fn check(
    scenario: &'static str,
    readout: Readout,
    arm: &'static str,
    reference: Option<&'static str>,
    (day, time): (f64, &'static str),
    target: Target,
    source: &'static str,
) -> Check {
    Check {
        scenario,
        readout,
        arm,
        reference,
        day,
        time,
        target,
        source,
    }
}

/// The checks: the trial targets of docs/MODEL.md, section 1.
pub const CHECKS: &[Check] = {
    use Readout::*;
    use Target::*;
    const AI: &str = "postmenopausal_anastrozole";
    const ZOL: &str = "letrozole_zoledronic_vs_letrozole";
    const DMAB_AI: &str = "anastrozole_denosumab_vs_anastrozole";
    const DMAB: &str = "denosumab_vs_placebo";
    // Balanced premenopausal remodeling is a premise of the model (docs/MODEL.md).
    const PREMISE: &str = "docs/MODEL.md, section 1";
    &[
        check(
            "premenopausal_homeostasis",
            BvTvChangePct,
            "premenopausal",
            None,
            (5.0 * Y, "5 y"),
            Within(0.0, 1.0),
            PREMISE,
        ),
        check(
            AI,
            SpineAbmdPct,
            "anastrozole",
            None,
            (Y, "1 y"),
            Value(-2.2),
            ATAC,
        ),
        check(
            AI,
            SpineAbmdPct,
            "anastrozole",
            None,
            (2.0 * Y, "2 y"),
            Value(-4.1),
            ATAC,
        ),
        check(
            AI,
            SpineAbmdPct,
            "anastrozole",
            None,
            (5.0 * Y, "5 y"),
            Value(-6.1),
            ATAC,
        ),
        check(
            AI,
            HipAbmdPct,
            "anastrozole",
            None,
            (Y, "1 y"),
            Value(-1.5),
            ATAC,
        ),
        check(
            AI,
            HipAbmdPct,
            "anastrozole",
            None,
            (2.0 * Y, "2 y"),
            Value(-3.9),
            ATAC,
        ),
        check(
            AI,
            HipAbmdPct,
            "anastrozole",
            None,
            (5.0 * Y, "5 y"),
            Value(-7.2),
            ATAC,
        ),
        check(
            "postmenopausal_tamoxifen",
            SpineAbmdPct,
            "tamoxifen",
            None,
            (5.0 * Y, "5 y"),
            Value(2.8),
            ATAC,
        ),
        // NTX and bone ALP are read as CTX and P1NP (resorption and formation).
        check(
            "letrozole_markers",
            CtxChangePct,
            "letrozole",
            None,
            (Y, "12 mo"),
            Value(20.0),
            ZFAST,
        ),
        check(
            "letrozole_markers",
            P1npChangePct,
            "letrozole",
            None,
            (Y, "12 mo"),
            Value(24.0),
            ZFAST,
        ),
        check(
            ZOL,
            SpineAbmdPct,
            "letrozole_zoledronic",
            Some("letrozole"),
            (Y, "12 mo"),
            Value(4.4),
            ZFAST,
        ),
        check(
            ZOL,
            HipAbmdPct,
            "letrozole_zoledronic",
            Some("letrozole"),
            (Y, "12 mo"),
            Value(3.3),
            ZFAST,
        ),
        check(
            DMAB_AI,
            SpineAbmdPct,
            "anastrozole_denosumab",
            Some("anastrozole"),
            (3.0 * Y, "36 mo"),
            Value(10.0),
            ABCSG,
        ),
        check(
            DMAB_AI,
            HipAbmdPct,
            "anastrozole_denosumab",
            Some("anastrozole"),
            (3.0 * Y, "36 mo"),
            Value(7.9),
            ABCSG,
        ),
        check(
            DMAB,
            HipAbmdPct,
            "denosumab",
            Some("postmenopausal"),
            (Y, "1 y"),
            Value(3.3),
            FREEDOM,
        ),
        check(
            DMAB,
            HipAbmdPct,
            "denosumab",
            Some("postmenopausal"),
            (2.0 * Y, "2 y"),
            Value(5.1),
            FREEDOM,
        ),
        check(
            DMAB,
            HipAbmdPct,
            "denosumab",
            Some("postmenopausal"),
            (3.0 * Y, "3 y"),
            Value(6.4),
            FREEDOM,
        ),
        // Below the premenopausal reference range one month after a dose (Eastell,
        // JBMR 2011). Relative to a postmenopausal baseline the range's lower end is
        // taken as 0.2 (approx.: model choice, the same bound the tests use).
        check(
            "denosumab_ctx",
            CtxRelative,
            "denosumab",
            None,
            (30.0, "1 mo after dose 1"),
            Below(0.2),
            "Eastell, JBMR 2011",
        ),
        check(
            "denosumab_ctx",
            CtxRelative,
            "denosumab",
            None,
            (210.0, "1 mo after dose 2"),
            Below(0.2),
            "Eastell, JBMR 2011",
        ),
    ]
};

/// The arm named `name`.
pub fn arm(name: &str) -> Option<&'static Arm> {
    ARMS.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_names_arms_that_run_long_enough() {
        for c in CHECKS {
            let a = arm(c.arm).unwrap_or_else(|| panic!("{}", c.arm));
            assert!(f64::from(a.days) >= c.day, "{} at {}", c.arm, c.day);
            if let Some(r) = c.reference {
                let r = arm(r).unwrap_or_else(|| panic!("{r}"));
                assert!(f64::from(r.days) >= c.day, "{} at {}", r.name, c.day);
            }
        }
    }
}
