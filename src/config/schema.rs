//! The one place raw TOML becomes a validated [`Config`]: every key, its unit, its
//! range, its default and the cross-key rules live here.
//!
//! Ranges are wide enough for any sensible study and narrow enough to catch unit
//! mistakes (a voxel of 0.02 written where micrometres are meant, say).

use std::path::{Path, PathBuf};

use toml::Table;

use super::reader::{Range, Reader, Section};
use super::synthetic;
use super::types::*;

/// Names of the synthetic presets (reference morphometry: Hildebrand et al., JBMR 1999;
/// Rubin et al., Bone 2010).
pub const PRESET_NAMES: [&str; 3] = ["iliac_crest", "lumbar_vertebra", "femoral_head"];

/// Largest lattice extent along one axis, voxels (a 1024^3 lattice of f32 is 4 GiB).
pub const MAX_AXIS_VOXELS: i64 = 1024;
/// Smallest lattice extent along one axis, voxels.
pub const MIN_AXIS_VOXELS: i64 = 8;

const VOXEL_UM: Range = Range::closed(1.0, 100.0);
const DEFAULT_VOXEL_UM: f64 = 20.0;
const DEFAULT_SIDE_MM: f64 = 3.0;

/// Validates a parsed document. `base_dir` resolves relative file paths.
pub fn validate(reader: &Reader<'_>, root: &Table, base_dir: &Path) -> Option<Config> {
    let top = reader.section("", Some(root));
    let run = run_section(&top.table("run"));
    let lattice = lattice_section(&top.table("lattice"), base_dir);
    let fields = super::fields::fields_section(&top.table("fields"));
    let estrogen = super::estrogen::estrogen_section(&top.table("estrogen"));
    let cells = super::cells::cells_section(&top.table("cells"));
    let pharmacology = super::drugs::pharmacology_section(&top.table("pharmacology"));
    let clinical = super::clinical::clinical_section(&top.table("clinical"));
    let drugs = super::drugs::drug_entries(&top);
    Some(Config {
        run: run?,
        lattice: lattice?,
        fields: fields?,
        estrogen: estrogen?,
        cells: cells?,
        pharmacology: pharmacology?,
        clinical: clinical?,
        drugs: drugs?,
    })
}

fn run_section(s: &Section<'_, '_>) -> Option<RunConfig> {
    // Default seed 1: any fixed value will do, it is recorded in every output file.
    let seed = s.int("seed", "1", 0, i64::MAX, Some(1));
    let days = s.int("days", "d", 1, MAX_DAYS, Some(365));
    let spinup = s.int("spinup_days", "d", 0, MAX_DAYS, Some(0));
    let step_hours = s.int("step_hours", "h", 1, 24, Some(24));
    if let Some(h) = step_hours {
        if 24 % h != 0 {
            s.problem(
                "step_hours",
                format!("{h} does not divide a day; use one of 1, 2, 3, 4, 6, 8, 12, 24"),
            );
        }
    }
    let measure = s.int("measure_every_days", "d", 1, MAX_DAYS, Some(30));
    let snapshot = s.int("snapshot_every_days", "d", 0, MAX_DAYS, Some(0));
    let structure = s.int("structure_every_days", "d", 0, MAX_DAYS, measure);
    if let (Some(m), Some(k)) = (measure, structure) {
        if k % m != 0 {
            s.problem(
                "structure_every_days",
                format!(
                    "{k} is not a multiple of run.measure_every_days ({m}); structure is \
                     measured on time-series rows: use 0 (never) or a multiple of {m}"
                ),
            );
        }
    }
    let solve_every = s.int("field_solve_every_steps", "1", 1, 1000, Some(1));
    // A year of simulated time: minutes of wall time on a few-mm cube, so a killed
    // run loses little, while a checkpoint (about the size of a snapshot plus the
    // fields) costs far less than the steps between two of them.
    let checkpoint = s.int("checkpoint_every_days", "d", 0, MAX_DAYS, Some(365));
    let step_hours = step_hours.filter(|h| 24 % h == 0);
    Some(RunConfig {
        seed: seed? as u64,
        days: days? as u32,
        spinup_days: spinup? as u32,
        step_hours: step_hours? as u32,
        measure_every_days: measure? as u32,
        snapshot_every_days: snapshot? as u32,
        structure_every_days: structure? as u32,
        field_solve_every_steps: solve_every? as u32,
        checkpoint_every_days: checkpoint? as u32,
    })
}

/// Longest span of simulated days a run can ask for (a century).
const MAX_DAYS: i64 = 36_500;

