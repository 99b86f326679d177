//! RANKL binding equilibria: totals conserved to rounding, the equilibrium relations
//! hold, limits, and agreement with a brute-force root search.

use trabecula::fields::{Binding, BoundRankl};

fn binding() -> Binding {
    // Pivonka et al. 2008 (RANKL-OPG) and Kostenuik 2009 (RANKL-denosumab).
    Binding {
        kd_rankl_opg_pm: 1000.0,
        kd_rankl_denosumab_pm: 3.0,
    }
}

/// Totals spanning the model's range: RANKL 0.01 pM to 10 nM, OPG up to 100 nM,
/// denosumab 0 to 100 nM (a 60 mg dose peaks near 58 nM in plasma).
fn cases() -> Vec<(f64, f64, f64)> {
    let mut out = Vec::new();
    for &l in &[0.01, 1.0, 30.0, 1e3, 1e4] {
        for &o in &[0.0, 0.5, 100.0, 3e3, 1e5] {
            for &d in &[0.0, 1.0, 50.0, 6e4, 1e5] {
                out.push((l, o, d));
            }
        }
    }
    out
}

fn check_relations(b: &Binding, (l, o, d): (f64, f64, f64), e: &BoundRankl) {
    let tol = 1e-12;
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
    // Totals.
    let lt = e.free_rankl_pm + e.rankl_opg_pm + e.rankl_denosumab_pm;
    assert!(
        rel(lt, l) < tol,
        "RANKL total {lt} vs {l} for {:?}",
        (l, o, d)
    );
    if o > 0.0 {
        assert!(rel(e.free_opg_pm + e.rankl_opg_pm, o) < tol, "OPG total");
    }
    if d > 0.0 {
        assert!(
            rel(e.free_denosumab_pm + e.rankl_denosumab_pm, d) < tol,
            "denosumab total"
        );
    }
    // Mass action: L O = Kd LO and L D = Kd LD.
    if e.rankl_opg_pm > 0.0 {
        let lhs = e.free_rankl_pm * e.free_opg_pm;
        assert!(
            rel(lhs, b.kd_rankl_opg_pm * e.rankl_opg_pm) < 1e-10,
            "OPG equilibrium"
        );
    }
    if e.rankl_denosumab_pm > 0.0 {
        let lhs = e.free_rankl_pm * e.free_denosumab_pm;
        assert!(
            rel(lhs, b.kd_rankl_denosumab_pm * e.rankl_denosumab_pm) < 1e-10,
            "denosumab equilibrium"
        );
    }
    for v in [
        e.free_rankl_pm,
        e.rankl_opg_pm,
        e.rankl_denosumab_pm,
        e.free_opg_pm,
        e.free_denosumab_pm,
    ] {
        assert!(v >= 0.0 && v.is_finite());
    }
}

#[test]
fn totals_are_conserved_and_mass_action_holds_across_the_range() {
    let b = binding();
    for c in cases() {
        let e = b.equilibrium(c.0, c.1, c.2);
        check_relations(&b, c, &e);
    }
}

#[test]
fn free_rankl_matches_a_bisection_of_the_balance() {
    let b = binding();
    for (l, o, d) in cases() {
        let g = |x: f64| {
            x + o * x / (b.kd_rankl_opg_pm + x) + d * x / (b.kd_rankl_denosumab_pm + x) - l
        };
        let (mut lo, mut hi) = (0.0f64, l);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if g(mid) < 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let free = b.equilibrium(l, o, d).free_rankl_pm;
        let reference = 0.5 * (lo + hi);
        assert!(
            (free - reference).abs() <= 1e-12 * reference.max(1e-300) + 1e-300,
            "{free} vs {reference} for {:?}",
            (l, o, d)
        );
    }
}

#[test]
fn limits_no_decoy_one_decoy_and_saturating_denosumab() {
    let b = binding();
    // No decoy: everything free.
    assert_eq!(b.equilibrium(42.0, 0.0, 0.0).free_rankl_pm, 42.0);
    // OPG alone: the quadratic's root.
    let (l, o, k) = (30.0f64, 500.0, 1000.0);
    let bq = k + o - l;
    let exact = (-bq + (bq * bq + 4.0 * l * k).sqrt()) / 2.0;
    let free = b.equilibrium(l, o, 0.0).free_rankl_pm;
    assert!((free - exact).abs() < 1e-12 * exact, "{free} vs {exact}");
    // Denosumab in large excess: free RANKL is about L_T Kd / D_T.
    let (l, d) = (10.0, 6e4);
    let free = b.equilibrium(l, 0.0, d).free_rankl_pm;
    let approx = l * b.kd_rankl_denosumab_pm / d;
    assert!((free - approx).abs() < 1e-3 * approx, "{free} vs {approx}");
    // Denosumab lowers free RANKL far more than the same amount of OPG.
    let with_opg = b.equilibrium(30.0, 1e3, 0.0).free_rankl_pm;
    let with_dmab = b.equilibrium(30.0, 0.0, 1e3).free_rankl_pm;
    assert!(with_dmab < with_opg / 50.0, "{with_dmab} vs {with_opg}");
    // Nonsense totals count as zero.
    let e = b.equilibrium(f64::NAN, -5.0, f64::INFINITY);
    assert_eq!(e.free_rankl_pm, 0.0);
    assert_eq!(e.free_opg_pm, 0.0);
}

#[test]
fn free_rankl_falls_as_either_decoy_rises() {
    let b = binding();
    let mut last = f64::INFINITY;
    for d in [0.0, 1.0, 10.0, 100.0, 1e3, 1e4] {
        let f = b.equilibrium(50.0, 200.0, d).free_rankl_pm;
        assert!(f < last, "not decreasing in denosumab at {d}");
        last = f;
    }
    let mut last = f64::INFINITY;
    for o in [0.0, 10.0, 100.0, 1e3, 1e4] {
        let f = b.equilibrium(50.0, o, 20.0).free_rankl_pm;
        assert!(f < last, "not decreasing in OPG at {o}");
        last = f;
    }
}
