//! Sources, uptake and geometry: positions map to the right field cell, units convert,
//! bad input is an error, and the geometry follows the lattice.

use trabecula::config::fields::FieldsConfig;
use trabecula::fields::{
    FieldError, FieldGrid, Fields, Geometry, Position, SolverSettings, Species, SpeciesParams,
};
use trabecula::grid::Dims;
use trabecula::lattice::Lattice;

/// A 10 x 9 x 7 lattice of 20 um voxels (odd extents: the last field cells are partial).
fn lattice() -> Lattice {
    let dims = Dims::new(10, 9, 7);
    let mut bone = vec![0.0f32; dims.len()];
    // A bone slab at z = 0..2 and one half-filled voxel.
    for z in 0..2 {
        for y in 0..dims.ny {
            for x in 0..dims.nx {
                bone[dims.index(x, y, z)] = 1.0;
            }
        }
    }
    bone[dims.index(9, 8, 6)] = 0.5;
    Lattice {
        dims,
        voxel_um: 20.0,
        bone_fraction: bone,
    }
}

fn fields() -> Fields {
    Fields::from_config(&FieldsConfig::default(), &lattice()).unwrap()
}

#[test]
fn the_grid_coarsens_the_lattice_and_the_geometry_averages_it() {
    let f = fields();
    let g = f.grid();
    assert_eq!(g.dims, Dims::new(5, 5, 4));
    assert_eq!(g.dx_um, 40.0);
    let phi = &f.geometry().marrow_fraction;
    // Field plane z = 0 covers lattice z = 0, 1: all bone.
    assert!(phi[..g.dims.plane()].iter().all(|&p| p == 0.0));
    // The last cell covers one lattice voxel in z (6), one in y (8), two in x (8, 9):
    // one of its two voxels is half bone.
    assert_eq!(phi[g.dims.index(4, 4, 3)], 0.75);
    assert_eq!(phi[g.dims.index(2, 2, 2)], 1.0);
    // Seven species, all zero, with the default parameters.
    assert_eq!(f.species().len(), 7);
    assert!(f
        .concentration(Species::Tgfb)
        .unwrap()
        .iter()
        .all(|&c| c == 0.0));
}

#[test]
fn secretion_lands_in_the_cell_holding_the_position_with_unit_conversion() {
    let mut f = fields();
    let d = f.grid().dims;
    // 1000 molecules/s into a 40 um cell: 1000 / (6.022e-4 * 64000) pM/s.
    f.secrete(Species::Rankl, Position::Voxel([5, 3, 4]), 1000.0)
        .unwrap();
    let expect = 1000.0 / (6.022_140_76e-4 * 64000.0);
    let s = f.source(Species::Rankl).unwrap();
    let i = d.index(2, 1, 2);
    assert!((f64::from(s[i]) - expect).abs() < 1e-6 * expect);
    assert_eq!(s.iter().filter(|&&v| v != 0.0).count(), 1);
    // The same cell by physical position (um).
    f.secrete(
        Species::Rankl,
        Position::PointUm([119.0, 41.0, 80.0]),
        1000.0,
    )
    .unwrap();
    let s = f.source(Species::Rankl).unwrap();
    assert!((f64::from(s[i]) - 2.0 * expect).abs() < 1e-6 * expect);
    // Uptake: a clearance of 640 um^3/s in a 64000 um^3 cell is 0.01 /s.
    f.take_up(Species::Opg, Position::Voxel([0, 0, 6]), 640.0)
        .unwrap();
    let k = f.uptake(Species::Opg).unwrap().unwrap();
    assert!((k[d.index(0, 0, 3)] - 0.01).abs() < 1e-9);
    assert!(f.uptake(Species::Il1).unwrap().is_none());
    // Background production in marrow only, scaled by the marrow fraction.
    f.add_background(Species::Il6, 2.0).unwrap();
    let s = f.source(Species::Il6).unwrap();
    assert_eq!(s[d.index(1, 1, 0)], 0.0);
    assert_eq!(s[d.index(4, 4, 3)], 1.5);
    assert_eq!(s[d.index(1, 1, 2)], 2.0);
    f.clear_sources();
    assert!(f.source(Species::Il6).unwrap().iter().all(|&v| v == 0.0));
    assert!(f
        .uptake(Species::Opg)
        .unwrap()
        .unwrap()
        .iter()
        .all(|&v| v == 0.0));
}

