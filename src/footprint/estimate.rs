//! Peak-memory estimates of the commands, phase by phase, from a validated config
//! or a volume's header, before anything big is allocated.

use std::path::Path;

use crate::config::{Config, ImportFormat, LatticeSource};
use crate::grid::Dims;
use crate::lattice::import::{self, DType, ImportError, RawSpec, ISOTROPY_TOLERANCE};
use crate::lattice::synthetic::PRESET_THICKNESS_CV;

use super::origin::{describe, ConfigSource};
use super::terms::*;
use super::{Estimate, Phase, Term};

/// What a config is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// `trabecula lattice`: build, measure, write the lattice.
    Lattice,
    /// `trabecula run` and `sweep run`: build, measure, simulate with snapshots and
    /// checkpoints (a stop by signal writes one whatever the schedule).
    Run,
    /// `trabecula resume`: restore a checkpoint, then simulate as a run.
    Resume,
    /// `trabecula validate`: runs in memory (no HDF5, no checkpoints, no structure
    /// rows), `runs_at_once` of them side by side.
    Validate {
        /// Runs in flight at once.
        runs_at_once: usize,
    },
}

/// A volume on disk as its header describes it.
#[derive(Clone, Copy, Debug)]
struct VolumeShape {
    dims: Dims,
    dtype: DType,
    spacing_um: [f64; 3],
}

fn voxels(d: Dims) -> f64 {
    d.nx as f64 * d.ny as f64 * d.nz as f64
}

fn term(name: &str, bytes: f64) -> Term {
    Term {
        name: name.to_string(),
        bytes,
    }
}

/// Cells of the resampled grid along each axis, as `import::resample` computes them.
fn resampled(n: [usize; 3], spacing_um: [f64; 3], target_um: f64) -> [usize; 3] {
    let mut m = [1usize; 3];
    for a in 0..3 {
        let q = n[a] as f64 * spacing_um[a] / target_um;
        let r = q.round();
        let cells = if (q - r).abs() <= 1e-6 * r.max(1.0) {
            r
        } else {
            q.floor()
        };
        m[a] = cells.max(1.0) as usize;
    }
    m
}

/// The voxel size an import resamples to (`None`: taken as it is), as
/// `import::import_lattice` decides: the configured size, else the finest spacing
/// of an anisotropic volume.
fn import_target(v: &VolumeShape, voxel_um: Option<f64>) -> Option<f64> {
    let max = v
        .spacing_um
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let min = v.spacing_um.iter().copied().fold(f64::INFINITY, f64::min);
    match voxel_um {
        Some(t) => Some(t),
        None if max - min <= ISOTROPY_TOLERANCE * max => None,
        None => Some(min),
    }
}

/// Phases of reading, segmenting and resampling a volume to `target` um (`None`:
/// masked as it is), and the lattice shape they give. `keep_grey` when the grey copy
/// lives through the mask (as in `measure`).
fn import_phases(v: &VolumeShape, target: Option<f64>, keep_grey: bool) -> (Vec<Phase>, Dims) {
    let nf = voxels(v.dims);
    let sample = v.dtype.size_bytes() as f64;
    let mut phases = vec![
        Phase::new(
            "read volume",
            vec![
                term("file samples", sample * nf),
                term("grey values f32", 4.0 * nf),
            ],
        ),
        Phase::new(
            "segment",
            vec![term("grey values f32", 4.0 * nf), term("binary volume", nf)],
        ),
    ];
    let n = v.dims.as_array();
    let out = match target {
        None => {
            // `measure` keeps the grey values and makes no f32 lattice; an import
            // has dropped the grey values and makes the lattice from the mask.
            let f32_copy = if keep_grey {
                term("grey values f32", 4.0 * nf)
            } else {
                term("lattice f32", LATTICE * nf)
            };
            let terms = vec![term("binary volume", nf), term("mask", nf), f32_copy];
            phases.push(Phase::new("mask", terms));
            v.dims
        }
        Some(t) => {
            let m = resampled(n, v.spacing_um, t);
            let t1 = m[0] as f64 * n[1] as f64 * n[2] as f64;
            let t2 = m[0] as f64 * m[1] as f64 * n[2] as f64;
            let out = m[0] as f64 * m[1] as f64 * m[2] as f64;
            phases.push(Phase::new(
                "resample",
                vec![
                    term("binary volume", nf),
                    term("resampling passes f32", 4.0 * (t1 + t2).max(t2 + out)),
                ],
            ));
            Dims::new(m[0], m[1], m[2])
        }
    };
    (phases, out)
}

