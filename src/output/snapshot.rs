//! Writing voxel volumes: the initial lattice (`/lattice`) and the snapshots
//! (`/snapshots/day_NNNNN`).
//!
//! A volume is a float32 dataset of shape `[nz, ny, nx]`: the lattice's own storage
//! order (x fastest) is C order for that shape, so voxel `(x, y, z)` is element
//! `[z][y][x]` in h5py/numpy and the values are written without reordering. Each
//! volume dataset carries `units` and `voxel_um`; the group holding it carries
//! `voxel_um` and `dims` (`[nx, ny, nz]`). By default volumes are chunked (whole
//! planes, about 1 MiB per chunk) and compressed with shuffle + deflate.
//!
//! A snapshot group also carries `day` (float64, days) and, when it has extra
//! fields, `fields` (their names in the order written). Each field is a float32
//! dataset of the same shape beside `bone_fraction`.
//!
//! `/lattice/metrics` holds one scalar float64 dataset per morphometry metric, with
//! its `units`.

use std::path::Path;

use hdf5_pure::{AttrValue, DatasetBuilder, File, StagedGroup};

use super::error::OutputError;
use super::schema as s;
use crate::lattice::Lattice;

/// Rejects a lattice whose data does not match its shape, or an empty one.
pub(super) fn check_lattice(
    path: &Path,
    group: &str,
    lattice: &Lattice,
) -> Result<(), OutputError> {
    let dims = lattice.dims;
    if dims.is_empty() {
        return Err(OutputError::rejected(
            path,
            group,
            format!("lattice {dims} holds no voxel"),
        ));
    }
    if lattice.bone_fraction.len() != dims.len() {
        return Err(OutputError::rejected(
            path,
            group,
            format!(
                "lattice {dims} needs {} values, bone_fraction has {}",
                dims.len(),
                lattice.bone_fraction.len()
            ),
        ));
    }
    if !(lattice.voxel_um.is_finite() && lattice.voxel_um > 0.0) {
        return Err(OutputError::rejected(
            path,
            group,
            format!("voxel size {} um is not positive", lattice.voxel_um),
        ));
    }
    Ok(())
}

/// Rejects bad or duplicate metric names.
pub(super) fn check_metrics(path: &Path, metrics: &[(&str, f64, &str)]) -> Result<(), OutputError> {
    let object = format!("{}/{}", s::LATTICE, s::METRICS);
    for (i, (name, _, _)) in metrics.iter().enumerate() {
        s::check_name(name)
            .map_err(|r| OutputError::rejected(path, &object, format!("metric {name:?}: {r}")))?;
        if metrics[..i].iter().any(|(n, _, _)| n == name) {
            return Err(OutputError::rejected(
                path,
                &object,
                format!("metric {name:?} given twice"),
            ));
        }
    }
    Ok(())
}

/// Rejects fields with bad or duplicate names or the wrong number of values.
pub(super) fn check_fields(
    path: &Path,
    group: &str,
    lattice: &Lattice,
    fields: &[(&str, &[f32], &str)],
) -> Result<(), OutputError> {
    for (i, (name, values, _)) in fields.iter().enumerate() {
        let reject = |reason: String| OutputError::rejected(path, group, reason);
        s::check_name(name).map_err(|r| reject(format!("field {name:?}: {r}")))?;
        if *name == s::BONE_FRACTION || fields[..i].iter().any(|(n, _, _)| n == name) {
            return Err(reject(format!("field {name:?} given twice")));
        }
        if values.len() != lattice.dims.len() {
            return Err(reject(format!(
                "field {name:?} has {} values, lattice {} has {} voxels",
                values.len(),
                lattice.dims,
                lattice.dims.len()
            )));
        }
    }
    Ok(())
}

/// Stages `/lattice`, its `bone_fraction` and `/lattice/metrics`.
pub(super) fn stage_lattice(
    file: &File,
    lattice: &Lattice,
    metrics: &[(&str, f64, &str)],
    deflate: Option<u32>,
) -> Result<(), hdf5_pure::Error> {
    file.root().create_group_with(s::LATTICE, |g| {
        volume_group_attrs(g, lattice);
        g.create_dataset(s::BONE_FRACTION, |b| {
            volume(
                b,
                lattice,
                &lattice.bone_fraction,
                s::BONE_FRACTION_UNITS,
                deflate,
            );
        });
        g.create_group_with(s::METRICS, |m| {
            for &(name, value, units) in metrics {
                m.create_dataset(name, |b| {
                    b.with_f64_data(&[value])
                        .with_shape(&[])
                        .set_attr(s::ATTR_UNITS, AttrValue::VarLenString(units.to_string()));
                });
            }
        });
    })?;
    Ok(())
}

/// Stages the snapshot group `group` with `bone_fraction` and the fields.
pub(super) fn stage_snapshot(
    file: &File,
    group: &str,
    day: u32,
    lattice: &Lattice,
    fields: &[(&str, &[f32], &str)],
    deflate: Option<u32>,
) -> Result<(), hdf5_pure::Error> {
    file.root().create_group_with(group, |g| {
        g.set_attr(s::ATTR_DAY, AttrValue::F64(f64::from(day)));
        volume_group_attrs(g, lattice);
        if !fields.is_empty() {
            let names = fields.iter().map(|(n, _, _)| n.to_string()).collect();
            g.set_attr(s::ATTR_FIELDS, AttrValue::VarLenStringArray(names));
        }
        g.create_dataset(s::BONE_FRACTION, |b| {
            volume(
                b,
                lattice,
                &lattice.bone_fraction,
                s::BONE_FRACTION_UNITS,
                deflate,
            );
        });
        for &(name, values, units) in fields {
            g.create_dataset(name, |b| volume(b, lattice, values, units, deflate));
        }
    })?;
    Ok(())
}

fn volume_group_attrs(g: &mut StagedGroup<'_>, lattice: &Lattice) {
    let d = lattice.dims;
    g.set_attr(s::ATTR_VOXEL_UM, AttrValue::F64(lattice.voxel_um));
    g.set_attr(
        s::ATTR_DIMS,
        AttrValue::U64Array(vec![d.nx as u64, d.ny as u64, d.nz as u64]),
    );
}

/// Configures a `[nz, ny, nx]` float32 dataset of `values` (x fastest).
fn volume(
    b: &mut DatasetBuilder,
    lattice: &Lattice,
    values: &[f32],
    units: &str,
    deflate: Option<u32>,
) {
    b.with_f32_data(values)
        .with_shape(&s::shape_zyx(lattice.dims))
        .set_attr(s::ATTR_UNITS, AttrValue::VarLenString(units.to_string()))
        .set_attr(s::ATTR_VOXEL_UM, AttrValue::F64(lattice.voxel_um));
    if let Some(level) = deflate {
        b.with_chunks(&s::chunk_zyx(lattice.dims))
            .with_shuffle()
            .with_deflate(level);
    }
}