#[test]
fn bad_positions_and_rates_are_errors_not_panics() {
    let mut f = fields();
    let outside = [
        Position::Voxel([10, 0, 0]),
        Position::PointUm([-1.0, 5.0, 5.0]),
        Position::PointUm([5.0, 5.0, 1e9]),
        Position::PointUm([f64::NAN, 5.0, 5.0]),
    ];
    for at in outside {
        assert!(matches!(
            f.secrete(Species::Rankl, at, 1.0),
            Err(FieldError::OutsideDomain(_))
        ));
    }
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            f.secrete(Species::Rankl, Position::Voxel([0, 0, 0]), bad),
            Err(FieldError::BadValue { .. })
        ));
        assert!(f
            .take_up(Species::Rankl, Position::Voxel([0, 0, 0]), bad)
            .is_err());
        assert!(f.add_background(Species::Rankl, bad).is_err());
        assert!(f.step_implicit(bad).is_err());
        assert!(f.set_boundary_value(Species::Denosumab, bad).is_err());
    }
    assert!(f.step_implicit(0.0).is_err());
    // Only fixed-value species take a face value.
    assert!(f.set_boundary_value(Species::Rankl, 1.0).is_err());
    assert!(f.set_boundary_value(Species::Denosumab, 5800.0).is_ok());
    // A field set without a species.
    let grid = FieldGrid::uniform(Dims::cube(4), 40.0).unwrap();
    let p = SpeciesParams::of(Species::Il1, &FieldsConfig::default());
    let mut g = Fields::new(
        grid,
        Geometry::marrow(grid.dims, 0.0),
        vec![p],
        SolverSettings::default(),
    )
    .unwrap();
    assert!(matches!(
        g.secrete(Species::Opg, Position::Voxel([0, 0, 0]), 1.0),
        Err(FieldError::NoSuchSpecies(Species::Opg))
    ));
    assert!(
        g.update_geometry(&lattice()).is_err(),
        "lattice of another shape"
    );
}

#[test]
fn remodeling_updates_the_geometry_and_the_next_solve_sees_it() {
    let mut lat = lattice();
    let mut f = fields();
    f.add_background(Species::Tnf, 1e-3).unwrap();
    f.solve_steady().unwrap();
    let before = f.concentration(Species::Tnf).unwrap().to_vec();
    // Resorption removes the bone slab's upper layer (lattice z = 1): field plane 0
    // becomes half marrow.
    let d = lat.dims;
    for y in 0..d.ny {
        for x in 0..d.nx {
            lat.bone_fraction[d.index(x, y, 1)] = 0.0;
        }
    }
    f.update_geometry(&lat).unwrap();
    let g = f.grid().dims;
    assert_eq!(f.geometry().marrow_fraction[g.index(2, 2, 0)], 0.5);
    f.solve_steady().unwrap();
    let after = f.concentration(Species::Tnf).unwrap();
    // Plane 0 now conducts and holds TNF (its background source was set before the
    // change, when it was bone, so it has none of its own).
    assert_eq!(before[g.index(2, 2, 0)], 0.0);
    assert!(after[g.index(2, 2, 0)] > 0.0);
}

#[test]
fn a_tissue_level_is_the_steady_solution_throughout_the_marrow() {
    use trabecula::config::fields::BoundaryKind;
    use trabecula::fields::Boundary;
    let level_pm = 500.0;
    let fixed = FieldsConfig::default();
    assert_eq!(fixed.denosumab.boundary, BoundaryKind::Fixed);
    let mut no_flux = FieldsConfig::default();
    no_flux.denosumab.boundary = BoundaryKind::NoFlux;
    no_flux.denosumab.boundary_value_pm = None;
    for config in [fixed, no_flux] {
        let mut f = Fields::from_config(&config, &lattice()).unwrap();
        f.feed_tissue_level(Species::Denosumab, level_pm).unwrap();
        let k = f.index_of(Species::Denosumab).unwrap();
        let p = f.species()[k];
        if config.denosumab.boundary == BoundaryKind::Fixed {
            assert_eq!(p.boundary, Boundary::Fixed { value_pm: level_pm });
        } else {
            assert_eq!(p.boundary, Boundary::NoFlux);
        }
        // Production level * decay per marrow volume, scaled by the marrow fraction.
        let phi = f.geometry().marrow_fraction.clone();
        let source = f.source(Species::Denosumab).unwrap();
        for (&q, &m) in source.iter().zip(&phi) {
            let expect = (level_pm * p.decay_per_s) as f32 * m;
            assert!((q - expect).abs() <= 1e-6 * expect.abs(), "{q} vs {expect}");
        }
        f.solve_steady().unwrap();
        let c = f.concentration(Species::Denosumab).unwrap();
        for (&c, &m) in c.iter().zip(&phi) {
            if m > 0.0 {
                assert!((f64::from(c) / level_pm - 1.0).abs() < 1e-4, "{c} pM");
            }
        }
    }
}
