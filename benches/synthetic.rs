//! Generation time of the synthetic presets on a 3 mm cube at 20 um (150^3).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use trabecula::grid::Dims;
use trabecula::lattice::synthetic::{generate, Preset};

fn presets(c: &mut Criterion) {
    let mut group = c.benchmark_group("synthetic_150");
    group.sample_size(10);
    for preset in Preset::ALL {
        let spec = preset.spec(Dims::cube(150), 20.0, 1);
        group.bench_function(preset.name(), |b| {
            b.iter(|| generate(black_box(&spec)).expect("preset spec is valid"))
        });
    }
    group.finish();
}

criterion_group!(benches, presets);
criterion_main!(benches);
