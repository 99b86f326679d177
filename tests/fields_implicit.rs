//! Verification of the backward-Euler step: the heat kernel with decay, first-order
//! convergence in time, the algebraic error against a converged solve, conservation,
//! positivity, bone barriers, agreement with the steady solver, and thread-count
//! independence.

mod common;

use std::f64::consts::PI;

use trabecula::fields::{Boundary, Fields, Position, SolverSettings, Species, SpeciesParams};
use trabecula::grid::Dims;

use common::species_params as params;

fn fields(dims: Dims, dx_um: f64, p: Vec<SpeciesParams>, implicit_tolerance: f64) -> Fields {
    let settings = SolverSettings {
        implicit_tolerance,
        steady_tolerance: 1e-10,
        ..SolverSettings::default()
    };
    common::marrow_fields(dims, dx_um, p, settings)
}

/// Heat kernel with decay: a Gaussian of variance 2 D t in each axis, centred at `c`.
fn kernel(d: f64, lambda: f64, t: f64, r2: f64) -> f64 {
    (4.0 * PI * d * t).powf(-1.5) * (-r2 / (4.0 * d * t)).exp() * (-lambda * t).exp()
}

/// Runs a Gaussian (the kernel at `t0`) for `steps` steps of `dt` on a 48^3 grid of
/// 10 um cells; returns the grid values and the centre.
fn gaussian_run(dt: f64, steps: usize) -> (Vec<f32>, Dims, f64) {
    let (d, lambda, h) = (30.0, 2e-3, 10.0);
    let dims = Dims::cube(48);
    let mut f = fields(
        dims,
        h,
        vec![params(Species::Il1, d, lambda, Boundary::NoFlux)],
        1e-6,
    );
    let t0 = 30.0;
    let centre = 24.0 * h;
    let c = f.concentration_mut(Species::Il1).unwrap();
    for z in 0..48 {
        for y in 0..48 {
            for x in 0..48 {
                let p = [x, y, z].map(|i| (i as f64 + 0.5) * h - centre);
                let r2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
                c[dims.index(x, y, z)] = (1e9 * kernel(d, 0.0, t0, r2)) as f32;
            }
        }
    }
    for _ in 0..steps {
        f.step_implicit(dt).unwrap();
    }
    (
        f.concentration(Species::Il1).unwrap().to_vec(),
        dims,
        centre,
    )
}

#[test]
fn a_gaussian_spreads_and_decays_like_the_heat_kernel() {
    let (d, lambda, h, t0) = (30.0, 2e-3, 10.0, 30.0);
    let (dt, steps) = (0.5, 120);
    let (c, dims, centre) = gaussian_run(dt, steps);
    let t = t0 + dt * steps as f64;
    let mut err = 0.0f64;
    let mut peak = 0.0f64;
    for z in 0..dims.nz {
        for y in 0..dims.ny {
            for x in 0..dims.nx {
                let p = [x, y, z].map(|i| (i as f64 + 0.5) * h - centre);
                let r2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
                // The decay acts from t0 on; the initial field carried none.
                let exact = 1e9 * kernel(d, 0.0, t, r2) * (-lambda * (t - t0)).exp();
                peak = peak.max(exact);
                err = err.max((f64::from(c[dims.index(x, y, z)]) - exact).abs());
            }
        }
    }
    println!(
        "heat kernel after {steps} steps: max error {:.3e} of the peak",
        err / peak
    );
    assert!(err / peak < 0.02, "error {} of the peak", err / peak);
}

