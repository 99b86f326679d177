//! Where a run's records go: the [`Sink`] trait, an in-memory sink for tests and
//! analysis, and the HDF5 sink behind `trabecula run`.
//!
//! HDF5 layout added by a run (see [`crate::output`] for the file itself):
//!
//! ```text
//! /timeseries/<column>            one row per measurement ([`Measurement::columns`])
//! /events/perforations            day, x, y, z, kind, site: every topology-changing
//!                                 removal (kind 1 perforation, 2 disconnection,
//!                                 3 both, 4 fragment vanished, 5 cavity opened)
//! /events/bmus                    one row per closed remodeling site ([`BmuRecord`])
//! /events/thickness_histogram     day, bin_lo_um, bin_hi_um, voxels: strut
//!                                 thickness histogram at each snapshot
//! /snapshots/day_NNNNN/           bone_fraction, mineral_fraction
//! /checkpoint                     the state of [`super::checkpoint`], while the run
//!                                 is unfinished ([`Hdf5Sink::checkpoint`])
//! ```

use std::path::Path;

use crate::cells::topology::TopologyEvent;
use crate::cells::BmuRecord;
use crate::output::{
    CheckpointInfo, EventTable, FileMeta, OutputError, OutputFile, TimeSeries, WriteOptions,
};

use super::checkpoint::CHECKPOINT_FORMAT;
use super::engine::Simulation;
use super::measure::Measurement;
use super::world::World;

/// A thickness histogram: voxel counts per bin of `bin_um`.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Day of the snapshot.
    pub day: f64,
    /// Bin width, um.
    pub bin_um: f64,
    /// Bone voxels per bin, from thickness 0.
    pub counts: Vec<u64>,
}

/// Receives what a run records.
pub trait Sink {
    /// A time-series row.
    fn measurement(&mut self, m: &Measurement) -> Result<(), OutputError>;
    /// A topology-changing removal at `day`.
    fn topology(&mut self, day: f64, e: &TopologyEvent) -> Result<(), OutputError>;
    /// A closed site.
    fn bmu(&mut self, r: &BmuRecord) -> Result<(), OutputError>;
    /// A snapshot of the world at whole day `day`, with its thickness histogram.
    fn snapshot(&mut self, day: u32, world: &World, h: &Histogram) -> Result<(), OutputError>;
    /// Makes everything recorded so far durable.
    fn flush(&mut self) -> Result<(), OutputError>;
}

/// Keeps everything in memory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemorySink {
    /// Time-series rows.
    pub measurements: Vec<Measurement>,
    /// Topology events with their day.
    pub topology: Vec<(f64, TopologyEvent)>,
    /// Closed sites.
    pub bmus: Vec<BmuRecord>,
    /// Snapshot days and histograms.
    pub histograms: Vec<Histogram>,
}

