//! Names and conventions of the output file: group and dataset paths, attribute
//! names, the format version, and the small rules both the writer and the reader
//! apply (valid object names, snapshot naming, chunk shapes, timestamps).
//!
//! Everything that fixes the on-disk layout lives here, so the writer and the reader
//! cannot disagree about a name. See the [module documentation](super) for the
//! layout itself.

use crate::grid::Dims;

/// Version of the file layout written by this build and the only one the reader
/// accepts. Raise it whenever a name, type or meaning in the layout changes.
pub const FORMAT_VERSION: u32 = 1;

/// Value of the root `software` attribute.
pub const SOFTWARE: &str = "trabecula";

/// Root attribute: layout version (unsigned integer).
pub const ATTR_FORMAT_VERSION: &str = "format_version";
/// Root attribute: software name.
pub const ATTR_SOFTWARE: &str = "software";
/// Root attribute: software version.
pub const ATTR_SOFTWARE_VERSION: &str = "software_version";
/// Root attribute: source revision the binary was built from.
pub const ATTR_GIT_REVISION: &str = "git_revision";
/// Root attribute: creation time, ISO 8601 UTC.
pub const ATTR_CREATED: &str = "created";
/// Root attribute: the command line that produced the file.
pub const ATTR_COMMAND: &str = "command";
/// Root attribute, written last by a run that finished: `1` (u32). Absent while
/// the run is going and in a file whose run was interrupted.
pub const ATTR_COMPLETE: &str = "complete";
/// Value of [`ATTR_COMPLETE`] in a finished file.
pub const COMPLETE: u32 = 1;

/// Group holding the run configuration as attributes.
pub const CONFIG: &str = "config";
/// `/config` attribute: the validated configuration as TOML text.
pub const ATTR_TOML: &str = "toml";
/// `/config` attribute: random seed (u64).
pub const ATTR_SEED: &str = "seed";
/// `/config` attribute: worker thread count (u32).
pub const ATTR_THREADS: &str = "threads";

/// Group holding the initial lattice.
pub const LATTICE: &str = "lattice";
/// Sub-group of `/lattice` with one scalar dataset per morphometry metric.
pub const METRICS: &str = "metrics";
/// Dataset of bone volume fraction, in `/lattice` and in each snapshot.
pub const BONE_FRACTION: &str = "bone_fraction";
/// Units of bone volume fraction (dimensionless).
pub const BONE_FRACTION_UNITS: &str = "1";
/// Attribute: voxel edge length in micrometres.
pub const ATTR_VOXEL_UM: &str = "voxel_um";
/// Attribute: lattice extents `[nx, ny, nz]` (x first; the dataset shape is the
/// reverse, `[nz, ny, nx]`).
pub const ATTR_DIMS: &str = "dims";

/// Group holding the time series table.
pub const TIMESERIES: &str = "timeseries";
/// Group holding one sub-group per event table.
pub const EVENTS: &str = "events";
/// Group holding one sub-group per snapshot.
pub const SNAPSHOTS: &str = "snapshots";
/// Group holding what a run needs to resume.
pub const CHECKPOINT: &str = "checkpoint";

/// Attribute on every dataset: units of its values (`"1"` when dimensionless).
pub const ATTR_UNITS: &str = "units";
/// Attribute on a table group: its column names in declaration order.
pub const ATTR_COLUMNS: &str = "columns";
/// Attribute on a table group: `"timeseries"` or `"events"`.
pub const ATTR_KIND: &str = "kind";
/// Attribute on a snapshot group: simulated day (float64, days).
pub const ATTR_DAY: &str = "day";
/// Attribute on a snapshot group: names of its field datasets besides
/// `bone_fraction`, in the order written.
pub const ATTR_FIELDS: &str = "fields";

/// Name of the first column of every table: simulated time.
pub const DAY_COLUMN: &str = "day";
/// Units of simulated time.
pub const DAY_UNITS: &str = "d";

/// Elements per chunk aimed at for 3-D datasets (1 MiB of `f32`).
const TARGET_CHUNK_ELEMENTS: usize = 1 << 18;