#[test]
fn backward_euler_converges_to_first_order_in_time() {
    // Same spatial grid, decreasing dt, against a fine-dt reference: the error falls
    // in proportion to dt.
    let total = 30.0;
    let (reference, _, _) = gaussian_run(total / 240.0, 240);
    let err = |n: usize| -> f64 {
        let (c, _, _) = gaussian_run(total / n as f64, n);
        c.iter()
            .zip(&reference)
            .map(|(a, b)| f64::from((a - b).abs()))
            .fold(0.0, f64::max)
    };
    let (e1, e2, e3) = (err(6), err(12), err(24));
    // Against a reference at dt/40 .. dt/10 the error of the reference itself makes the
    // observed ratios a little above 2.
    let (o1, o2) = ((e1 / e2).log2(), (e2 / e3).log2());
    println!("time errors {e1:.3e} {e2:.3e} {e3:.3e}, observed orders {o1:.2} {o2:.2}");
    assert!(
        (0.85..1.4).contains(&o1) && (0.85..1.4).contains(&o2),
        "orders {o1} {o2}"
    );
}

/// A 40 x 36 x 44 box with bone (a plate, a sealed cavity, partial cells), sources,
/// uptake and both boundary kinds.
fn busy_fields(implicit_tolerance: f64) -> Fields {
    let dims = Dims::new(40, 36, 44);
    let p = vec![
        params(Species::Rankl, 100.0, 10.13 / 86400.0, Boundary::NoFlux),
        params(
            Species::Denosumab,
            45.0,
            3e-7,
            Boundary::Fixed { value_pm: 300.0 },
        ),
        params(Species::Il1, 30.0, 6e-4, Boundary::Fixed { value_pm: 0.0 }),
    ];
    let mut f = fields(dims, 20.0, p, implicit_tolerance);
    let mut phi = vec![1.0f32; dims.len()];
    for z in 0..dims.nz {
        for y in 0..dims.ny {
            for x in 0..dims.nx {
                let i = dims.index(x, y, z);
                let shell =
                    (4..=10).contains(&x) && (4..=10).contains(&y) && (20..=26).contains(&z);
                let cavity = (5..=9).contains(&x) && (5..=9).contains(&y) && (21..=25).contains(&z);
                if (x == 25 && !(y < 4 && z < 4)) || (shell && !cavity) {
                    phi[i] = 0.0;
                } else if (x + 2 * y + 3 * z) % 7 == 0 {
                    phi[i] = 0.3;
                }
            }
        }
    }
    f.set_marrow_fraction(phi).unwrap();
    for (k, sp) in [Species::Rankl, Species::Denosumab, Species::Il1]
        .into_iter()
        .enumerate()
    {
        let c = f.concentration_mut(sp).unwrap();
        for (i, v) in c.iter_mut().enumerate() {
            // A rough initial field: smooth plus cell-to-cell noise.
            *v = 50.0 + 40.0 * ((i * (k + 3)) % 11) as f32 + (i % 97) as f32;
        }
        for i in 0..60usize {
            let at = Position::Voxel([(i * 7) % 40, (i * 11) % 36, (i * 13) % 44]);
            if (4..=10).contains(&((i * 7) % 40)) {
                continue;
            }
            f.secrete(sp, at, 200.0).unwrap();
            f.take_up(
                sp,
                Position::Voxel([(i * 5) % 40, (i * 3) % 36, (i * 17) % 44]),
                1e4,
            )
            .unwrap();
        }
        f.add_background(sp, 0.01).unwrap();
    }
    // The sealed cavity holds no source.
    for sp in [Species::Rankl, Species::Denosumab, Species::Il1] {
        let src = f.source_mut(sp).unwrap();
        for z in 21..=25 {
            for y in 5..=9 {
                for x in 5..=9 {
                    src[dims.index(x, y, z)] = 0.0;
                }
            }
        }
    }
    // The sealed cavity starts empty.
    for sp in [Species::Rankl, Species::Denosumab, Species::Il1] {
        let c = f.concentration_mut(sp).unwrap();
        for z in 21..=25 {
            for y in 5..=9 {
                for x in 5..=9 {
                    c[dims.index(x, y, z)] = 0.0;
                }
            }
        }
    }
    f
}

