//! The synthetic generator's own rules, checked on a validated config without
//! building anything, and reported at the key the user wrote.
//!
//! The generator needs a domain at least one node spacing wide along every axis
//! (`Tb.Sp + Tb.Th`, stretched along z by the anisotropy) and trabeculae at least
//! two voxels thick; with a preset, those depend on values the file never states.
//! [`check`] asks the generator itself ([`SyntheticSpec::validate`], arithmetic
//! only) and turns its answer into a [`Problem`](super::Problem) at `lattice.side_mm` or
//! `lattice.shape_voxels` (whichever the file gave), `lattice.voxel_um`, or the
//! `[lattice.synthetic]` key at fault, with the smallest (or largest) valid value.

use toml::{Table, Value};

use super::reader::{number, Reader};
use super::schema::{MAX_AXIS_VOXELS, MIN_AXIS_VOXELS};
use super::synthetic::{synthetic_spec, SyntheticError, SyntheticSpec, MIN_TB_TH_VOXELS};
use super::types::{Config, LatticeSource};

/// Which keys of `[lattice]` and `[lattice.synthetic]` the document gives.
struct Given<'d> {
    lattice: Option<&'d Table>,
    synthetic: Option<&'d Table>,
}

impl Given<'_> {
    fn new(doc: &Table) -> Given<'_> {
        let lattice = doc.get("lattice").and_then(Value::as_table);
        let synthetic = lattice
            .and_then(|t| t.get("synthetic"))
            .and_then(Value::as_table);
        Given { lattice, synthetic }
    }

    fn lattice(&self, key: &str) -> bool {
        self.lattice.is_some_and(|t| t.contains_key(key))
    }

    fn synthetic(&self, key: &str) -> bool {
        self.synthetic.is_some_and(|t| t.contains_key(key))
    }
}

/// Records on `reader` every rule of the synthetic generator that `config` breaks
/// (nothing for imported lattices). `doc` is the document `config` came from.
pub(crate) fn check(reader: &Reader<'_>, doc: &Table, config: &Config) {
    let LatticeSource::Synthetic(syn) = &config.lattice.source else {
        return;
    };
    let given = Given::new(doc);
    let (spec, preset) = match synthetic_spec(&config.lattice, syn, config.run.seed) {
        Ok(s) => s,
        Err(e) => {
            // Only Tb.N against the preset's Tb.Th can fail here (both given is a
            // schema rule).
            reader.problem("lattice.synthetic.tb_n_per_mm", e.to_string());
            return;
        }
    };
    let Err(err) = spec.validate() else {
        return;
    };
    let from = preset.map_or(String::new(), |p| format!(" of preset {}", p.name()));
    match err {
        SyntheticError::DomainTooSmall { .. } => domain_too_small(reader, &given, &spec, &from),
        SyntheticError::OutOfRange {
            field: "tb_th_mm", ..
        } => thin_for_voxels(reader, &given, &spec, &from),
        SyntheticError::OutOfRange { field, .. } => {
            let key = match field {
                "voxel_um" => "lattice.voxel_um".to_string(),
                // Too many nodes: the spacing, or the domain, is at fault.
                "tb_sp_mm" if given.synthetic("tb_n_per_mm") => {
                    "lattice.synthetic.tb_n_per_mm".to_string()
                }
                "tb_sp_mm" if !given.synthetic("tb_sp_mm") => shape_key(&given).to_string(),
                f => format!("lattice.synthetic.{f}"),
            };
            reader.problem(&key, err.to_string());
        }
        SyntheticError::DomainTooLarge { .. } => reader.problem(shape_key(&given), err.to_string()),
    }
}

