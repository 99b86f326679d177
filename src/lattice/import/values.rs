//! Parsers for the values of NRRD header fields: sample type names, direction vectors,
//! quoted string lists and length units.

use super::sample::DType;

/// Why a `type` value was not accepted.
pub(crate) enum TypeError {
    /// Not a NRRD type name.
    Unknown,
    /// A NRRD type this reader does not handle, and why.
    Unsupported(&'static str),
}

/// The sample type named by a NRRD `type` value, in any of its spellings.
pub(crate) fn parse_type(value: &str) -> Result<DType, TypeError> {
    let v = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    Ok(match v.as_str() {
        "signed char" | "int8" | "int8_t" => DType::I8,
        "uchar" | "unsigned char" | "uint8" | "uint8_t" => DType::U8,
        "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => DType::I16,
        "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => DType::U16,
        "int" | "signed int" | "int32" | "int32_t" => DType::I32,
        "uint" | "unsigned int" | "uint32" | "uint32_t" => DType::U32,
        "float" => DType::F32,
        "double" => DType::F64,
        "longlong" | "long long" | "long long int" | "signed long long" | "signed long long int"
        | "int64" | "int64_t" | "ulonglong" | "unsigned long long" | "unsigned long long int"
        | "uint64" | "uint64_t" => {
            return Err(TypeError::Unsupported(
                "64-bit integer samples cannot be held exactly as grey values; convert the volume to 32-bit, 16-bit or float",
            ))
        }
        "block" => {
            return Err(TypeError::Unsupported(
                "opaque `block` samples carry no grey value",
            ))
        }
        _ => return Err(TypeError::Unknown),
    })
}

/// Parses `(a,b,c) none (d,e,f)`: `Some(v)` per vector, `None` per `none`.
pub(crate) fn parse_vectors(value: &str) -> Option<Vec<Option<Vec<f64>>>> {
    let mut out = Vec::new();
    let mut rest = value.trim_start();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("none") {
            out.push(None);
            rest = r.trim_start();
        } else if let Some(r) = rest.strip_prefix('(') {
            let close = r.find(')')?;
            let comps = r[..close]
                .split(',')
                .map(|c| c.trim().parse::<f64>().ok())
                .collect::<Option<Vec<f64>>>()?;
            out.push(Some(comps));
            rest = r[close + 1..].trim_start();
        } else {
            return None;
        }
    }
    Some(out)
}

/// Parses `"mm" "mm" "mm"` (or unquoted words) into strings.
pub(crate) fn parse_strings(value: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = value.trim_start();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('"') {
            let close = r.find('"')?;
            out.push(r[..close].to_owned());
            rest = r[close + 1..].trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push(rest[..end].to_owned());
            rest = rest[end..].trim_start();
        }
    }
    Some(out)
}

/// Micrometres per unit: `Some(Some(f))` for a known unit, `Some(None)` for an empty
/// or placeholder unit, `None` for an unknown one.
pub(crate) fn unit_to_um(unit: &str) -> Option<Option<f64>> {
    let u = unit.trim().to_lowercase();
    Some(Some(match u.as_str() {
        "" | "???" | "none" | "unknown" => return Some(None),
        "mm" | "millimeter" | "millimeters" | "millimetre" | "millimetres" => 1e3,
        "um" | "µm" | "μm" | "micron" | "microns" | "micrometer" | "micrometers" | "micrometre"
        | "micrometres" => 1.0,
        "nm" | "nanometer" | "nanometers" | "nanometre" | "nanometres" => 1e-3,
        "cm" | "centimeter" | "centimeters" | "centimetre" | "centimetres" => 1e4,
        "m" | "meter" | "meters" | "metre" | "metres" => 1e6,
        _ => return None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_spelling() {
        let cases = [
            ("uchar", DType::U8),
            ("unsigned char", DType::U8),
            ("uint8_t", DType::U8),
            ("signed char", DType::I8),
            ("int8", DType::I8),
            ("short", DType::I16),
            ("short int", DType::I16),
            ("signed short", DType::I16),
            ("signed  short  int", DType::I16),
            ("int16_t", DType::I16),
            ("ushort", DType::U16),
            ("unsigned short int", DType::U16),
            ("uint16", DType::U16),
            ("int", DType::I32),
            ("signed int", DType::I32),
            ("int32_t", DType::I32),
            ("uint", DType::U32),
            ("unsigned int", DType::U32),
            ("uint32", DType::U32),
            ("float", DType::F32),
            ("double", DType::F64),
        ];
        for (name, dtype) in cases {
            assert!(matches!(parse_type(name), Ok(d) if d == dtype), "{name}");
        }
        for name in ["int64", "unsigned long long", "longlong", "block"] {
            assert!(
                matches!(parse_type(name), Err(TypeError::Unsupported(_))),
                "{name}"
            );
        }
        assert!(matches!(parse_type("complex"), Err(TypeError::Unknown)));
    }

    #[test]
    fn vectors_strings_and_units() {
        assert_eq!(
            parse_vectors("(1, 0,0) none ( 0,2,0 )"),
            Some(vec![
                Some(vec![1.0, 0.0, 0.0]),
                None,
                Some(vec![0.0, 2.0, 0.0])
            ])
        );
        assert_eq!(parse_vectors("(1,0,0"), None);
        assert_eq!(parse_vectors("(1,x,0)"), None);
        assert_eq!(
            parse_strings("\"mm\" um \"\""),
            Some(vec!["mm".into(), "um".into(), String::new()])
        );
        assert_eq!(parse_strings("\"mm"), None);
        assert_eq!(unit_to_um("µm"), Some(Some(1.0)));
        assert_eq!(unit_to_um("MM"), Some(Some(1000.0)));
        assert_eq!(unit_to_um(""), Some(None));
        assert_eq!(unit_to_um("furlong"), None);
    }
}
