//! The `[fields]` config section: defaults with their sources, units, ranges, the
//! either-or decay keys, boundary rules, and the round trip.

use std::path::Path;

use trabecula::config::fields::{BoundaryKind, FieldsConfig};
use trabecula::config::{self, ConfigError};

const BASE: &str = r#"
[lattice]
voxel_um = 20
side_mm = 1.0
[lattice.synthetic]
preset = "iliac_crest"
"#;

fn parse(extra: &str) -> Result<config::Config, ConfigError> {
    config::parse(
        &format!("{BASE}\n{extra}"),
        "test.toml",
        Path::new("."),
        &[],
    )
}

fn keys(err: &ConfigError) -> Vec<String> {
    err.problems().iter().map(|p| p.key.clone()).collect()
}

#[test]
fn an_absent_section_gives_the_literature_defaults() {
    let c = parse("").unwrap();
    let f = &c.fields;
    assert_eq!(f, &FieldsConfig::default());
    assert_eq!(f.coarsening, 2);
    assert_eq!(f.bone_diffusion_ratio, 0.0);
    // Pivonka et al. 2008: RANKL 10.13 /d, OPG 0.35 /d, TGF-beta 1 /d.
    assert_eq!(f.rankl.decay_per_day, 10.13);
    assert_eq!(f.opg.decay_per_day, 0.35);
    assert_eq!(f.tgfb.decay_per_day, 1.0);
    // Half-lives: IL-1 19 min, IL-6 0.4 h, TNF 1.2 h, denosumab 26 d.
    assert!((f.il1.half_life_h() - 19.0 / 60.0).abs() < 1e-12);
    assert!((f.il6.half_life_h() - 0.4).abs() < 1e-12);
    assert!((f.tnf.half_life_h() - 1.2).abs() < 1e-12);
    assert!((f.denosumab.half_life_h() - 26.0 * 24.0).abs() < 1e-9);
    assert_eq!(f.rankl.diffusion_um2_per_s, 30.0);
    assert_eq!(f.denosumab.diffusion_um2_per_s, 45.0);
    assert_eq!(f.rankl.boundary, BoundaryKind::NoFlux);
    assert_eq!(f.denosumab.boundary, BoundaryKind::Fixed);
    assert_eq!(f.denosumab.boundary_value_pm, Some(0.0));
    assert_eq!(f.binding.kd_rankl_opg_pm, 1000.0);
    assert_eq!(f.binding.kd_rankl_denosumab_pm, 3.0);
}

#[test]
fn species_keys_are_read_with_their_units() {
    let c = parse(
        r#"
[fields]
coarsening = 3
bone_diffusion_ratio = 0.01
steady_tolerance = 1e-8
[fields.rankl]
diffusion_um2_per_s = 25
half_life_h = 2.0
[fields.tnf]
decay_per_day = 12
boundary = "fixed"
boundary_value_pm = 3.5
[fields.binding]
kd_rankl_opg_pm = 100
"#,
    )
    .unwrap();
    let f = &c.fields;
    assert_eq!(f.coarsening, 3);
    assert_eq!(f.bone_diffusion_ratio, 0.01);
    assert_eq!(f.steady_tolerance, 1e-8);
    assert_eq!(f.rankl.diffusion_um2_per_s, 25.0);
    assert!((f.rankl.decay_per_day - std::f64::consts::LN_2 * 12.0).abs() < 1e-12);
    assert_eq!(f.tnf.decay_per_day, 12.0);
    assert_eq!(f.tnf.boundary, BoundaryKind::Fixed);
    assert_eq!(f.tnf.boundary_value_pm, Some(3.5));
    assert_eq!(f.binding.kd_rankl_opg_pm, 100.0);
    // Untouched species keep their defaults.
    assert_eq!(f.opg, FieldsConfig::default().opg);
    let again = config::parse(&c.to_toml(), "again.toml", Path::new("."), &[]).unwrap();
    assert_eq!(again, c, "round trip:\n{}", c.to_toml());
}

#[test]
fn every_bad_value_is_reported_with_its_key() {
    let err = parse(
        r#"
[fields]
coarsening = 0
bone_diffusion_ratio = 2
[fields.rankl]
diffusion_um2_per_s = -1
half_life_h = 1
decay_per_day = 10
[fields.opg]
boundary = "dirichlet"
[fields.il6]
boundary_value_pm = 5
[fields.tgfb]
decay_per_day = 0
[fields.binding]
kd_rankl_denosumab_pm = "three"
"#,
    )
    .unwrap_err();
    let k = keys(&err);
    for want in [
        "fields.coarsening",
        "fields.bone_diffusion_ratio",
        "fields.rankl.diffusion_um2_per_s",
        "fields.rankl.half_life_h",
        "fields.opg.boundary",
        "fields.il6.boundary_value_pm",
        "fields.tgfb.decay_per_day",
        "fields.binding.kd_rankl_denosumab_pm",
    ] {
        assert!(k.iter().any(|x| x == want), "{want} not reported: {err}");
    }
    let text = err.to_string();
    assert!(text.contains("[1, 8]"), "{text}");
    assert!(
        text.contains("is not one of \"no_flux\", \"fixed\""),
        "{text}"
    );
    assert!(
        text.contains("either decay_per_day or half_life_h"),
        "{text}"
    );
}

#[test]
fn unknown_keys_get_a_suggestion() {
    let err = parse("[fields.rankl]\ndiffusion_um2_per_sec = 20\n").unwrap_err();
    assert!(
        err.to_string()
            .contains("did you mean `fields.rankl.diffusion_um2_per_s`"),
        "{err}"
    );
    let err = parse("[fields.il17]\ndecay_per_day = 1\n").unwrap_err();
    assert_eq!(keys(&err), ["fields.il17"]);
}

#[test]
fn overrides_reach_the_fields_section() {
    let o: Vec<config::Override> = ["fields.opg.decay_per_day=0.7", "fields.coarsening=1"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let c = config::parse(BASE, "test.toml", Path::new("."), &o).unwrap();
    assert_eq!(c.fields.opg.decay_per_day, 0.7);
    assert_eq!(c.fields.coarsening, 1);
}