/// Largest extent of a chunk along any dimension that libhdf5 can read back from
/// this writer: every chunked dataset keeps each chunk extent at or below it.
///
/// A chunked dataset's layout message stores the chunk extents (and the element
/// size, as one more dimension) in a fixed number of bytes each. libhdf5 computes
/// that number from the largest of them, [`libhdf5_chunk_dim_bytes`], and refuses
/// to open a dataset that stores another ("stored chunk dimension encoding length
/// does not match value calculated from chunk dimensions"). `hdf5-pure` 0.47 picks
/// it its own way, [`writer_chunk_dim_bytes`]: the two agree up to 65 535 and
/// disagree from 65 536 to 2^24 - 1 (3 bytes for libhdf5, 4 written). Every
/// element size the file uses (1 to 8 bytes) is far below this.
pub const MAX_CHUNK_EXTENT: u64 = 0xFFFF;

/// A chunk extent aiming at `n`: `n` clamped to `1..=`[`MAX_CHUNK_EXTENT`].
pub fn chunk_extent(n: u64) -> u64 {
    n.clamp(1, MAX_CHUNK_EXTENT)
}

/// Bytes per chunk dimension libhdf5 requires in the layout message of a dataset
/// with chunk extents `chunk` and elements of `element_bytes`:
/// `(floor(log2(max)) + 8) / 8` over the extents and the element size.
pub fn libhdf5_chunk_dim_bytes(chunk: &[u64], element_bytes: u64) -> u32 {
    let max = chunk
        .iter()
        .copied()
        .chain([element_bytes])
        .max()
        .unwrap_or(1);
    (max.max(1).ilog2() + 8) / 8
}

/// Bytes per chunk dimension `hdf5-pure` 0.47 writes for the same dataset: 1 up to
/// 255, 2 up to 65 535, 4 beyond.
pub fn writer_chunk_dim_bytes(chunk: &[u64], element_bytes: u64) -> u32 {
    match chunk
        .iter()
        .copied()
        .chain([element_bytes])
        .max()
        .unwrap_or(1)
    {
        0..=0xFF => 1,
        0x100..=0xFFFF => 2,
        _ => 4,
    }
}

/// Name of the snapshot group for `day`: `day_NNNNN`, zero-padded to five digits.
pub fn snapshot_name(day: u32) -> String {
    format!("day_{day:05}")
}

/// Path of the snapshot group called `name`.
pub fn snapshot_path(name: &str) -> String {
    format!("{SNAPSHOTS}/{name}")
}

/// Path of the event table called `name`.
pub fn event_table_path(name: &str) -> String {
    format!("{EVENTS}/{name}")
}

/// Checks that `name` can be one component of an HDF5 path: non-empty, no `/`, no
/// NUL, not `.` or `..`, at most 255 bytes. Returns the reason it cannot.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("name is empty")
    } else if name.contains('/') {
        Err("name contains '/'")
    } else if name.contains('\0') {
        Err("name contains a NUL byte")
    } else if name == "." || name == ".." {
        Err("name is '.' or '..'")
    } else if name.len() > 255 {
        Err("name is longer than 255 bytes")
    } else {
        Ok(())
    }
}

/// HDF5 shape of a lattice-shaped dataset: `[nz, ny, nx]` (C order, x fastest).
pub fn shape_zyx(dims: Dims) -> [u64; 3] {
    dims.zyx().map(|n| n as u64)
}

/// Chunk shape for a `[nz, ny, nx]` dataset: whole x-rows, then whole planes, then
/// stacks of planes, up to about 1 MiB of `f32` per chunk. Every extent is at least 1
/// and at most [`MAX_CHUNK_EXTENT`] (a longer x-row is split).
pub fn chunk_zyx(dims: Dims) -> [u64; 3] {
    let (nx, ny, nz) = (dims.nx.max(1), dims.ny.max(1), dims.nz.max(1));
    let plane = nx.saturating_mul(ny);
    let chunk = if plane <= TARGET_CHUNK_ELEMENTS {
        let cz = (TARGET_CHUNK_ELEMENTS / plane).clamp(1, nz);
        [cz, ny, nx]
    } else {
        let cy = (TARGET_CHUNK_ELEMENTS / nx).clamp(1, ny);
        [1, cy, nx]
    };
    chunk.map(|n| chunk_extent(n as u64))
}