impl Sink for MemorySink {
    fn measurement(&mut self, m: &Measurement) -> Result<(), OutputError> {
        self.measurements.push(m.clone());
        Ok(())
    }
    fn topology(&mut self, day: f64, e: &TopologyEvent) -> Result<(), OutputError> {
        self.topology.push((day, *e));
        Ok(())
    }
    fn bmu(&mut self, r: &BmuRecord) -> Result<(), OutputError> {
        self.bmus.push(r.clone());
        Ok(())
    }
    fn snapshot(&mut self, _day: u32, _world: &World, h: &Histogram) -> Result<(), OutputError> {
        self.histograms.push(h.clone());
        Ok(())
    }
    fn flush(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Columns of `/events/bmus`.
const BMU_COLUMNS: [(&str, &str); 17] = [
    ("day", "d"),
    ("id", "1"),
    ("x", "voxel"),
    ("y", "voxel"),
    ("z", "voxel"),
    ("start_day", "d"),
    ("resorption_days", "d"),
    ("reversal_days", "d"),
    ("formation_days", "d"),
    ("resorbed_um3", "um^3"),
    ("formed_um3", "um^3"),
    ("footprint_um2", "um^2"),
    ("erosion_depth_um", "um"),
    ("wall_thickness_um", "um"),
    ("blocked_um3", "um^3"),
    ("osteoclasts", "1"),
    ("osteoblasts", "1"),
];

/// Writes a run into an HDF5 output file.
pub struct Hdf5Sink {
    file: OutputFile,
    timeseries: TimeSeries,
    perforations: EventTable,
    bmus: EventTable,
    histograms: EventTable,
}

impl Hdf5Sink {
    /// Creates the file at `path` with `meta`, the initial lattice of `world` with its
    /// morphometry, and the empty tables.
    pub fn create(
        path: &Path,
        meta: &FileMeta,
        world: &World,
        metrics: &[(&str, f64, &str)],
    ) -> Result<Self, OutputError> {
        let mut file = OutputFile::create(path, meta)?;
        file.write_lattice(&world.lattice, metrics)?;
        let columns: Vec<(&str, &str)> = Measurement::default()
            .columns()
            .iter()
            .map(|&(n, u, _)| (n, u))
            .collect();
        let timeseries = file.timeseries(&columns)?;
        let perforations = file.event_table(
            "perforations",
            &[
                ("day", "d"),
                ("x", "voxel"),
                ("y", "voxel"),
                ("z", "voxel"),
                ("kind", "1"),
                ("site", "1"),
            ],
        )?;
        let bmus = file.event_table("bmus", &BMU_COLUMNS)?;
        let histograms = file.event_table(
            "thickness_histogram",
            &[
                ("day", "d"),
                ("bin_lo_um", "um"),
                ("bin_hi_um", "um"),
                ("voxels", "1"),
            ],
        )?;
        Ok(Self {
            file,
            timeseries,
            perforations,
            bmus,
            histograms,
        })
    }

    /// Reopens the file of an interrupted run at its checkpoint (see
    /// [`OutputFile::resume`]); returns the sink and the checkpoint's record.
    pub fn resume(path: &Path) -> Result<(Self, CheckpointInfo), OutputError> {
        let (file, info) = OutputFile::resume(path, WriteOptions::default())?;
        let sink = Self {
            timeseries: file.table("timeseries")?,
            perforations: file.table("events/perforations")?,
            bmus: file.table("events/bmus")?,
            histograms: file.table("events/thickness_histogram")?,
            file,
        };
        Ok((sink, info))
    }

    /// Writes a checkpoint of `sim` in one commit with every row recorded so far;
    /// returns the size of its state, bytes.
    pub fn checkpoint(&mut self, sim: &Simulation) -> Result<usize, OutputError> {
        let state = sim.checkpoint();
        self.file.write_checkpoint(
            &state,
            sim.day(),
            sim.steps_done(),
            CHECKPOINT_FORMAT,
            crate::VERSION,
        )?;
        Ok(state.len())
    }

    /// Marks the run complete (dropping its checkpoint) and closes the file.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.file.mark_complete_dropping_checkpoint()?;
        self.file.close()
    }

    /// Flushes and closes the file.
    pub fn close(self) -> Result<(), OutputError> {
        self.file.close()
    }
}

impl Sink for Hdf5Sink {
    fn measurement(&mut self, m: &Measurement) -> Result<(), OutputError> {
        let row: Vec<f64> = m.columns().iter().map(|&(_, _, v)| v).collect();
        self.timeseries.append_row(&row)
    }

    fn topology(&mut self, day: f64, e: &TopologyEvent) -> Result<(), OutputError> {
        let [x, y, z] = e.voxel;
        self.perforations.append_row(&[
            day,
            x as f64,
            y as f64,
            z as f64,
            f64::from(e.kind.code()),
            f64::from(e.site),
        ])
    }

    fn bmu(&mut self, r: &BmuRecord) -> Result<(), OutputError> {
        let [x, y, z] = r.origin;
        self.bmus.append_row(&[
            r.day,
            f64::from(r.id),
            x as f64,
            y as f64,
            z as f64,
            r.start_day,
            r.resorption_days,
            r.reversal_days,
            r.formation_days,
            r.resorbed_um3,
            r.formed_um3,
            r.footprint_um2,
            r.erosion_depth_um,
            r.wall_thickness_um,
            r.blocked_um3,
            f64::from(r.osteoclasts),
            f64::from(r.osteoblasts),
        ])
    }

    fn snapshot(&mut self, day: u32, world: &World, h: &Histogram) -> Result<(), OutputError> {
        for (k, &n) in h.counts.iter().enumerate() {
            let lo = k as f64 * h.bin_um;
            self.histograms
                .append_row(&[h.day, lo, lo + h.bin_um, n as f64])?;
        }
        self.file.write_snapshot(
            day,
            &world.lattice,
            &[("mineral_fraction", &world.memory.mineral_fraction, "1")],
        )?;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), OutputError> {
        self.file.flush()
    }
}