#[test]
fn the_step_is_within_its_tolerance_of_a_converged_backward_euler_solve() {
    let dt = 0.6;
    for tol in [1e-3, 1e-5] {
        let mut fast = busy_fields(tol);
        let mut exact = busy_fields(1e-12);
        let old: Vec<Vec<f32>> = fast
            .species()
            .iter()
            .map(|p| fast.concentration(p.species).unwrap().to_vec())
            .collect();
        let rep = fast.step_implicit(dt).unwrap();
        let rep_exact = exact.step_implicit(dt).unwrap();
        println!(
            "tol {tol}: iterations {:?} (converged solve {:?}), r {:?}",
            rep.iterations, rep_exact.iterations, rep.r
        );
        for (s, p) in fast.species().iter().enumerate() {
            let a = fast.concentration(p.species).unwrap();
            let b = exact.concentration(p.species).unwrap();
            let change = b
                .iter()
                .zip(&old[s])
                .map(|(n, o)| f64::from((n - o).abs()))
                .fold(0.0, f64::max);
            let err = a
                .iter()
                .zip(b)
                .map(|(x, y)| f64::from((x - y).abs()))
                .fold(0.0, f64::max);
            println!(
                "  {}: algebraic error {:.2e} of the step's change",
                p.species,
                err / change
            );
            // f32 rounding of the fields adds about 1e-7 of their size.
            let rounding = 4e-7 * b.iter().cloned().fold(0.0f32, f32::max) as f64;
            assert!(
                err <= tol * change + rounding,
                "{}: {err} vs {}",
                p.species,
                tol * change
            );
        }
    }
}

#[test]
fn a_step_conserves_mass_and_keeps_fields_non_negative() {
    let mut f = busy_fields(1e-10);
    // From empty fields the step's change is the whole content, so f32 rounding of
    // the content cannot hide a missing flux.
    for p in f.species().to_vec() {
        f.concentration_mut(p.species).unwrap().fill(0.0);
    }
    // r = D dt / h^2 up to 0.6: the f32 step is conservative to about 6 r eps of the
    // content (its folded coefficients round independently of the diagonal).
    let dt = 2.4;
    let before: Vec<Vec<f32>> = f
        .species()
        .iter()
        .map(|p| f.concentration(p.species).unwrap().to_vec())
        .collect();
    f.step_implicit(dt).unwrap();
    let cap: Vec<f64> = f
        .geometry()
        .conductance
        .iter()
        .map(|&a| f64::from(a.max(1e-3)))
        .collect();
    let vol = 20.0f64.powi(3) * 6.022_140_76e-4;
    for (s, p) in f.species().to_vec().iter().enumerate() {
        let c = f.concentration(p.species).unwrap();
        assert!(c.iter().all(|&v| v >= 0.0), "{}: negative value", p.species);
        // Backward Euler: the change in content equals dt times the balance at the new
        // field (production - decay - uptake - boundary outflow).
        let stored: f64 = c
            .iter()
            .zip(&before[s])
            .zip(&cap)
            .map(|((n, o), k)| k * f64::from(n - o))
            .sum::<f64>()
            * vol;
        let content: f64 = c
            .iter()
            .zip(&cap)
            .map(|(n, k)| k * f64::from(*n))
            .sum::<f64>()
            * vol;
        let b = f.balance(p.species).unwrap();
        let net = b.production_per_s - b.decay_per_s - b.uptake_per_s - b.boundary_outflow_per_s;
        let miss = (stored - dt * net).abs();
        println!(
            "{}: stored {stored:.6e}, dt * net {:.6e}: off by {:.1e} of the change, {:.1e} of the content",
            p.species,
            dt * net,
            miss / stored.abs(),
            miss / content
        );
        // The step is f32: conserved to rounding (eps 6e-8 times a few terms per cell).
        assert!(miss <= 1e-6 * content, "{}", p.species);
    }
}

#[test]
fn strong_uptake_and_long_steps_stay_non_negative() {
    let mut f = busy_fields(1e-3);
    for sp in [Species::Rankl, Species::Il1] {
        for i in 0..200usize {
            f.take_up(
                sp,
                Position::Voxel([(i * 3) % 40, (i * 7) % 36, (i * 5) % 44]),
                1e9,
            )
            .unwrap();
        }
    }
    for dt in [0.6, 60.0, 3600.0] {
        f.step_implicit(dt).unwrap();
        for p in f.species() {
            let c = f.concentration(p.species).unwrap();
            assert!(
                c.iter().all(|&v| v >= 0.0 && v.is_finite()),
                "{} at dt {dt}",
                p.species
            );
        }
    }
}