/// The volume a config imports, from its header or its `[lattice.import.raw]`;
/// `None` when the header cannot be read (the import reports why).
fn config_volume(config: &Config) -> Option<VolumeShape> {
    let LatticeSource::Import(i) = &config.lattice.source else {
        return None;
    };
    match &i.format {
        ImportFormat::Nrrd => {
            let (dims, dtype, spacing_um) = import::read_nrrd_shape(&i.path).ok()?;
            Some(VolumeShape {
                dims,
                dtype,
                spacing_um,
            })
        }
        ImportFormat::Raw(r) => Some(VolumeShape {
            dims: Dims::new(r.shape_voxels[0], r.shape_voxels[1], r.shape_voxels[2]),
            dtype: r.dtype.parse().ok()?,
            spacing_um: r.spacing_um,
        }),
    }
}

fn volume_line(v: &VolumeShape) -> String {
    let d = v.dims;
    let [sx, sy, sz] = v.spacing_um;
    format!(
        "{} x {} x {} {} samples at {sx} x {sy} x {sz} um",
        d.nx, d.ny, d.nz, v.dtype
    )
}

/// The phases that build the lattice of `config` and its shape; `None` when an
/// imported volume's header cannot be read.
fn build_phases(config: &Config) -> Option<(Vec<Phase>, Dims, Option<String>)> {
    match &config.lattice.source {
        LatticeSource::Synthetic(s) => {
            let [nx, ny, nz] = config.lattice.shape_voxels?;
            let dims = Dims::new(nx, ny, nz);
            let n = voxels(dims);
            let mut terms = vec![term("labels and mask", GENERATOR * n)];
            if s.thickness_cv.unwrap_or(PRESET_THICKNESS_CV) > 0.0 {
                terms = vec![term("masks and a thickness map", GENERATOR_THICKNESS * n)];
            }
            Some((vec![Phase::new("generate lattice", terms)], dims, None))
        }
        LatticeSource::Import(_) => {
            let v = config_volume(config)?;
            let target = import_target(&v, config.lattice.voxel_um);
            let (phases, dims) = import_phases(&v, target, false);
            Some((phases, dims, Some(volume_line(&v))))
        }
    }
}

/// Field cells of a lattice of `dims` coarsened by `c`.
fn field_cells(dims: Dims, c: usize) -> f64 {
    let c = c.max(1);
    (dims.nx.div_ceil(c) * dims.ny.div_ceil(c) * dims.nz.div_ceil(c)) as f64
}

/// The world a simulation holds between steps.
fn world_terms(n: f64, cells: f64) -> Vec<Term> {
    vec![
        term(
            "lattice, mask, voxel memory, surface",
            (LATTICE + MASK + VOXEL_MEMORY + SURFACE_LISTS) * n,
        ),
        term("fields", FIELDS_PER_CELL * cells),
        term("field-grid state", WORLD_PER_CELL * cells),
        term("steady solver", MULTIGRID_PER_CELL * cells),
    ]
}

fn with(mut base: Vec<Term>, more: Vec<Term>) -> Vec<Term> {
    base.extend(more);
    base
}