fn lattice_section(s: &Section<'_, '_>, base_dir: &Path) -> Option<LatticeConfig> {
    if !s.is_present() {
        s.problem(
            "",
            "missing table [lattice]: give [lattice.synthetic] or [lattice.import]",
        );
    }
    let voxel_um = s.opt_f64("voxel_um", "um", VOXEL_UM);
    let voxel_bad = s.has("voxel_um") && voxel_um.is_none();
    let synthetic = s.table("synthetic");
    let import = s.table("import");
    let mut shape_voxels = None;
    let (voxel_um, source) = match (synthetic.is_present(), import.is_present()) {
        (true, true) => {
            s.problem(
                "import",
                "give either [lattice.synthetic] or [lattice.import], not both",
            );
            (voxel_um, None)
        }
        (false, false) => {
            if s.is_present() {
                s.problem(
                    "",
                    "missing source: add a [lattice.synthetic] or a [lattice.import] table",
                );
            }
            (voxel_um, None)
        }
        (true, false) => {
            // A synthetic lattice needs a voxel size; the default is the standard 20 um.
            let voxel_um = voxel_um.unwrap_or(DEFAULT_VOXEL_UM);
            shape_voxels = lattice_shape(s, voxel_um);
            let source = synthetic_section(&synthetic, voxel_um).map(LatticeSource::Synthetic);
            (Some(voxel_um), source)
        }
        (false, true) => {
            for key in ["side_mm", "shape_voxels"] {
                if s.has(key) {
                    s.problem(
                        key,
                        "applies to synthetic lattices only; an imported volume has its own shape",
                    );
                }
            }
            (
                voxel_um,
                import_section(&import, base_dir).map(LatticeSource::Import),
            )
        }
    };
    if voxel_bad {
        return None;
    }
    Some(LatticeConfig {
        voxel_um,
        shape_voxels,
        source: source?,
    })
}

/// The synthetic lattice's shape from `shape_voxels`, or a cube of `side_mm`.
fn lattice_shape(lattice: &Section<'_, '_>, voxel_um: f64) -> Option<[usize; 3]> {
    let side_mm = lattice.opt_f64("side_mm", "mm", Range::open_closed(0.0, 50.0));
    let shape = lattice.int_array::<3>("shape_voxels", "voxel", MIN_AXIS_VOXELS, MAX_AXIS_VOXELS);
    match (lattice.has("side_mm"), lattice.has("shape_voxels")) {
        (true, true) => {
            lattice.problem(
                "shape_voxels",
                "give either side_mm or shape_voxels, not both",
            );
            None
        }
        (false, true) => shape.map(|a| a.map(|v| v as usize)),
        (true, false) => side_mm.and_then(|mm| cube_shape(lattice, mm, voxel_um)),
        (false, false) => cube_shape(lattice, DEFAULT_SIDE_MM, voxel_um),
    }
}

fn synthetic_section(s: &Section<'_, '_>, voxel_um: f64) -> Option<SyntheticConfig> {
    let preset = s.choice("preset", &PRESET_NAMES, None).map(str::to_string);
    let bv_tv = s.opt_f64("bv_tv", "1", Range::open(0.0, synthetic::MAX_BV_TV));
    let tb_th_mm = s.opt_f64("tb_th_mm", "mm", Range::closed(0.02, 1.0));
    let tb_sp_mm = s.opt_f64("tb_sp_mm", "mm", Range::closed(0.05, 5.0));
    let tb_n_per_mm = s.opt_f64("tb_n_per_mm", "1/mm", Range::closed(0.2, 10.0));
    let anisotropy = s.opt_f64(
        "anisotropy",
        "1",
        Range::closed(1.0, synthetic::MAX_ANISOTROPY),
    );
    let plate_fraction = s.opt_f64("plate_fraction", "1", Range::closed(0.0, 1.0));
    let thickness_cv = s.opt_f64(
        "thickness_cv",
        "1",
        Range::closed(0.0, synthetic::MAX_THICKNESS_CV),
    );
    if s.has("tb_sp_mm") && s.has("tb_n_per_mm") {
        s.problem(
            "tb_n_per_mm",
            "give either tb_sp_mm or tb_n_per_mm, not both",
        );
    }
    if !s.has("preset") {
        for key in ["bv_tv", "tb_th_mm"] {
            if !s.has(key) {
                s.problem(
                    key,
                    format!(
                        "required without a preset (or set `preset`, one of {})",
                        PRESET_NAMES.join(", ")
                    ),
                );
            }
        }
        if !s.has("tb_sp_mm") && !s.has("tb_n_per_mm") {
            s.problem(
                "tb_sp_mm",
                "required without a preset: give tb_sp_mm or tb_n_per_mm",
            );
        }
    }
    if let (Some(th), Some(n)) = (tb_th_mm, tb_n_per_mm) {
        if 1.0 / n <= th {
            s.problem("tb_n_per_mm", format!("1/tb_n_per_mm = {:.3} mm must exceed tb_th_mm = {th} mm (spacing = 1/Tb.N - Tb.Th)", 1.0 / n));
        }
    }
    if let Some(th) = tb_th_mm {
        if th * 1000.0 < 2.0 * voxel_um {
            s.problem("tb_th_mm", format!("{th} mm is under two voxels of {voxel_um} um; use a smaller lattice.voxel_um or a thicker Tb.Th"));
        }
    }
    // Bad values are already reported; the caller discards the config when any are.
    Some(SyntheticConfig {
        preset,
        bv_tv,
        tb_th_mm,
        tb_sp_mm,
        tb_n_per_mm,
        anisotropy,
        plate_fraction,
        thickness_cv,
    })
}

