//! The XDMF sidecar: beside each output file `X.h5`, a small XML file `X.xdmf`
//! that ParaView (and VisIt) open directly, reading the volumes from `X.h5`.
//!
//! # What it describes
//!
//! XDMF 3, one `Domain` with
//!
//! - a uniform grid `lattice`: the initial lattice (`/lattice/bone_fraction`);
//! - a temporal collection `snapshots`: one uniform grid per snapshot, named after
//!   its group (`day_NNNNN`), with `Time` = the simulated day, holding
//!   `bone_fraction` and every extra field of the snapshot. Grids are in
//!   increasing day order. Omitted while the file has no snapshot.
//!
//! Each grid is a `3DCoRectMesh` with origin 0 and spacing = the voxel edge in
//! millimetres, so ParaView's axes are in mm and times are in days. Values are
//! *cell*-centred: a value is a voxel's content, so each voxel is one cell, the
//! topology counts nodes (`Dimensions="nz+1 ny+1 nx+1"`) and every attribute has
//! the volume's own shape (`Dimensions="nz ny nx"`, the HDF5 dataset's shape).
//! Node-centred data would put voxel centres on the mesh nodes and shift a
//! threshold or a contour by half a voxel. XDMF lists extents, origin and spacing
//! slowest axis first (z y x); the voxels are cubic, so the spacing reads the same
//! in either order.
//!
//! Every volume is float32 (`NumberType="Float" Precision="4"`), as the writer
//! stores it; datasets are referenced as `X.h5:/snapshots/day_NNNNN/<field>` with
//! the HDF5 file's name only, so the pair can be moved or copied together.
//!
//! # When it is written
//!
//! [`OutputFile`](super::OutputFile) rewrites the whole sidecar after each commit
//! that adds the lattice or a snapshot, always after the data is in the HDF5 file,
//! so the sidecar never names a dataset the file lacks. The new text goes to a
//! temporary file beside it ([`crate::files::TempFile`]) and is renamed over `X.xdmf`: a reader sees the old or the new
//! sidecar, never half of one. Creating an output file removes a sidecar left by
//! an earlier file at the same path; the commands refuse to create an output over
//! an existing file or sidecar without `--force`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::error::OutputError;
use super::schema as s;
use crate::files::write_whole;
use crate::grid::Dims;
use crate::lattice::Lattice;

/// Extension of the sidecar file.
pub const XDMF_EXTENSION: &str = "xdmf";

/// Path of the sidecar of the output file at `h5`: the same path with the
/// extension `.xdmf` (`run/out.h5` -> `run/out.xdmf`). An output file that itself
/// ends in `.xdmf` gets `.xdmf.xdmf`, so the sidecar never replaces the data.
pub fn sidecar_path(h5: &Path) -> PathBuf {
    if h5.extension().is_some_and(|e| e == XDMF_EXTENSION) {
        let mut p = h5.as_os_str().to_owned();
        p.push(".");
        p.push(XDMF_EXTENSION);
        PathBuf::from(p)
    } else {
        h5.with_extension(XDMF_EXTENSION)
    }
}

/// Shape and voxel size of one described volume.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Volume {
    dims: Dims,
    voxel_um: f64,
}

impl Volume {
    fn of(lattice: &Lattice) -> Self {
        Self {
            dims: lattice.dims,
            voxel_um: lattice.voxel_um,
        }
    }
}

/// A snapshot as the sidecar describes it.
#[derive(Clone, Debug, PartialEq)]
struct Snapshot {
    name: String,
    day: u32,
    volume: Volume,
    fields: Vec<String>,
}

/// One uniform grid to render: a name, an optional time, the volume's shape and
/// the HDF5 group holding `bone_fraction` and `fields`.
struct GridRef<'a> {
    name: &'a str,
    day: Option<u32>,
    volume: Volume,
    group: &'a str,
    fields: &'a [String],
}

/// What the sidecar of one output file describes, and the last write's outcome.
#[derive(Debug)]
pub(super) struct Sidecar {
    path: PathBuf,
    /// The HDF5 file's name as the sidecar references it.
    h5_name: String,
    lattice: Option<Volume>,
    snapshots: Vec<Snapshot>,
    /// The error of the last write that failed, cleared by the next that succeeds.
    error: Option<OutputError>,
}