/// The current time as ISO 8601 UTC with second resolution, e.g.
/// `2024-05-01T12:34:56Z`.
pub fn now_iso8601() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    iso8601_from_unix(secs)
}

/// Formats seconds since the Unix epoch as ISO 8601 UTC.
pub fn iso8601_from_unix(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(iso8601_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601_from_unix(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn chunks_stay_within_shape() {
        assert_eq!(chunk_zyx(Dims::new(10, 8, 6)), [6, 8, 10]);
        assert_eq!(chunk_zyx(Dims::new(512, 512, 512)), [1, 512, 512]);
        assert_eq!(chunk_zyx(Dims::new(2048, 512, 4)), [1, 128, 2048]);
        assert_eq!(chunk_zyx(Dims::new(256, 256, 100)), [4, 256, 256]);
    }

    /// The rule as libhdf5 states it, at the edges where the widths change.
    #[test]
    fn chunk_dimension_encodings() {
        for (max, libhdf5, written) in [
            (1, 1, 1),
            (255, 1, 1),
            (256, 2, 2),
            (65_535, 2, 2),
            (65_536, 3, 4),
            ((1 << 20), 3, 4),
            ((1 << 24) - 1, 3, 4),
            ((1 << 24), 4, 4),
        ] {
            assert_eq!(libhdf5_chunk_dim_bytes(&[max], 1), libhdf5, "{max}");
            assert_eq!(writer_chunk_dim_bytes(&[max], 1), written, "{max}");
        }
        // The element size counts as a dimension.
        assert_eq!(libhdf5_chunk_dim_bytes(&[4], 300), 2);
        // Up to the limit every extent (and so every shape) agrees.
        assert!((1..=MAX_CHUNK_EXTENT)
            .all(|n| libhdf5_chunk_dim_bytes(&[n], 8) == writer_chunk_dim_bytes(&[n], 8)));
        assert_eq!(chunk_extent(0), 1);
        assert_eq!(chunk_extent(1 << 20), MAX_CHUNK_EXTENT);
    }

    /// Volume chunk shapes libhdf5 reads, from tiny lattices to very long rows,
    /// exact powers of two and large volumes.
    #[test]
    fn volume_chunks_are_readable_by_libhdf5() {
        let sides = [
            1, 2, 7, 30, 255, 256, 512, 1000, 1024, 4096, 65_535, 65_536, 300_000,
        ];
        for &nx in &sides {
            for &ny in &sides {
                for &nz in &[1, 3, 256, 70_000] {
                    let chunk = chunk_zyx(Dims::new(nx, ny, nz));
                    let shape = shape_zyx(Dims::new(nx, ny, nz));
                    assert!(chunk.iter().zip(shape).all(|(&c, n)| c >= 1 && c <= n));
                    assert!(chunk.iter().product::<u64>() <= TARGET_CHUNK_ELEMENTS as u64);
                    assert_eq!(
                        libhdf5_chunk_dim_bytes(&chunk, 4),
                        writer_chunk_dim_bytes(&chunk, 4),
                        "{nx} x {ny} x {nz}: chunk {chunk:?}"
                    );
                }
            }
        }
        assert_eq!(
            chunk_zyx(Dims::new(100_000, 1, 1)),
            [1, 1, MAX_CHUNK_EXTENT]
        );
        assert_eq!(
            chunk_zyx(Dims::new(1, 100_000, 1)),
            [1, MAX_CHUNK_EXTENT, 1]
        );
        assert_eq!(
            chunk_zyx(Dims::new(1, 1, 100_000)),
            [MAX_CHUNK_EXTENT, 1, 1]
        );
    }

    #[test]
    fn names() {
        assert_eq!(snapshot_name(7), "day_00007");
        assert_eq!(snapshot_name(123_456), "day_123456");
        assert!(check_name("bv_tv").is_ok());
        assert!(check_name("BV/TV").is_err());
        assert!(check_name("").is_err());
        assert!(check_name("..").is_err());
    }
}
