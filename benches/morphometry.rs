//! Benchmarks of `trabecula::morphometry` on a 150³ trabecular-like volume (20% bone,
//! marrow spacing about 40 voxels), run on a 2-thread rayon pool: the full
//! [`measure`](trabecula::morphometry::measure) and its parts, plus the simple-point
//! test on random neighbourhoods.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use trabecula::grid::BoneMask;
use trabecula::morphometry::{self, Phase};

fn gyroid_foam(n: usize, period_vox: f64, bv_tv: f64) -> BoneMask {
    trabecula::lattice::synthetic::gyroid::gyroid_foam(n, period_vox, bv_tv, 10.0)
}

fn bench(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let mask = gyroid_foam(150, 64.0, 0.2);
    let m = pool.install(|| morphometry::measure(&mask));
    eprintln!("150^3 foam: {}", serde_json::to_string(&m).expect("json"));

    let mut g = c.benchmark_group("morphometry_150cube_2threads");
    g.sample_size(10);
    g.bench_function("measure", |b| {
        b.iter(|| pool.install(|| black_box(morphometry::measure(&mask))))
    });
    for phase in [Phase::Bone, Phase::Marrow] {
        g.bench_function(format!("squared_edt_{phase:?}").to_lowercase(), |b| {
            b.iter(|| pool.install(|| black_box(morphometry::squared_edt(&mask, phase))))
        });
        g.bench_function(format!("local_thickness_{phase:?}").to_lowercase(), |b| {
            b.iter(|| pool.install(|| black_box(morphometry::local_thickness(&mask, phase))))
        });
    }
    g.bench_function("euler_characteristic", |b| {
        b.iter(|| pool.install(|| black_box(morphometry::euler_characteristic(&mask))))
    });
    g.bench_function("bone_components", |b| {
        b.iter(|| black_box(morphometry::bone_components(&mask)))
    });
    g.finish();

    // The simple-point test on 4096 random neighbourhoods of mixed density.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let neighbourhoods: Vec<u32> = (0..4096)
        .map(|i| {
            let percent = [30, 50, 70][i % 3];
            (0..27).fold(1u32 << 13, |m, b| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                m | (u32::from(state % 100 < percent) << b)
            })
        })
        .collect();
    c.bench_function("is_simple_bits_x4096", |b| {
        b.iter(|| {
            neighbourhoods
                .iter()
                .filter(|&&n| morphometry::is_simple_bits(black_box(n)))
                .count()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