impl Sidecar {
    /// The sidecar of the output file at `h5`, describing nothing yet. Removes a
    /// sidecar an earlier file at that path left behind.
    pub(super) fn new(h5: &Path) -> Self {
        let path = sidecar_path(h5);
        let h5_name = h5
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let error = match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Some(OutputError::io(&path, "remove the stale XDMF sidecar", e))
            }
            _ => None,
        };
        Self {
            path,
            h5_name,
            lattice: None,
            snapshots: Vec::new(),
            error,
        }
    }

    /// Adds the initial lattice and rewrites the sidecar.
    pub(super) fn set_lattice(&mut self, lattice: &Lattice) {
        self.lattice = Some(Volume::of(lattice));
        self.rewrite();
    }

    /// Adds a snapshot and rewrites the sidecar.
    pub(super) fn add_snapshot(
        &mut self,
        name: &str,
        day: u32,
        lattice: &Lattice,
        fields: &[&str],
    ) {
        let snapshot = Snapshot {
            name: name.to_string(),
            day,
            volume: Volume::of(lattice),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        };
        let at = self.snapshots.partition_point(|s| s.day < day);
        self.snapshots.insert(at, snapshot);
        self.rewrite();
    }

    /// The error of the last write, if it failed and no later write succeeded.
    pub(super) fn take_error(&mut self) -> Option<OutputError> {
        self.error.take()
    }

    fn rewrite(&mut self) {
        self.error = write_atomically(&self.path, &self.render()).err();
    }

    /// The sidecar's XML text.
    fn render(&self) -> String {
        let mut x = String::new();
        x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        x.push_str("<Xdmf Version=\"3.0\">\n  <Domain>\n");
        if let Some(volume) = self.lattice {
            let grid = GridRef {
                name: s::LATTICE,
                day: None,
                volume,
                group: s::LATTICE,
                fields: &[],
            };
            self.grid(&mut x, 2, &grid);
        }
        if !self.snapshots.is_empty() {
            x.push_str(
                "    <Grid Name=\"snapshots\" GridType=\"Collection\" CollectionType=\"Temporal\">\n",
            );
            for snap in &self.snapshots {
                let grid = GridRef {
                    name: &snap.name,
                    day: Some(snap.day),
                    volume: snap.volume,
                    group: &s::snapshot_path(&snap.name),
                    fields: &snap.fields,
                };
                self.grid(&mut x, 3, &grid);
            }
            x.push_str("    </Grid>\n");
        }
        x.push_str("  </Domain>\n</Xdmf>\n");
        x
    }

    /// Appends `grid` at indentation `level`.
    fn grid(&self, x: &mut String, level: usize, grid: &GridRef<'_>) {
        let pad = "  ".repeat(level);
        let Dims { nx, ny, nz } = grid.volume.dims;
        let spacing_mm = grid.volume.voxel_um / 1000.0;
        let name = escape(grid.name);
        let _ = writeln!(x, "{pad}<Grid Name=\"{name}\" GridType=\"Uniform\">");
        if let Some(day) = grid.day {
            let _ = writeln!(x, "{pad}  <Time Value=\"{day}\"/>");
        }
        let _ = writeln!(
            x,
            "{pad}  <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"{} {} {}\"/>",
            nz + 1,
            ny + 1,
            nx + 1
        );
        let _ = writeln!(x, "{pad}  <Geometry GeometryType=\"ORIGIN_DXDYDZ\">");
        for (item, value) in [("Origin", 0.0), ("Spacing", spacing_mm)] {
            let _ = writeln!(
                x,
                "{pad}    <DataItem Name=\"{item}\" Dimensions=\"3\" NumberType=\"Float\" \
                 Precision=\"8\" Format=\"XML\">{value} {value} {value}</DataItem>"
            );
        }
        let _ = writeln!(x, "{pad}  </Geometry>");
        let fields = grid.fields.iter().map(String::as_str);
        for field in std::iter::once(s::BONE_FRACTION).chain(fields) {
            let source = escape(&format!("{}:/{}/{field}", self.h5_name, grid.group));
            let _ = writeln!(
                x,
                "{pad}  <Attribute Name=\"{}\" AttributeType=\"Scalar\" Center=\"Cell\">\n\
                 {pad}    <DataItem Dimensions=\"{nz} {ny} {nx}\" NumberType=\"Float\" \
                 Precision=\"4\" Format=\"HDF\">{source}</DataItem>\n\
                 {pad}  </Attribute>",
                escape(field)
            );
        }
        let _ = writeln!(x, "{pad}</Grid>");
    }
}

