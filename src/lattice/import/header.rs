//! The NRRD header: reading its lines and interpreting the fields a volume reader needs.
//!
//! Supported (NRRD0001 to NRRD0005): `type` in every NRRD spelling except the 64-bit
//! integers and `block`; `dimension: 3`; `sizes`; `encoding` raw or gzip; `endian`;
//! spacing from `space directions` (vector norms, with `space units`) or from
//! `spacings` (with `units`); `line skip`; `byte skip` (including `-1` for raw data);
//! a single detached `data file`. Comments (`#`) and `key:=value` pairs are skipped, and
//! other fields are ignored with a warning.
//!
//! Orientation is not kept: mutually orthogonal `space directions` that are not
//! axis-aligned are accepted, their norms taken as spacings, and a warning recorded;
//! non-orthogonal (sheared) directions are refused since box-shaped voxels would
//! misrepresent them.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;

use super::error::{shorten, ImportError};
use super::sample::{DType, Endian};
use super::values::{parse_strings, parse_type, parse_vectors, unit_to_um, TypeError};
use super::{checked_shape, checked_spacing};
use crate::grid::Dims;

/// Data encodings this reader decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Bytes as they are.
    Raw,
    /// A gzip stream.
    Gzip,
}

/// What the reader needs from a NRRD header.
#[derive(Clone, Debug)]
pub(crate) struct NrrdHeader {
    pub dtype: DType,
    pub endian: Endian,
    pub dims: Dims,
    /// Bytes of sample data.
    pub data_bytes: u64,
    pub spacing_um: [f64; 3],
    pub encoding: Encoding,
    pub line_skip: u64,
    /// Bytes to skip before the data; -1 (raw only) means "the data end the file".
    pub byte_skip: i64,
    /// A detached data file, as written in the header.
    pub data_file: Option<String>,
    pub warnings: Vec<String>,
}

struct Field {
    line: usize,
    value: String,
}

/// Reads the header from `r`, leaving `r` at the first byte after the blank line that
/// ends it (or at end of file for a detached header).
pub(crate) fn read_header<R: BufRead>(r: &mut R, path: &Path) -> Result<NrrdHeader, ImportError> {
    let mut limited = r.by_ref().take(super::MAX_HEADER_BYTES as u64);
    let mut buf = Vec::new();
    let io = |error| ImportError::Io {
        path: path.to_owned(),
        error,
    };

    limited.read_until(b'\n', &mut buf).map_err(io)?;
    let magic = decode_line(&buf);
    let magic = magic.trim_end();
    let version = magic
        .strip_prefix("NRRD000")
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|v| (1..=5).contains(v));
    if version.is_none() {
        return Err(ImportError::BadMagic {
            path: path.to_owned(),
            found: shorten(magic),
        });
    }

    let mut fields: HashMap<String, Field> = HashMap::new();
    let mut warnings = Vec::new();
    let mut line_no = 1;
    let mut terminated = false;
    loop {
        buf.clear();
        let n = limited.read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            if limited.limit() == 0 {
                return Err(ImportError::BadHeader {
                    path: path.to_owned(),
                    message: format!(
                        "header longer than {} bytes without the blank line that ends it",
                        super::MAX_HEADER_BYTES
                    ),
                });
            }
            break;
        }
        line_no += 1;
        let text = decode_line(&buf);
        let line = text.trim_end_matches(['\n', '\r']);
        if line.is_empty() {
            terminated = true;
            break;
        }
        if line.starts_with('#') {
            continue;
        }
        let colon = line.find(':');
        let kv = line.find(":=");
        let Some(colon) = colon else {
            return Err(ImportError::MalformedLine {
                path: path.to_owned(),
                line: line_no,
                text: shorten(line),
            });
        };
        if kv == Some(colon) {
            continue; // key:=value pair, not a field
        }
        let key = canonical_key(&line[..colon]);
        let value = line[colon + 1..].trim().to_owned();
        if fields.contains_key(&key) {
            return Err(ImportError::DuplicateField {
                path: path.to_owned(),
                line: line_no,
                key,
            });
        }
        fields.insert(
            key,
            Field {
                line: line_no,
                value,
            },
        );
    }

    let mut h = Interpreter {
        path,
        fields,
        warnings: &mut warnings,
    };
    let header = h.interpret(terminated)?;
    let known = [
        "type",
        "dimension",
        "sizes",
        "encoding",
        "endian",
        "space directions",
        "spacings",
        "space units",
        "units",
        "line skip",
        "byte skip",
        "data file",
        "space",
        "space dimension",
        "space origin",
        "kinds",
        "centers",
        "content",
        "measurement frame",
        "thicknesses",
        "axis mins",
        "axis maxs",
        "labels",
        "min",
        "max",
        "old min",
        "old max",
        "sample units",
        "number",
        "block size",
    ];
    let mut unknown: Vec<(usize, String)> = h
        .fields
        .iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .map(|(k, f)| (f.line, k.clone()))
        .collect();
    unknown.sort();
    for (line, key) in unknown {
        warnings.push(format!("header line {line}: unknown field `{key}` ignored"));
    }
    Ok(NrrdHeader { warnings, ..header })
}

