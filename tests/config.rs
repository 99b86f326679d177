//! Configuration: validation reports every problem with key, line and valid range;
//! overrides are validated like the file; the validated form round-trips.

mod common;

use std::path::Path;

use common::{parse, parse_with};
use trabecula::config::{self, LatticeSource, Origin};

const GOOD: &str = r#"
[run]
seed = 7
[lattice]
voxel_um = 20
side_mm = 2.0
[lattice.synthetic]
preset = "femoral_head"
bv_tv = 0.22
"#;

#[test]
fn a_good_file_validates_and_round_trips() {
    let c = parse(GOOD).unwrap();
    assert_eq!(c.run.seed, 7);
    assert_eq!(c.lattice.voxel_um, Some(20.0));
    let LatticeSource::Synthetic(s) = &c.lattice.source else {
        panic!("synthetic expected")
    };
    assert_eq!(c.lattice.shape_voxels, Some([100, 100, 100]));
    assert_eq!(s.preset.as_deref(), Some("femoral_head"));
    assert_eq!(s.bv_tv, Some(0.22));
    let again = parse(&c.to_toml()).unwrap();
    assert_eq!(
        again,
        c,
        "validated TOML must validate back to the same config:\n{}",
        c.to_toml()
    );
}

#[test]
fn every_problem_is_reported_in_one_pass_with_lines() {
    let text = "[run]\nseed = -1\n[lattice]\nvoxel_um = 500\n[lattice.synthetic]\npreset = \"iliac\"\nbv_tv = 2\nanisotropy = \"high\"\n";
    let err = parse(text).unwrap_err();
    let p = err.problems();
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "run.seed",
            "lattice.voxel_um",
            "lattice.synthetic.preset",
            "lattice.synthetic.bv_tv",
            "lattice.synthetic.anisotropy"
        ],
        "{err}"
    );
    assert_eq!(p[1].origin, Origin::File(Some(4)));
    assert!(
        p[1].message.contains("[1, 100]"),
        "range named: {}",
        p[1].message
    );
    assert!(
        p[2].message.contains("did you mean \"iliac_crest\""),
        "{}",
        p[2].message
    );
    assert!(p[3].message.contains("(0, 0.6)"), "{}", p[3].message);
    assert!(p[4].message.contains("found string"), "{}", p[4].message);
}

#[test]
fn unknown_keys_suggest_the_nearest_valid_key() {
    let err = parse(
        &GOOD
            .replace("voxel_um", "voxel_mm")
            .replace("bv_tv", "bvtv"),
    )
    .unwrap_err();
    let msgs: Vec<String> = err.problems().iter().map(|p| p.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("`lattice.voxel_mm`")
                && m.contains("did you mean `lattice.voxel_um`")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("did you mean `lattice.synthetic.bv_tv`")),
        "{msgs:?}"
    );
    let err = parse(&format!("{GOOD}\n[output]\nfoo = 1\n")).unwrap_err();
    assert_eq!(
        err.problems().len(),
        1,
        "a whole unknown table is one problem: {err}"
    );
    assert_eq!(err.problems()[0].key, "output");
}

#[test]
fn overrides_are_validated_like_the_file() {
    let c = parse_with(GOOD, &["lattice.synthetic.bv_tv=0.3", "run.seed=99"]).unwrap();
    let LatticeSource::Synthetic(s) = &c.lattice.source else {
        panic!()
    };
    assert_eq!(s.bv_tv, Some(0.3));
    assert_eq!(c.run.seed, 99);
    let err = parse_with(
        GOOD,
        &[
            "lattice.synthetic.bv_tv=0.95",
            "lattice.synthetic.tb_th=0.1",
        ],
    )
    .unwrap_err();
    assert_eq!(err.problems().len(), 2, "{err}");
    assert!(
        err.problems()
            .iter()
            .all(|p| p.origin == Origin::CommandLine),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("did you mean `lattice.synthetic.tb_th_mm`"),
        "{err}"
    );
}

#[test]
fn cross_key_rules() {
    let no_preset = "[lattice]\n[lattice.synthetic]\nbv_tv = 0.2\n";
    let err = parse(no_preset).unwrap_err();
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert!(
        keys.contains(&"lattice.synthetic.tb_th_mm")
            && keys.contains(&"lattice.synthetic.tb_sp_mm"),
        "{err}"
    );
    let both = "[lattice]\nside_mm = 2\nshape_voxels = [10, 10, 10]\n[lattice.synthetic]\npreset = \"iliac_crest\"\n";
    assert!(parse(both).unwrap_err().to_string().contains("not both"));
    let spacing = "[lattice]\n[lattice.synthetic]\npreset = \"iliac_crest\"\ntb_sp_mm = 0.7\ntb_n_per_mm = 1.2\n";
    assert!(parse(spacing).unwrap_err().to_string().contains("not both"));
    let thin = "[lattice]\nvoxel_um = 40\n[lattice.synthetic]\npreset = \"iliac_crest\"\ntb_th_mm = 0.05\n";
    assert!(parse(thin)
        .unwrap_err()
        .to_string()
        .contains("under two voxels"));
    let neither = "[lattice]\nvoxel_um = 20\n";
    assert!(parse(neither)
        .unwrap_err()
        .to_string()
        .contains("missing source"));
}