/// `text` with the five XML special characters escaped, for attribute values and
/// element text alike.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes `text` to a temporary file beside `path` ([`write_whole`]) and renames it
/// over `path`. Not synced: the sidecar is rewritten from scratch at every change,
/// so losing the latest one to a power cut costs a stale description, not data.
fn write_atomically(path: &Path, text: &str) -> Result<(), OutputError> {
    write_whole(path, text.as_bytes(), false)
        .map_err(|e| OutputError::io(path, "write the XDMF sidecar", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lattice(dims: Dims) -> Lattice {
        Lattice {
            dims,
            voxel_um: 12.5,
            bone_fraction: vec![0.0; dims.len()],
        }
    }

    #[test]
    fn sidecar_path_replaces_the_extension_but_never_the_data() {
        assert_eq!(sidecar_path(Path::new("a/out.h5")), Path::new("a/out.xdmf"));
        assert_eq!(sidecar_path(Path::new("out")), Path::new("out.xdmf"));
        assert_eq!(sidecar_path(Path::new("o.xdmf")), Path::new("o.xdmf.xdmf"));
    }

    #[test]
    fn renders_cells_shapes_times_in_order_and_escapes_names() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("r&d.h5");
        let mut sidecar = Sidecar::new(&h5);
        let lat = lattice(Dims::new(5, 4, 3));
        sidecar.set_lattice(&lat);
        sidecar.add_snapshot("day_00030", 30, &lat, &["a<b"]);
        sidecar.add_snapshot("day_00007", 7, &lat, &[]);
        assert!(sidecar.take_error().is_none());
        let text = std::fs::read_to_string(dir.path().join("r&d.xdmf")).unwrap();
        assert_eq!(text, sidecar.render());
        assert!(!dir.path().join("r&d.xdmf.tmp").exists());
        for needle in [
            "<Xdmf Version=\"3.0\">",
            "TopologyType=\"3DCoRectMesh\" Dimensions=\"4 5 6\"",
            ">0.0125 0.0125 0.0125</DataItem>",
            "<DataItem Dimensions=\"3 4 5\" NumberType=\"Float\" Precision=\"4\" \
             Format=\"HDF\">r&amp;d.h5:/lattice/bone_fraction</DataItem>",
            "r&amp;d.h5:/snapshots/day_00030/a&lt;b</DataItem>",
            "<Attribute Name=\"a&lt;b\" AttributeType=\"Scalar\" Center=\"Cell\">",
        ] {
            assert!(text.contains(needle), "{needle} not in\n{text}");
        }
        let day7 = text.find("<Time Value=\"7\"/>").unwrap();
        let day30 = text.find("<Time Value=\"30\"/>").unwrap();
        assert!(day7 < day30, "snapshots out of day order:\n{text}");
        assert_eq!(text.matches("<Time ").count(), 2, "the lattice has no time");
    }

    #[test]
    fn no_snapshots_no_collection_and_a_stale_sidecar_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("out.h5");
        std::fs::write(dir.path().join("out.xdmf"), "stale").unwrap();
        let mut sidecar = Sidecar::new(&h5);
        assert!(!dir.path().join("out.xdmf").exists());
        sidecar.set_lattice(&lattice(Dims::new(2, 2, 2)));
        let text = std::fs::read_to_string(dir.path().join("out.xdmf")).unwrap();
        assert!(!text.contains("Collection"), "{text}");
    }

    #[test]
    fn a_snapshot_is_described_when_its_commit_landed_and_only_then() {
        use crate::output::session::InjectedFailure;
        use crate::output::{FileMeta, OutputFile};

        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("out.h5");
        let lat = lattice(Dims::new(2, 2, 2));
        let mut out = OutputFile::create(&h5, &FileMeta::default()).unwrap();
        out.write_lattice(&lat, &[]).unwrap();
        out.inject_failure(InjectedFailure::BeforeCommit);
        assert!(out.write_snapshot(1, &lat, &[]).is_err());
        out.inject_failure(InjectedFailure::AfterCommit);
        assert!(out.write_snapshot(2, &lat, &[]).is_err());
        out.close().unwrap();
        let text = std::fs::read_to_string(dir.path().join("out.xdmf")).unwrap();
        assert!(!text.contains("day_00001"), "{text}");
        assert!(
            text.contains("out.h5:/snapshots/day_00002/bone_fraction"),
            "{text}"
        );
    }

    #[test]
    fn a_failed_write_is_kept_until_a_write_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("gone").join("out.h5");
        let mut sidecar = Sidecar::new(&h5);
        let lat = lattice(Dims::new(2, 2, 2));
        sidecar.set_lattice(&lat);
        assert!(sidecar.error.is_some());
        std::fs::create_dir(dir.path().join("gone")).unwrap();
        sidecar.add_snapshot("day_00001", 1, &lat, &[]);
        assert!(sidecar.take_error().is_none());
        assert!(dir.path().join("gone/out.xdmf").exists());
    }
}