/// The key that set the lattice's shape: `lattice.shape_voxels` when given, else
/// `lattice.side_mm` (given, or its default).
fn shape_key(given: &Given<'_>) -> &'static str {
    if given.lattice("shape_voxels") {
        "lattice.shape_voxels"
    } else {
        "lattice.side_mm"
    }
}

/// The domain is shorter than one node spacing along some axis.
fn domain_too_small(reader: &Reader<'_>, given: &Given<'_>, spec: &SyntheticSpec, from: &str) {
    let vox_mm = spec.voxel_um * 1e-3;
    let spacing = spec.node_spacing_mm();
    let dims = spec.dims.as_array();
    // Fewest voxels along each axis that hold one node spacing.
    let needed = spacing.map(|s| ((s / vox_mm) - 1e-9).ceil().max(MIN_AXIS_VOXELS as f64) as usize);
    let why = format!(
        "the generator needs at least one node spacing per axis, [{}] mm (Tb.Sp + Tb.Th = \
         {} mm{from}, stretched along z by anisotropy {})",
        spacing.map(|s| format!("{s:.3}")).join(", "),
        number(round6(spec.tb_sp_mm + spec.tb_th_mm)),
        number(spec.anisotropy),
    );
    let too_big = needed.iter().any(|&n| n > MAX_AXIS_VOXELS as usize);
    let remedy = |smallest: String| {
        if too_big {
            format!(
                "no shape of at most {MAX_AXIS_VOXELS} voxels per axis is that wide at {} um \
                 voxels: use larger voxels or a smaller lattice.synthetic.tb_sp_mm",
                number(spec.voxel_um)
            )
        } else {
            format!("{smallest}, or lower lattice.synthetic.tb_sp_mm")
        }
    };
    if given.lattice("shape_voxels") {
        let smallest: Vec<String> = dims
            .iter()
            .zip(needed)
            .map(|(&n, m)| n.max(m).to_string())
            .collect();
        reader.problem(
            "lattice.shape_voxels",
            format!(
                "[{}] voxels of {} um is [{}] mm; {why}; {}",
                dims.map(|n| n.to_string()).join(", "),
                number(spec.voxel_um),
                dims.map(|n| number(round6(n as f64 * vox_mm))).join(", "),
                remedy(format!(
                    "the smallest valid shape_voxels is [{}]",
                    smallest.join(", ")
                )),
            ),
        );
    } else {
        let side = if given.lattice("side_mm") {
            format!("{} mm", number(round6(dims[0] as f64 * vox_mm)))
        } else {
            format!(
                "the default side, {} mm,",
                number(round6(dims[0] as f64 * vox_mm))
            )
        };
        let n = needed.into_iter().max().unwrap_or(MIN_AXIS_VOXELS as usize);
        reader.problem(
            "lattice.side_mm",
            format!(
                "{side} at {} um voxels is too small: {why}; {}",
                number(spec.voxel_um),
                remedy(format!(
                    "the smallest valid side_mm is {} ({n} voxels)",
                    number(round6(n as f64 * vox_mm))
                )),
            ),
        );
    }
}

/// Trabeculae (of a preset: a given Tb.Th is a schema rule) thinner than two voxels.
fn thin_for_voxels(reader: &Reader<'_>, given: &Given<'_>, spec: &SyntheticSpec, from: &str) {
    let largest_um = round6(spec.tb_th_mm * 1e3 / MIN_TB_TH_VOXELS);
    let message = format!(
        "{} um is too coarse for Tb.Th = {} mm{from}: the generator needs trabeculae at \
         least {MIN_TB_TH_VOXELS} voxels thick; the largest valid voxel_um is {} (or set \
         lattice.synthetic.tb_th_mm)",
        number(spec.voxel_um),
        number(spec.tb_th_mm),
        number(largest_um),
    );
    if given.synthetic("tb_th_mm") {
        reader.problem("lattice.synthetic.tb_th_mm", message);
    } else {
        reader.problem("lattice.voxel_um", message);
    }
}

/// `x` rounded to six decimals, so that `57 * 0.02` prints as `1.14`.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_checked};
    use std::path::Path;

    fn problems(text: &str, set: &[&str]) -> String {
        let o: Vec<_> = set.iter().map(|s| s.parse().unwrap()).collect();
        assert!(parse(text, "t.toml", Path::new("."), &o).is_ok());
        parse_checked(text, "t.toml", Path::new("."), &o)
            .unwrap_err()
            .to_string()
    }

    const ILIAC: &str = "[lattice]\nvoxel_um = 20\nside_mm = 1.4\n\n[lattice.synthetic]\npreset = \"iliac_crest\"\n";

    #[test]
    fn a_small_side_names_side_mm_its_line_and_the_smallest_valid_side() {
        let text = ILIAC.replace("1.4", "1.0");
        let e = problems(&text, &[]);
        assert!(
            e.contains("line 3: `lattice.side_mm`: 1 mm at 20 um voxels"),
            "{e}"
        );
        // Node spacing along z: (0.78 + 0.17) * 1.3^(2/3) = 1.1316 mm, 57 voxels.
        assert!(
            e.contains("smallest valid side_mm is 1.14 (57 voxels)"),
            "{e}"
        );
        assert!(!e.contains("dims."), "{e}");
        let e = problems(ILIAC, &["lattice.side_mm=0.4"]);
        assert!(e.contains("--set `lattice.side_mm`: 0.4 mm"), "{e}");
    }

    #[test]
    fn a_small_shape_names_shape_voxels() {
        let text = ILIAC.replace("side_mm = 1.4", "shape_voxels = [70, 70, 40]");
        let e = problems(&text, &[]);
        assert!(e.contains("line 3: `lattice.shape_voxels`"), "{e}");
        assert!(
            e.contains("smallest valid shape_voxels is [70, 70, 57]"),
            "{e}"
        );
    }

    #[test]
    fn coarse_voxels_for_a_preset_name_voxel_um() {
        let e = problems(ILIAC, &["lattice.voxel_um=90", "lattice.side_mm=5"]);
        assert!(
            e.contains("--set `lattice.voxel_um`: 90 um is too coarse"),
            "{e}"
        );
        assert!(e.contains("largest valid voxel_um is 85"), "{e}");
    }
}