fn cube_shape(lattice: &Section<'_, '_>, side_mm: f64, voxel_um: f64) -> Option<[usize; 3]> {
    let n = (side_mm * 1000.0 / voxel_um).round();
    if n < MIN_AXIS_VOXELS as f64 || n > MAX_AXIS_VOXELS as f64 {
        lattice.problem(
            "side_mm",
            format!(
                "{side_mm} mm at {voxel_um} um is {n} voxels per side; valid is [{MIN_AXIS_VOXELS}, {MAX_AXIS_VOXELS}] voxels"
            ),
        );
        return None;
    }
    Some([n as usize; 3])
}

/// Sample types `[lattice.import] dtype` accepts for raw volumes.
pub const DTYPES: [&str; 8] = [
    "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64",
];

fn import_section(s: &Section<'_, '_>, base_dir: &Path) -> Option<ImportConfig> {
    let path = s.string("path");
    if !s.has("path") {
        s.problem(
            "path",
            "required: the micro-CT volume to import (.nrrd, .nhdr or raw binary)",
        );
    }
    let path = path.map(|p| resolve(base_dir, &p));
    let usable = path.as_ref().is_some_and(|p| match path_problem(p) {
        Some(why) => {
            s.problem("path", why);
            false
        }
        None => true,
    });
    // The format follows the extension of a usable file only: a directory or a
    // missing file is reported once, as such, not also as a raw volume.
    let by_extension =
        path.as_ref()
            .filter(|_| usable)
            .map(|p| match p.extension().and_then(|e| e.to_str()) {
                Some("nrrd") | Some("nhdr") => "nrrd",
                _ => "raw",
            });
    let format = s.choice("format", &["nrrd", "raw"], by_extension);
    let threshold = threshold_value(s);
    let raw_table = s.table("raw");
    let raw = if raw_table.is_present() {
        raw_section(&raw_table)
    } else {
        None
    };
    match format {
        Some("raw") if !raw_table.is_present() => {
            s.problem("raw", "a raw volume needs [lattice.import.raw] with shape_voxels, dtype, endian and spacing_um")
        }
        Some("nrrd") if raw_table.is_present() => {
            s.problem("raw", "[lattice.import.raw] applies to raw volumes only; a NRRD header carries its own shape")
        }
        _ => {}
    }
    let format = match format? {
        "nrrd" => ImportFormat::Nrrd,
        _ => ImportFormat::Raw(raw?),
    };
    Some(ImportConfig {
        path: path?,
        format,
        threshold: threshold?,
    })
}

/// What is wrong with `p` as the volume to import, if anything.
fn path_problem(p: &Path) -> Option<String> {
    if p.is_file() {
        None
    } else if p.is_dir() {
        Some(format!(
            "{} is a directory; give the volume file inside it (.nrrd, .nhdr or raw binary)",
            p.display()
        ))
    } else if p.exists() {
        Some(format!("{} is not a regular file", p.display()))
    } else {
        Some(format!("file not found: {}", p.display()))
    }
}

fn threshold_value(s: &Section<'_, '_>) -> Option<ThresholdConfig> {
    if !s.has("threshold") {
        return Some(ThresholdConfig::Otsu);
    }
    if let Some(toml::Value::String(_)) = s.raw_value("threshold") {
        return s
            .choice("threshold", &["otsu"], None)
            .map(|_| ThresholdConfig::Otsu);
    }
    s.f64(
        "threshold",
        "sample value",
        Range::closed(f64::MIN, f64::MAX),
        None,
    )
    .map(ThresholdConfig::Value)
}

fn raw_section(s: &Section<'_, '_>) -> Option<RawConfig> {
    let shape = s.int_array::<3>("shape_voxels", "voxel", 1, 1 << 16);
    let dtype = s.choice("dtype", &DTYPES, None);
    let endian = s.choice("endian", &["little", "big"], Some("little"));
    let spacing = s.f64_array::<3>("spacing_um", "um", Range::open_closed(0.0, 1e4));
    let header_bytes = s.int("header_bytes", "byte", 0, i64::MAX, Some(0));
    for key in ["shape_voxels", "dtype", "spacing_um"] {
        if !s.has(key) {
            s.problem(key, "required for a raw volume");
        }
    }
    Some(RawConfig {
        shape_voxels: shape?.map(|v| v as usize),
        dtype: dtype?.to_string(),
        big_endian: endian? == "big",
        spacing_um: spacing?,
        header_bytes: header_bytes? as u64,
    })
}

fn resolve(base_dir: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base_dir.join(p)
    }
}
