//! Writes an output file with the full layout and streams a time series into it,
//! one flushed row at a time.
//!
//! ```text
//! cargo run --example stream_timeseries -- <out.h5> <rows> [interval_ms]
//! ```
//!
//! The file gets the root attributes, `/config` (a small TOML text, seed 42,
//! threads 2), a 5 x 4 x 3 initial lattice whose voxel (x, y, z) holds
//! `x + 10 y + 100 z` with two metrics, a snapshot at day 0, then `rows` rows of
//! `/timeseries` (`day` = i, `bv_tv` = 0.25 + 0.001 i, `osteoclasts` = 3 i),
//! one every `interval_ms` (default 10), each flushed on its own; every tenth row
//! also adds a row to `/events/perforations`. After each flush it prints
//! `flushed <n>` with the number of rows the file holds. At the end it writes a
//! snapshot at day `rows` and closes the file.
//!
//! The Python tests use it to check the file with h5py, including after killing
//! it mid-stream.

use std::process::ExitCode;
use std::time::Duration;

use trabecula::grid::Dims;
use trabecula::lattice::Lattice;
use trabecula::output::{FileMeta, OutputError, OutputFile, WriteOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: stream_timeseries <out.h5> <rows> [interval_ms]";
    let (Some(path), Some(rows)) = (args.get(1), args.get(2).and_then(|r| r.parse().ok())) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let interval_ms = match args.get(3).map(|s| s.parse::<u64>()) {
        None => 10,
        Some(Ok(ms)) => ms,
        Some(Err(_)) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(path, rows, Duration::from_millis(interval_ms), &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str, rows: u32, interval: Duration, args: &[String]) -> Result<(), OutputError> {
    let config_toml = format!(
        "# stream_timeseries example\n[run]\ndays = {rows}\nseed = 42\n\n\
         [lattice]\ndims = [5, 4, 3]\nvoxel_um = 12.5\n"
    );
    let meta = FileMeta {
        software_version: trabecula::VERSION.to_string(),
        git_revision: "unknown".to_string(),
        command: args.join(" "),
        config_toml,
        seed: 42,
        threads: 2,
    };
    let options = WriteOptions {
        flush_rows: 0,
        flush_interval: None,
        ..WriteOptions::default()
    };
    let mut out = OutputFile::create_with_options(path, &meta, options)?;

    let dims = Dims::new(5, 4, 3);
    let mut lattice = Lattice {
        dims,
        voxel_um: 12.5,
        bone_fraction: vec![0.0; dims.len()],
    };
    for (i, v) in lattice.bone_fraction.iter_mut().enumerate() {
        let (x, y, z) = dims.coords(i);
        *v = (x + 10 * y + 100 * z) as f32;
    }
    out.write_lattice(&lattice, &[("bv_tv", 0.25, "1"), ("tb_th", 110.0, "um")])?;
    out.write_snapshot(0, &lattice, &[])?;

    let mut ts = out.timeseries(&[("day", "d"), ("bv_tv", "1"), ("osteoclasts", "count")])?;
    let mut perforations = out.event_table(
        "perforations",
        &[
            ("day", "d"),
            ("x", "voxel"),
            ("y", "voxel"),
            ("z", "voxel"),
            ("kind", "1"),
        ],
    )?;
    for i in 0..rows {
        let day = f64::from(i);
        ts.append_row(&[day, 0.25 + 0.001 * day, 3.0 * day])?;
        if i % 10 == 0 {
            perforations.append_row(&[day, 1.0, 2.0, 0.0, f64::from(i % 3)])?;
        }
        ts.flush()?;
        println!("flushed {}", ts.flushed_rows());
        std::thread::sleep(interval);
    }
    out.write_snapshot(rows, &lattice, &[])?;
    out.close()
}
