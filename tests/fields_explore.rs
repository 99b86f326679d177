use trabecula::fields::*;
use trabecula::grid::Dims;
fn sponge(d: Dims, period: f64, seed: u64) -> Vec<f32> {
    // smooth random field: sum of cosines; bone where it exceeds a threshold
    let mut st = seed;
    let mut rnd = || {
        st = st
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (st >> 11) as f64 / (1u64 << 53) as f64
    };
    let waves: Vec<[f64; 4]> = (0..24)
        .map(|_| {
            let (a, b) = (rnd() * 2.0 - 1.0, rnd() * 2.0 - 1.0);
            let c = rnd() * 2.0 - 1.0;
            let n = (a * a + b * b + c * c).sqrt().max(1e-9);
            let k = 2.0 * std::f64::consts::PI / period;
            [k * a / n, k * b / n, k * c / n, rnd() * 6.3]
        })
        .collect();
    let mut v = vec![0f64; d.len()];
    for z in 0..d.nz {
        for y in 0..d.ny {
            for x in 0..d.nx {
                v[d.index(x, y, z)] = waves
                    .iter()
                    .map(|w| (w[0] * x as f64 + w[1] * y as f64 + w[2] * z as f64 + w[3]).cos())
                    .sum();
            }
        }
    }
    let mut s = v.clone();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let t = s[(0.8 * s.len() as f64) as usize];
    let t2 = s[(0.75 * s.len() as f64) as usize];
    v.iter()
        .map(|&x| {
            if x > t {
                0.0
            } else if x > t2 {
                ((t - x) / (t - t2)) as f32
            } else {
                1.0
            }
        })
        .collect()
}
#[test]
#[ignore]
fn explore_convergence() {
    for n in [48usize, 96] {
        let d = Dims::cube(n);
        let grid = FieldGrid::uniform(d, 40.0).unwrap();
        let ps: Vec<SpeciesParams> = [
            (Species::Rankl, 10.13),
            (Species::Opg, 0.35),
            (Species::Il1, 50.4),
            (Species::Tgfb, 1.0),
        ]
        .iter()
        .map(|&(s, l)| SpeciesParams {
            species: s,
            diffusion_um2_per_s: 30.0,
            decay_per_s: l / 86400.0,
            boundary: Boundary::NoFlux,
        })
        .collect();
        let mut f = Fields::new(
            grid,
            Geometry::marrow(d, 0.0),
            ps,
            SolverSettings {
                steady_tolerance: 1e-8,
                max_cycles: 40,
                ..Default::default()
            },
        )
        .unwrap();
        for geo in ["marrow", "sponge"] {
            if geo == "sponge" {
                f.set_marrow_fraction(sponge(d, 16.0, 7)).unwrap();
            }
            f.clear_sources();
            for sp in [Species::Rankl, Species::Opg, Species::Il1, Species::Tgfb] {
                f.add_background(sp, 1e-3).unwrap();
                for i in 0..(n * n * n / 100) {
                    let _ = f.secrete(
                        sp,
                        Position::Voxel([(i * 7919) % n, (i * 104729) % n, (i * 1299709) % n]),
                        10.0,
                    );
                }
                f.concentration_mut(sp).unwrap().fill(0.0);
            }
            f.reset_steady();
            let t = std::time::Instant::now();
            let r = f.solve_steady().unwrap();
            println!("n={n} {geo}: {:.2?}", t.elapsed());
            for (sp, s) in &r.species {
                println!(
                    "  {sp}: cycles {} hist {:?}",
                    s.cycles,
                    s.history
                        .iter()
                        .map(|h| format!("{h:.1e}"))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}