#[test]
fn import_paths_resolve_against_the_config_and_must_exist() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let text = "[lattice]\n[lattice.import]\npath = \"fixtures/shrew_trabecular.nrrd\"\n";
    let c = config::parse(text, "t.toml", &dir, &[]).unwrap();
    let LatticeSource::Import(i) = &c.lattice.source else {
        panic!()
    };
    assert!(i.path.ends_with("fixtures/shrew_trabecular.nrrd") && i.path.is_file());
    assert_eq!(
        c.lattice.voxel_um, None,
        "imports keep their native spacing by default"
    );
    let again = config::parse(&c.to_toml(), "t.toml", Path::new("/"), &[]).unwrap();
    assert_eq!(again, c, "{}", c.to_toml());

    let missing = "[lattice]\n[lattice.import]\npath = \"nope.nrrd\"\n";
    assert!(config::parse(missing, "t.toml", &dir, &[])
        .unwrap_err()
        .to_string()
        .contains("file not found"));
    let raw = "[lattice]\n[lattice.import]\npath = \"fixtures/shrew_trabecular.nrrd\"\nformat = \"raw\"\n";
    assert!(config::parse(raw, "t.toml", &dir, &[])
        .unwrap_err()
        .to_string()
        .contains("[lattice.import.raw]"));
    let raw_ok = "[lattice]\nvoxel_um = 8.2\n[lattice.import]\npath = \"fixtures/shrew_trabecular.nrrd\"\nformat = \"raw\"\nthreshold = 128\n[lattice.import.raw]\nshape_voxels = [10, 10, 10]\ndtype = \"uint16\"\nendian = \"big\"\nspacing_um = [4, 4, 5]\nheader_bytes = 12\n";
    let c = config::parse(raw_ok, "t.toml", &dir, &[]).unwrap();
    assert_eq!(
        config::parse(&c.to_toml(), "t.toml", &dir, &[]).unwrap(),
        c,
        "{}",
        c.to_toml()
    );
}

#[test]
fn syntax_errors_name_the_file_and_line() {
    let err = parse("[run]\nseed = = 3\n").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("test.toml") && msg.contains("line 2"), "{msg}");
}

#[test]
fn every_shipped_config_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".toml") {
            continue;
        }
        if name.starts_with("sweep") {
            // A sweep file: it and every config it plans validate.
            let sweep = trabecula::sweep::file::load(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            trabecula::sweep::plan::build(&sweep)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        } else {
            config::load(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        n += 1;
    }
    assert!(n >= 1, "no configs found in {}", dir.display());
}

/// Every numeric leaf of `value` at dotted path `path` (`[[drug]]` entries as
/// `drug[i]`), like the config's own key paths.
fn numeric_keys(path: &str, value: &toml::Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                numeric_keys(&join(k), v, out);
            }
        }
        toml::Value::Array(items) if items.iter().all(toml::Value::is_table) => {
            for (i, item) in items.iter().enumerate() {
                numeric_keys(&format!("{path}[{i}]"), item, out);
            }
        }
        toml::Value::Array(items) if items.iter().all(|v| v.is_float() || v.is_integer()) => {
            out.push(path.to_string());
        }
        toml::Value::Float(_) | toml::Value::Integer(_) => out.push(path.to_string()),
        _ => {}
    }
}

#[test]
fn every_parameter_of_every_ready_config_has_a_declared_unit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".toml") || name.starts_with("sweep") {
            continue;
        }
        // With every default filled in: each key the schema has for this config.
        let text = config::load(&path, &[]).unwrap().to_toml();
        let units = config::units(&text).unwrap();
        let mut keys = Vec::new();
        let doc = toml::Value::Table(text.parse::<toml::Table>().unwrap());
        numeric_keys("", &doc, &mut keys);
        assert!(keys.len() > 80, "{name}: {} numeric keys", keys.len());
        for k in keys {
            let unit = units
                .get(&k)
                .unwrap_or_else(|| panic!("{name}: {k} has no unit"));
            assert!(!unit.is_empty(), "{name}: {k} has an empty unit");
            checked += 1;
        }
        assert!(
            !units.contains_key("lattice.synthetic.preset"),
            "text has no unit"
        );
    }
    assert!(checked > 0);
    let units = config::units(GOOD).unwrap();
    assert_eq!(
        units["cells.precursor.initiation_per_mm2_per_day"],
        "1/(mm^2 d)"
    );
    assert_eq!(units["fields.opg.diffusion_um2_per_s"], "um^2/s");
    assert_eq!(units["run.step_hours"], "h");
}
