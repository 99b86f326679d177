//! `trabecula measure VOLUME [--json]`: morphometry of a micro-CT volume (NRRD or
//! raw) or of a lattice stored in an output file.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{report, threads, InputError, Progress};
use crate::grid::BoneMask;
use crate::lattice::import::{self, DType, Endian, RawSpec, Threshold};
use crate::morphometry;
use crate::output;

/// Arguments of `trabecula measure`.
#[derive(Debug, Args)]
pub struct MeasureArgs {
    /// A .nrrd/.nhdr volume, a raw volume (with --raw-*), or a trabecula .h5 file.
    pub volume: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Grey value at or above which a voxel is bone (default: Otsu's threshold).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// In an .h5 file: the snapshot to measure (e.g. day_00030); default the initial lattice.
    #[arg(long)]
    pub snapshot: Option<String>,
    /// Raw volume shape NX,NY,NZ in voxels (x fastest), e.g. 200,200,150.
    #[arg(long, value_name = "NX,NY,NZ", value_parser = parse_shape)]
    pub raw_shape: Option<[usize; 3]>,
    /// Raw sample type: uint8, int8, uint16, int16, uint32, int32, float32, float64.
    #[arg(long)]
    pub raw_dtype: Option<String>,
    /// Raw voxel spacing SX,SY,SZ in micrometres, e.g. 10,10,10.
    #[arg(long, value_name = "SX,SY,SZ", value_parser = parse_spacing)]
    pub raw_spacing_um: Option<[f64; 3]>,
    /// Raw byte order: little (default) or big.
    #[arg(long, default_value = "little")]
    pub raw_endian: String,
    /// Bytes to skip at the start of a raw file.
    #[arg(long, default_value_t = 0)]
    pub raw_header_bytes: u64,
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Go ahead even when the estimated peak memory exceeds the memory available
    /// (MemAvailable, or the cgroup/SLURM limit); without it such a command stops
    /// before allocating, with exit status 2. `trabecula check` prints the same
    /// estimate and exits 0 either way.
    #[arg(long)]
    pub skip_memory_check: bool,
}

/// Runs the command.
pub fn run(args: &MeasureArgs, progress: Progress) -> anyhow::Result<()> {
    threads::init(args.threads)?;
    super::check::guard_volume(
        &args.volume,
        raw_spec(args)?.as_ref(),
        args.skip_memory_check,
    )?;
    let spinner = progress.spinner(format!("reading {}", args.volume.display()));
    let mask = load_mask(args)?;
    spinner.set_message("measuring");
    let metrics = morphometry::measure(&mask);
    spinner.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string(&metrics)?);
    } else {
        println!(
            "{}: {} voxels at {} um",
            args.volume.display(),
            mask.dims,
            mask.voxel_um
        );
        println!("{}", report::metrics_table(&metrics, None));
    }
    Ok(())
}

/// Three comma-separated values (`20,20,20`; spaces around them allowed).
fn triple<T: std::str::FromStr>(s: &str, what: &str) -> Result<[T; 3], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let expected = || {
        format!(
            "expected three comma-separated {what}, e.g. {}",
            example(what)
        )
    };
    let [a, b, c] = parts.as_slice() else {
        return Err(format!("{} values given; {}", parts.len(), expected()));
    };
    let one = |p: &str| p.parse::<T>().map_err(|_| format!("{p:?}: {}", expected()));
    Ok([one(a)?, one(b)?, one(c)?])
}

fn example(what: &str) -> &'static str {
    if what.contains("integer") {
        "200,200,150"
    } else {
        "10,10,10"
    }
}

/// `--raw-shape NX,NY,NZ`: positive voxel counts.
fn parse_shape(s: &str) -> Result<[usize; 3], String> {
    let shape = triple::<usize>(s, "positive integers")?;
    if shape.contains(&0) {
        return Err(format!(
            "{s:?}: expected three comma-separated positive integers, e.g. 200,200,150"
        ));
    }
    Ok(shape)
}

/// `--raw-spacing-um SX,SY,SZ`: finite positive lengths, micrometres.
fn parse_spacing(s: &str) -> Result<[f64; 3], String> {
    let spacing = triple::<f64>(s, "positive numbers (micrometres)")?;
    if !spacing.iter().all(|v| v.is_finite() && *v > 0.0) {
        return Err(format!(
            "{s:?}: expected three comma-separated positive numbers (micrometres), e.g. 10,10,10"
        ));
    }
    Ok(spacing)
}

fn is_hdf5(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("h5" | "hdf5")
    )
}

fn load_mask(args: &MeasureArgs) -> anyhow::Result<BoneMask> {
    if args.volume.is_dir() {
        return Err(InputError(format!(
            "{} is a directory; expected a volume file (.nrrd, .nhdr, raw with --raw-*) \
             or a trabecula .h5 file",
            args.volume.display()
        ))
        .into());
    }
    if is_hdf5(&args.volume) {
        let lattice = match &args.snapshot {
            Some(name) => output::read_snapshot_lattice(&args.volume, name),
            None => output::read_lattice(&args.volume),
        }
        // A file that cannot be read as a trabecula result is the input's fault.
        .map_err(|e| InputError(e.to_string()))?;
        return Ok(lattice.mask());
    }
    if args.snapshot.is_some() {
        return Err(InputError("--snapshot applies to .h5 files only".into()).into());
    }
    let raw = raw_spec(args)?;
    let grey = import::read_volume(&args.volume, raw.as_ref())?;
    let threshold = args.threshold.map_or(Threshold::Otsu, Threshold::Value);
    let binary = import::segment(&grey, threshold)?;
    Ok(import::to_isotropic_mask(&binary)?)
}

fn raw_spec(args: &MeasureArgs) -> anyhow::Result<Option<RawSpec>> {
    let given =
        args.raw_shape.is_some() || args.raw_dtype.is_some() || args.raw_spacing_um.is_some();
    if !given {
        return Ok(None);
    }
    let (Some(shape), Some(dtype), Some(spacing)) =
        (&args.raw_shape, &args.raw_dtype, &args.raw_spacing_um)
    else {
        return Err(InputError(
            "a raw volume needs --raw-shape, --raw-dtype and --raw-spacing-um".into(),
        )
        .into());
    };
    let endian = match args.raw_endian.as_str() {
        "little" => Endian::Little,
        "big" => Endian::Big,
        other => {
            return Err(
                InputError(format!("--raw-endian {other:?}: expected little or big")).into(),
            )
        }
    };
    Ok(Some(RawSpec {
        shape: *shape,
        dtype: dtype
            .parse::<DType>()
            .map_err(|e| InputError(format!("--raw-dtype: {e}")))?,
        endian,
        spacing_um: *spacing,
        header_bytes: args.raw_header_bytes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_triples_parse_from_one_comma_separated_value() {
        assert_eq!(parse_shape("20,20,30"), Ok([20, 20, 30]));
        assert_eq!(parse_shape(" 20, 20 ,30"), Ok([20, 20, 30]));
        assert_eq!(parse_spacing("10,10,12.5"), Ok([10.0, 10.0, 12.5]));
        for bad in ["20,20", "20,20,20,20", "20,x,20", "0,20,20", "-1,2,3", ""] {
            let e = parse_shape(bad).unwrap_err();
            assert!(
                e.contains("three comma-separated positive integers"),
                "{bad}: {e}"
            );
        }
        for bad in ["1,1", "1,nan,1", "1,0,1", "1,inf,1"] {
            assert!(parse_spacing(bad).is_err(), "{bad}");
        }
    }
}