/// A header line as text: UTF-8 when valid, else Latin-1 (so `µm` written by older
/// tools survives).
fn decode_line(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Lower-cased field name with whitespace collapsed and old spellings mapped.
fn canonical_key(key: &str) -> String {
    let k = key
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match k.as_str() {
        "datafile" => "data file".into(),
        "lineskip" => "line skip".into(),
        "byteskip" => "byte skip".into(),
        "centerings" => "centers".into(),
        "blocksize" => "block size".into(),
        _ => k,
    }
}

struct Interpreter<'a> {
    path: &'a Path,
    fields: HashMap<String, Field>,
    warnings: &'a mut Vec<String>,
}

impl Interpreter<'_> {
    fn bad(&self, key: &str, expected: impl Into<String>) -> ImportError {
        let (line, value) = self
            .fields
            .get(key)
            .map_or((0, ""), |f| (f.line, f.value.as_str()));
        ImportError::BadValue {
            path: self.path.to_owned(),
            line,
            key: key.to_owned(),
            value: shorten(value),
            expected: expected.into(),
        }
    }

    fn value(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", |f| f.value.as_str())
    }

    fn required(&self, key: &str, why: &str) -> Result<&Field, ImportError> {
        self.fields
            .get(key)
            .ok_or_else(|| ImportError::MissingField {
                path: self.path.to_owned(),
                key: key.to_owned(),
                why: why.to_owned(),
            })
    }

    fn interpret(&mut self, terminated: bool) -> Result<NrrdHeader, ImportError> {
        let path = self.path;
        let type_field = self.required("type", "it gives the sample type")?;
        let dtype = parse_type(&type_field.value).map_err(|kind| match kind {
            TypeError::Unknown => self.bad(
                "type",
                "a NRRD type such as uint8, int16, uint16, int32, uint32, float or double",
            ),
            TypeError::Unsupported(why) => ImportError::UnsupportedType {
                path: path.to_owned(),
                line: type_field.line,
                value: type_field.value.clone(),
                why: why.to_owned(),
            },
        })?;

        let dim_field = self.required("dimension", "it gives the number of axes")?;
        match dim_field.value.parse::<u64>() {
            Ok(3) => {}
            Ok(_) => return Err(self.bad("dimension", "3 (only 3-D volumes are supported)")),
            Err(_) => return Err(self.bad("dimension", "an integer, 3")),
        }

        let sizes_field = self.required("sizes", "it gives the shape of the volume")?;
        let sizes: Vec<u64> = sizes_field
            .value
            .split_whitespace()
            .map(str::parse::<u64>)
            .collect::<Result<_, _>>()
            .map_err(|_| self.bad("sizes", "3 non-negative integers"))?;
        let sizes: [u64; 3] = sizes
            .try_into()
            .map_err(|_| self.bad("sizes", "3 integers, one per axis (dimension is 3)"))?;

        if let Some(kinds) = self.fields.get("kinds") {
            let ok = ["domain", "space", "???", "none"];
            let words: Vec<String> = parse_strings(&kinds.value)
                .unwrap_or_default()
                .iter()
                .map(|k| k.to_lowercase())
                .collect();
            if words.len() != 3 || words.iter().any(|k| !ok.contains(&k.as_str())) {
                return Err(self.bad(
                    "kinds",
                    "3 spatial kinds (domain, space, ??? or none): every axis must be spatial",
                ));
            }
        }

        let enc_field = self.required("encoding", "it says how the samples are stored")?;
        let encoding = match enc_field.value.to_lowercase().as_str() {
            "raw" => Encoding::Raw,
            "gzip" | "gz" => Encoding::Gzip,
            _ => {
                return Err(ImportError::UnsupportedEncoding {
                    path: path.to_owned(),
                    line: enc_field.line,
                    value: shorten(&enc_field.value),
                })
            }
        };

        let endian = match self.fields.get("endian").map(|f| f.value.to_lowercase()) {
            Some(e) if e == "little" => Endian::Little,
            Some(e) if e == "big" => Endian::Big,
            Some(_) => return Err(self.bad("endian", "little or big")),
            None if dtype.size_bytes() == 1 => Endian::Little,
            None => {
                return Err(ImportError::MissingField {
                    path: path.to_owned(),
                    key: "endian".into(),
                    why: format!("type {dtype} has {} bytes per sample", dtype.size_bytes()),
                })
            }
        };

        let (dims, data_bytes) = checked_shape(path, sizes, dtype.size_bytes())?;
        let spacing_um = checked_spacing(path, self.spacing_um()?)?;

        let line_skip = match self.fields.get("line skip") {
            None => 0,
            Some(f) => f
                .value
                .parse::<u64>()
                .map_err(|_| self.bad("line skip", "a non-negative integer"))?,
        };
        let byte_skip = match self.fields.get("byte skip") {
            None => 0,
            Some(f) => match f.value.parse::<i64>() {
                Ok(-1) if encoding == Encoding::Raw => -1,
                Ok(-1) => {
                    return Err(ImportError::Unsupported {
                        path: path.to_owned(),
                        line: f.line,
                        key: "byte skip".into(),
                        what: "-1 (data at end of file) with a compressed encoding".into(),
                    })
                }
                Ok(b) if b >= 0 => b,
                _ => {
                    return Err(self.bad("byte skip", "a non-negative integer, or -1 for raw data"))
                }
            },
        };

        let data_file = match self.fields.get("data file") {
            None => None,
            Some(f) => {
                let v = f.value.trim();
                let tokens = v.split_whitespace().count();
                if v.starts_with("LIST") || (v.contains('%') && tokens >= 4) {
                    return Err(ImportError::Unsupported {
                        path: path.to_owned(),
                        line: f.line,
                        key: "data file".into(),
                        what: "data split over several files (LIST or format with range)".into(),
                    });
                }
                if v.is_empty() {
                    return Err(self.bad("data file", "the name of the file holding the samples"));
                }
                Some(v.to_owned())
            }
        };
        if data_file.is_none() && !terminated {
            return Err(ImportError::BadHeader {
                path: path.to_owned(),
                message: "file ends inside the header: no blank line before the data and no `data file` field"
                    .into(),
            });
        }

        Ok(NrrdHeader {
            dtype,
            endian,
            dims,
            data_bytes,
            spacing_um,
            encoding,
            line_skip,
            byte_skip,
            data_file,
            warnings: Vec::new(),
        })
    }

    /// Voxel spacings, micrometres, from `space directions` or `spacings`.
    fn spacing_um(&mut self) -> Result<[f64; 3], ImportError> {
        let has_dirs = self.fields.contains_key("space directions");
        if has_dirs {
            if self.fields.contains_key("spacings") {
                self.warnings.push(
                    "both `space directions` and `spacings` given; `spacings` ignored".into(),
                );
            }
            return self.spacing_from_directions();
        }
        if !self.fields.contains_key("spacings") {
            return Err(ImportError::MissingField {
                path: self.path.to_owned(),
                key: "space directions (or spacings)".into(),
                why: "the voxel size is needed to build the lattice; add `spacings: sx sy sz` and `units` to the header".into(),
            });
        }
        let mut s = [0.0; 3];
        let tokens: Vec<&str> = self.value("spacings").split_whitespace().collect();
        if tokens.len() != 3 {
            return Err(self.bad("spacings", "3 numbers, one per axis"));
        }
        for (a, t) in tokens.iter().enumerate() {
            s[a] = t
                .parse::<f64>()
                .map_err(|_| self.bad("spacings", "3 numbers, one per axis"))?;
        }
        let factors = self.unit_factors("units", 3)?;
        Ok([s[0] * factors[0], s[1] * factors[1], s[2] * factors[2]])
    }

    fn spacing_from_directions(&mut self) -> Result<[f64; 3], ImportError> {
        let key = "space directions";
        let vectors = parse_vectors(self.value(key))
            .ok_or_else(|| self.bad(key, "3 vectors such as (0.01,0,0) (0,0.01,0) (0,0,0.01)"))?;
        if vectors.len() != 3 {
            return Err(self.bad(key, "3 vectors, one per axis (dimension is 3)"));
        }
        let mut spatial = Vec::with_capacity(3);
        for v in vectors {
            match v {
                Some(v) => spatial.push(v),
                None => {
                    return Err(self.bad(
                        key,
                        "a vector for every axis: `none` is only for non-spatial axes",
                    ))
                }
            }
        }
        let n = spatial[0].len();
        if n == 0 || spatial.iter().any(|v| v.len() != n) {
            return Err(self.bad(key, "vectors with the same number of components"));
        }
        let factors = self.unit_factors("space units", n)?;
        let scaled: Vec<Vec<f64>> = spatial
            .iter()
            .map(|v| v.iter().zip(&factors).map(|(c, f)| c * f).collect())
            .collect();
        let norms: Vec<f64> = scaled
            .iter()
            .map(|v| v.iter().map(|c| c * c).sum::<f64>().sqrt())
            .collect();
        let mut axis_aligned = true;
        for (i, v) in scaled.iter().enumerate() {
            if v.iter().filter(|&&c| c != 0.0).count() > 1 {
                axis_aligned = false;
            }
            for (j, w) in scaled.iter().enumerate().skip(i + 1) {
                let dot: f64 = v.iter().zip(w).map(|(a, b)| a * b).sum();
                let cos = dot / (norms[i] * norms[j]);
                if cos.abs() > 1e-6 {
                    return Err(self.bad(
                        key,
                        format!(
                            "mutually orthogonal axes (axes {i} and {j} have cosine {cos:.3e}; sheared grids are not supported)"
                        ),
                    ));
                }
            }
        }
        if !axis_aligned {
            let line = self.fields.get(key).map_or(0, |f| f.line);
            self.warnings.push(format!(
                "header line {line}: space directions are not axis-aligned; the rotation is dropped and the vector lengths are used as spacings"
            ));
        }
        Ok([norms[0], norms[1], norms[2]])
    }

    /// Factors from the units in field `key` to micrometres, `n` of them.
    fn unit_factors(&mut self, key: &str, n: usize) -> Result<Vec<f64>, ImportError> {
        let Some(field) = self.fields.get(key) else {
            self.warnings
                .push(format!("no `{key}` field: lengths taken as millimetres"));
            return Ok(vec![1000.0; n]);
        };
        let units = parse_strings(&field.value)
            .ok_or_else(|| self.bad(key, "quoted unit names such as \"mm\" \"mm\" \"mm\""))?;
        if units.len() != n {
            return Err(self.bad(key, format!("{n} units, one per component")));
        }
        let mut out = Vec::with_capacity(n);
        let mut assumed = false;
        for u in &units {
            match unit_to_um(u) {
                Some(Some(f)) => out.push(f),
                Some(None) => {
                    assumed = true;
                    out.push(1000.0);
                }
                None => return Err(self.bad(key, "units among mm, um (µm, micron), nm, cm, m")),
            }
        }
        if assumed {
            let line = field.line;
            self.warnings.push(format!(
                "header line {line}: empty unit in `{key}` taken as millimetres"
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn header(text: &str) -> Result<NrrdHeader, ImportError> {
        read_header(&mut Cursor::new(text.as_bytes()), Path::new("t.nrrd"))
    }

    const BASE: &str = "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 3 4\nencoding: raw\n";

    #[test]
    fn spacing_from_directions_in_mm_and_um() {
        let h = header(&format!(
            "{BASE}space directions: (0.01,0,0) (0, 0.02, 0) (0,0,0.03)\nspace units: \"mm\" \"mm\" \"mm\"\n\n"
        ))
        .unwrap();
        assert_eq!(h.dims, Dims::new(2, 3, 4));
        assert!((h.spacing_um[0] - 10.0).abs() < 1e-9);
        assert!((h.spacing_um[1] - 20.0).abs() < 1e-9);
        assert!((h.spacing_um[2] - 30.0).abs() < 1e-9);
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);

        let h = header(&format!(
            "{BASE}spacings: 5 5 7\nunits: \"µm\" \"um\" \"micron\"\n\n"
        ))
        .unwrap();
        assert_eq!(h.spacing_um, [5.0, 5.0, 7.0]);
    }

    #[test]
    fn missing_units_assume_mm_with_warning() {
        let h = header(&format!("{BASE}spacings: 0.004 0.004 0.004\n\n")).unwrap();
        assert!((h.spacing_um[0] - 4.0).abs() < 1e-12);
        assert_eq!(h.warnings.len(), 1);
    }

    #[test]
    fn rotated_directions_warn_and_sheared_fail() {
        let s = std::f64::consts::FRAC_1_SQRT_2 * 0.01;
        let h = header(&format!(
            "{BASE}space directions: ({s},{s},0) (-{s},{s},0) (0,0,0.01)\n\n"
        ))
        .unwrap();
        assert!((h.spacing_um[0] - 10.0).abs() < 1e-9);
        assert!(h.warnings.iter().any(|w| w.contains("axis-aligned")));
        let e = header(&format!(
            "{BASE}space directions: (0.01,0.01,0) (0,0.01,0) (0,0,0.01)\n\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("orthogonal"), "{e}");
    }

    #[test]
    fn errors_name_line_and_key() {
        let e = header(
            "NRRD0004\ntype: uint8\ndimension: 2\nsizes: 2 3\nencoding: raw\nspacings: 1 1\n\n",
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("line 3") && msg.contains("dimension") && msg.contains("\"2\""),
            "{msg}"
        );

        let e = header(&format!("{BASE}space directions: none (0,1,0) (0,0,1)\n\n")).unwrap_err();
        assert!(e.to_string().contains("none"), "{e}");

        let e = header("NRRD0004\ntype: uint16\ndimension: 3\nsizes: 2 3 4\nencoding: raw\nspacings: 1 1 1\n\n").unwrap_err();
        assert!(e.to_string().contains("endian"), "{e}");

        let e = header(&format!("{BASE}spacings: 1 0 1\n\n")).unwrap_err();
        assert!(matches!(e, ImportError::BadSpacing { axis: 1, .. }), "{e}");

        let e = header(&format!("{BASE}spacings: 1 nan 1\n\n")).unwrap_err();
        assert!(matches!(e, ImportError::BadSpacing { axis: 1, .. }), "{e}");

        let e = header("NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 x 4\nencoding: raw\n\n")
            .unwrap_err();
        assert!(e.to_string().contains("sizes"), "{e}");

        let e = header("NRRD0004\ntype: uint8\ndimension: 3\nsizes: 2 3 4\nencoding: bzip2\nspacings: 1 1 1\n\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("bzip2") && msg.contains("raw") && msg.contains("gzip"),
            "{msg}"
        );

        let e = header("NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4294967296 4294967296 4\nencoding: raw\nspacings: 1 1 1\n\n").unwrap_err();
        assert!(matches!(e, ImportError::AbsurdSize { .. }), "{e}");

        let e = header(&format!("{BASE}spacings: 1 1 1\nsizes: 1 1 1\n\n")).unwrap_err();
        assert!(
            matches!(e, ImportError::DuplicateField { line: 7, .. }),
            "{e}"
        );
    }

    #[test]
    fn comments_and_key_values_are_skipped() {
        let h = header(&format!(
            "{BASE}# a comment: with colon\nspacings: 1 1 1\nunits: um um um\nmy key:=my: value\nlineskip: 2\nbyte skip: -1\n\n"
        ))
        .unwrap();
        assert_eq!(h.line_skip, 2);
        assert_eq!(h.byte_skip, -1);
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    }

    #[test]
    fn non_spatial_kinds_are_refused() {
        let ok = header(&format!(
            "{BASE}kinds: domain domain space\nspacings: 1 1 1\n\n"
        ));
        assert!(ok.is_ok());
        let e = header(&format!(
            "{BASE}kinds: RGB-color domain domain\nspacings: 1 1 1\n\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("RGB-color"), "{e}");
    }

    #[test]
    fn detached_header_needs_no_blank_line() {
        let h = header(&format!(
            "{BASE}spacings: 1 1 1\nunits: um um um\ndata file: vol.raw"
        ))
        .unwrap();
        assert_eq!(h.data_file.as_deref(), Some("vol.raw"));
        assert!(header(&format!("{BASE}spacings: 1 1 1\n")).is_err());
    }
}
