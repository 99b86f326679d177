//! NRRD reader: header (see the `header` module) plus attached or detached sample data,
//! raw or gzip-compressed.
//!
//! Data length is checked strictly: raw data must fill the rest of the file exactly
//! (after `line skip` and `byte skip`) unless `byte skip: -1` says they end the file,
//! and gzip data must decompress to exactly the expected byte count. A mismatch usually
//! means the header states the wrong type or sizes, so it is an error rather than a
//! silently misread volume. For gzip, `line skip` applies to the file and `byte skip`
//! to the decompressed stream, as in the NRRD specification.

use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

use super::error::ImportError;
use super::header::{read_header, Encoding, NrrdHeader};
use super::sample::decode;
use super::{try_alloc, GreyVolume};

/// Longest NRRD header read before giving up, bytes (1 MiB).
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// Reads a NRRD file (`.nrrd` with attached data, or `.nhdr` with a `data file`
/// resolved relative to the header's directory).
pub fn read_nrrd(path: impl AsRef<Path>) -> Result<GreyVolume, ImportError> {
    let path = path.as_ref();
    let file = super::open(path)?;
    let mut reader = BufReader::new(file);
    let header = read_header(&mut reader, path)?;
    match &header.data_file {
        None => volume(reader, header, path),
        Some(name) => {
            let data_path = resolve(path, name);
            let file = super::open(&data_path)?;
            volume(BufReader::new(file), header, &data_path)
        }
    }
}

/// Reads a NRRD file held in memory (attached data only). `name` labels errors.
pub fn read_nrrd_bytes(bytes: &[u8], name: &str) -> Result<GreyVolume, ImportError> {
    let path = Path::new(name);
    let mut reader = Cursor::new(bytes);
    let header = read_header(&mut reader, path)?;
    if header.data_file.is_some() {
        return Err(ImportError::BadHeader {
            path: path.to_owned(),
            message:
                "detached `data file` cannot be resolved for an in-memory header; use read_nrrd"
                    .into(),
        });
    }
    volume(reader, header, path)
}

fn resolve(header_path: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() {
        p.to_owned()
    } else {
        header_path.parent().unwrap_or(Path::new("")).join(p)
    }
}

fn io_err(path: &Path, error: std::io::Error) -> ImportError {
    ImportError::Io {
        path: path.to_owned(),
        error,
    }
}

fn volume<R: BufRead + Seek>(
    mut r: R,
    header: NrrdHeader,
    path: &Path,
) -> Result<GreyVolume, ImportError> {
    skip_lines(&mut r, header.line_skip, path)?;
    let bytes = match header.encoding {
        Encoding::Raw => raw_payload(&mut r, &header, path)?,
        Encoding::Gzip => gzip_payload(r, &header, path)?,
    };
    let data = decode(&bytes, header.dims, header.dtype, header.endian);
    Ok(GreyVolume {
        dims: header.dims,
        spacing_um: header.spacing_um,
        data,
        source_dtype: header.dtype,
        warnings: header.warnings,
    })
}

fn skip_lines<R: BufRead>(r: &mut R, lines: u64, path: &Path) -> Result<(), ImportError> {
    for done in 0..lines {
        loop {
            let buf = r.fill_buf().map_err(|e| io_err(path, e))?;
            if buf.is_empty() {
                return Err(ImportError::BadHeader {
                    path: path.to_owned(),
                    message: format!("data end after {done} of the {lines} lines of `line skip`"),
                });
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    r.consume(i + 1);
                    break;
                }
                None => {
                    let n = buf.len();
                    r.consume(n);
                }
            }
        }
    }
    Ok(())
}

fn raw_payload<R: Read + Seek>(
    r: &mut R,
    h: &NrrdHeader,
    path: &Path,
) -> Result<Vec<u8>, ImportError> {
    let pos = r.stream_position().map_err(|e| io_err(path, e))?;
    let end = r.seek(SeekFrom::End(0)).map_err(|e| io_err(path, e))?;
    let remaining = end.saturating_sub(pos);
    let start = if h.byte_skip < 0 {
        if remaining < h.data_bytes {
            return Err(ImportError::Truncated {
                path: path.to_owned(),
                expected: h.data_bytes,
                found: remaining,
            });
        }
        end - h.data_bytes
    } else {
        let skip = h.byte_skip as u64;
        let needed = skip.saturating_add(h.data_bytes);
        if remaining < needed {
            return Err(ImportError::Truncated {
                path: path.to_owned(),
                expected: needed,
                found: remaining,
            });
        }
        if remaining > needed {
            return Err(ImportError::SizeMismatch {
                path: path.to_owned(),
                what: "data after the header (longer than the type and sizes imply)".into(),
                expected: needed,
                actual: remaining,
            });
        }
        pos + skip
    };
    r.seek(SeekFrom::Start(start))
        .map_err(|e| io_err(path, e))?;
    // data_bytes fits in usize: checked_shape verified it.
    let len = h.data_bytes as usize;
    let mut bytes = try_alloc(path, len)?;
    bytes.resize(len, 0);
    r.read_exact(&mut bytes).map_err(|e| io_err(path, e))?;
    Ok(bytes)
}

fn gzip_payload<R: BufRead>(r: R, h: &NrrdHeader, path: &Path) -> Result<Vec<u8>, ImportError> {
    let gz_err = |e: std::io::Error| ImportError::Gzip {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    let mut dec = MultiGzDecoder::new(r);
    let skip = h.byte_skip.max(0) as u64;
    let skipped =
        std::io::copy(&mut (&mut dec).take(skip), &mut std::io::sink()).map_err(gz_err)?;
    if skipped < skip {
        return Err(ImportError::Truncated {
            path: path.to_owned(),
            expected: skip.saturating_add(h.data_bytes),
            found: skipped,
        });
    }
    // Grow with the data actually decompressed, so a lying header cannot make us
    // allocate more than the stream holds (beyond a modest first reservation).
    let first = usize::try_from(h.data_bytes.min(1 << 26)).unwrap_or(1 << 26);
    let mut bytes = try_alloc(path, first)?;
    (&mut dec)
        .take(h.data_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(gz_err)?;
    let got = bytes.len() as u64;
    if got < h.data_bytes {
        return Err(ImportError::Truncated {
            path: path.to_owned(),
            expected: h.data_bytes,
            found: got,
        });
    }
    if got > h.data_bytes {
        let extra = std::io::copy(&mut (&mut dec).take(h.data_bytes), &mut std::io::sink())
            .map_err(gz_err)?;
        return Err(ImportError::SizeMismatch {
            path: path.to_owned(),
            what: "decompressed data (longer than the type and sizes imply)".into(),
            expected: h.data_bytes,
            actual: got + extra,
        });
    }
    bytes.truncate(h.data_bytes as usize);
    Ok(bytes)
}
