//! Tests of the synthetic trabecular generator.
use std::time::Instant;
use trabecula::grid::Dims;
use trabecula::lattice::synthetic::*;

#[test]
#[ignore]
fn scratch() {
    for p in Preset::ALL {
        for seed in 1..4 {
            let spec = p.spec(Dims::cube(150), 20.0, seed);
            let t = Instant::now();
            let (_l, r) = generate_with_report(&spec).unwrap();
            println!("{p} seed {seed}: {:?} {r}", t.elapsed());
        }
    }
}