#[test]
fn nothing_enters_bone_or_a_sealed_cavity() {
    let mut f = busy_fields(1e-3);
    let dims = f.grid().dims;
    for _ in 0..20 {
        f.step_implicit(5.0).unwrap();
    }
    let phi = f.geometry().marrow_fraction.clone();
    for p in f.species() {
        let c = f.concentration(p.species).unwrap();
        for z in 21..=25 {
            for y in 5..=9 {
                for x in 5..=9 {
                    assert_eq!(c[dims.index(x, y, z)], 0.0, "{} in the cavity", p.species);
                }
            }
        }
        // A bone cell holds nothing it did not hold before, decayed: its old value
        // (the initial noise) times (1 + dt lambda)^-20 with no source inside it.
        let i = dims.index(25, 20, 20);
        assert_eq!(phi[i], 0.0);
        assert!(c[i] >= 0.0);
    }
}

#[test]
fn long_implicit_stepping_reaches_the_steady_solution() {
    let dims = Dims::new(24, 20, 28);
    let p = vec![params(
        Species::Tnf,
        30.0,
        1.6e-4,
        Boundary::Fixed { value_pm: 2.0 },
    )];
    let mut f = fields(dims, 40.0, p.clone(), 1e-6);
    f.secrete(Species::Tnf, Position::Voxel([5, 6, 7]), 500.0)
        .unwrap();
    f.add_background(Species::Tnf, 1e-3).unwrap();
    f.take_up(Species::Tnf, Position::Voxel([15, 10, 20]), 5e4)
        .unwrap();
    let mut g = fields(dims, 40.0, p, 1e-6);
    g.secrete(Species::Tnf, Position::Voxel([5, 6, 7]), 500.0)
        .unwrap();
    g.add_background(Species::Tnf, 1e-3).unwrap();
    g.take_up(Species::Tnf, Position::Voxel([15, 10, 20]), 5e4)
        .unwrap();
    g.solve_steady().unwrap();
    // Backward Euler with long steps is the steady solve's fixed point.
    for _ in 0..60 {
        f.step_implicit(3600.0).unwrap();
    }
    let a = f.concentration(Species::Tnf).unwrap();
    let b = g.concentration(Species::Tnf).unwrap();
    let max = b.iter().cloned().fold(0.0f32, f32::max);
    let diff = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    println!(
        "implicit vs steady: max difference {:.2e} of the maximum",
        diff / max
    );
    assert!(diff <= 1e-4 * max, "difference {diff} of {max}");
}

#[test]
fn steps_are_bit_identical_for_one_two_and_three_threads() {
    let run = |threads: usize| -> Vec<Vec<f32>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut f = busy_fields(1e-3);
            for dt in [0.6, 0.6, 5.0] {
                f.step_implicit(dt).unwrap();
            }
            f.species()
                .iter()
                .map(|p| f.concentration(p.species).unwrap().to_vec())
                .collect()
        })
    };
    let one = run(1);
    for t in [2, 3] {
        let other = run(t);
        for (a, b) in one.iter().zip(&other) {
            assert!(
                a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{t} threads differ from 1"
            );
        }
    }
}

#[test]
fn the_benchmark_problem_needs_four_iterations() {
    // D 100 um^2/s, dx 20 um, dt 0.01 min: r = 0.15, rho = 0.474, 1e-3 in 4 iterations.
    let dims = Dims::cube(8);
    let mut f = fields(
        dims,
        20.0,
        vec![params(Species::Il6, 100.0, 4.8e-4, Boundary::NoFlux)],
        1e-3,
    );
    let rep = f.step_implicit(0.6).unwrap();
    assert_eq!(rep.iterations, vec![4]);
    assert!((rep.r[0] - 0.15).abs() < 1e-12);
}