/// The estimate for `workload` on `config`; `None` when the lattice's size cannot be
/// known without reading data (an imported volume whose header cannot be read: the
/// import itself then reports the problem).
pub fn for_config(
    config: &Config,
    workload: Workload,
    source: &ConfigSource<'_>,
) -> Option<Estimate> {
    let (mut phases, dims, volume) = build_phases(config)?;
    let n = voxels(dims);
    let cells = field_cells(dims, config.fields.coarsening);
    let world = world_terms(n, cells);
    let lattice_and_mask = vec![term("lattice f32", LATTICE * n), term("mask", MASK * n)];
    let morphometry = term("morphometry", MORPHOMETRY * n);
    let state = STATE_PER_VOXEL * n + STATE_PER_CELL * cells;
    let command = match workload {
        Workload::Lattice => {
            phases.push(Phase::new(
                "morphometry",
                with(lattice_and_mask.clone(), vec![morphometry]),
            ));
            phases.push(Phase::new(
                "write lattice",
                with(
                    lattice_and_mask,
                    vec![term("HDF5 staging", VOLUME_WRITE * n)],
                ),
            ));
            "lattice"
        }
        Workload::Run | Workload::Resume => {
            if workload == Workload::Resume {
                phases = vec![Phase::new(
                    "restore checkpoint",
                    with(
                        world.clone(),
                        vec![term("checkpoint read and decoded", 2.0 * state)],
                    ),
                )];
            } else {
                phases.push(Phase::new(
                    "initial morphometry",
                    with(lattice_and_mask, vec![morphometry.clone()]),
                ));
            }
            phases.push(Phase::new(
                "structure row",
                with(world.clone(), vec![morphometry]),
            ));
            phases.push(Phase::new(
                "snapshot",
                with(
                    world.clone(),
                    vec![term("HDF5 staging", SNAPSHOT_WRITE.max(THICKNESS) * n)],
                ),
            ));
            phases.push(Phase::new(
                "checkpoint",
                with(
                    world,
                    vec![
                        term("field state copy", STATE_CLONE_PER_CELL * cells),
                        term("encoded state and its HDF5 copies", STATE_COPIES * state),
                    ],
                ),
            ));
            if workload == Workload::Resume {
                "resume"
            } else {
                "run"
            }
        }
        Workload::Validate { runs_at_once } => {
            phases.push(Phase::new(
                "simulation",
                with(world, vec![term("load check (bone components)", 14.0 * n)]),
            ));
            let k = runs_at_once.max(1) as f64;
            for p in &mut phases {
                for t in &mut p.terms {
                    t.bytes *= k;
                }
                p.name = "runs side by side";
            }
            "validate"
        }
    };
    Some(Estimate {
        command: command.to_string(),
        size: describe(config, source, volume.as_deref()),
        voxels: n as u64,
        phases,
    })
}

/// The estimate for `measure` of a NRRD or raw volume, from its header (or the raw
/// flags): read, segment, mask, morphometry.
pub fn for_volume(path: &Path, raw: Option<&RawSpec>) -> Result<Estimate, ImportError> {
    let v = match raw {
        Some(r) if !is_nrrd(path) => VolumeShape {
            dims: Dims::new(r.shape[0], r.shape[1], r.shape[2]),
            dtype: r.dtype,
            spacing_um: r.spacing_um,
        },
        _ => {
            let (dims, dtype, spacing_um) = import::read_nrrd_shape(path)?;
            VolumeShape {
                dims,
                dtype,
                spacing_um,
            }
        }
    };
    // `measure` takes the volume as it is (it does not resample).
    let (mut phases, _) = import_phases(&v, None, true);
    let n = voxels(v.dims);
    phases.push(Phase::new(
        "morphometry",
        vec![term("mask", MASK * n), term("morphometry", MORPHOMETRY * n)],
    ));
    Ok(Estimate {
        command: "measure".into(),
        size: format!("{}: {}", path.display(), volume_line(&v)),
        voxels: n as u64,
        phases,
    })
}

/// Whether `path` names a NRRD file (by extension, as `import::read_volume` decides).
pub fn is_nrrd(path: &Path) -> bool {
    matches!(
        path.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref(),
        Some("nrrd" | "nhdr")
    )
}
