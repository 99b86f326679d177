//! Which key sized the lattice, and where it was written, for the refusal message:
//! `lattice.shape_voxels = [1024, 1024, 1024] (big.toml line 9)`, `--set
//! lattice.side_mm=20`, the default side, or an imported volume's path with the sizes
//! its header gives.
//!
//! The validated [`Config`] keeps values, not where they came from, so the key is
//! looked up again in the config text and the `--set` overrides.

use crate::config::{locate_line, Config, LatticeSource, Override};

/// Where a config came from: its name in messages (a file path, or `out.h5:/config`),
/// its text when available, and the command-line overrides applied to it.
#[derive(Clone, Copy, Debug)]
pub struct ConfigSource<'a> {
    /// Name of the config in messages.
    pub name: &'a str,
    /// The TOML text (to find keys and lines), if it can be read.
    pub text: Option<&'a str>,
    /// `--set` overrides applied on top of the text.
    pub overrides: &'a [Override],
}

impl ConfigSource<'_> {
    /// `key = value` with where it was set: `(FILE line N)` or `(--set)`; `None`
    /// when neither the overrides nor the text have the key.
    fn key(&self, path: &str) -> Option<String> {
        if let Some(o) = self.overrides.iter().rev().find(|o| o.path == path) {
            return Some(format!("{path} = {} (--set)", o.value));
        }
        let text = self.text?;
        let doc: toml::Table = text.parse().ok()?;
        let value = path
            .split('.')
            .try_fold(&toml::Value::Table(doc), |v, k| v.get(k))?
            .clone();
        let at = match locate_line(text, path) {
            Some(line) => format!("{} line {line}", self.name),
            None => self.name.to_string(),
        };
        Some(format!("{path} = {value} ({at})"))
    }
}

/// What sized the lattice of `config`, e.g. `lattice.side_mm = 20.0 (big.toml line
/// 7) at lattice.voxel_um = 5.0: 4000 x 4000 x 4000 voxels`. `volume` is the shape
/// line of an imported volume (from its header), if any.
pub fn describe(config: &Config, source: &ConfigSource<'_>, volume: Option<&str>) -> String {
    let lattice = &config.lattice;
    let voxel = source
        .key("lattice.voxel_um")
        .unwrap_or_else(|| match lattice.voxel_um {
            Some(v) => format!("lattice.voxel_um = {v} (default)"),
            None => "the volume's own spacing".into(),
        });
    match &lattice.source {
        LatticeSource::Synthetic(_) => {
            let [nx, ny, nz] = lattice.shape_voxels.unwrap_or([0; 3]);
            let shape = format!("{nx} x {ny} x {nz} voxels");
            if let Some(k) = source.key("lattice.shape_voxels") {
                k
            } else if let Some(k) = source.key("lattice.side_mm") {
                format!("{k} at {voxel}: {shape}")
            } else {
                format!(
                    "the default lattice.side_mm (neither it nor lattice.shape_voxels is set in {}) at {voxel}: {shape}",
                    source.name
                )
            }
        }
        LatticeSource::Import(i) => {
            let path = source
                .key("lattice.import.path")
                .unwrap_or_else(|| format!("lattice.import.path = {:?}", i.path.display()));
            let mut s = format!("{path}, {}", volume.unwrap_or("a volume"));
            if lattice.voxel_um.is_some() {
                s.push_str(&format!(", resampled to {voxel}"));
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[run]\ndays = 2\n\n[lattice]\nvoxel_um = 5.0\n# side_mm = 1\nshape_voxels = [1024, 1024, 1024]\n\n[lattice.synthetic]\npreset = \"iliac_crest\"\n";

    #[test]
    fn keys_are_found_under_their_table_or_dotted() {
        assert_eq!(locate_line(TEXT, "lattice.shape_voxels"), Some(7));
        assert_eq!(locate_line(TEXT, "lattice.voxel_um"), Some(5));
        assert_eq!(locate_line(TEXT, "lattice.side_mm"), None);
        assert_eq!(locate_line(TEXT, "lattice.synthetic.preset"), Some(10));
        let dotted = "lattice.side_mm = 2\n[run]\nseed = 1\n";
        assert_eq!(locate_line(dotted, "lattice.side_mm"), Some(1));
    }

    #[test]
    fn the_sizing_key_is_named_with_file_and_line_or_as_an_override() {
        let config =
            crate::config::parse(TEXT, "big.toml", std::path::Path::new("."), &[]).unwrap();
        let src = ConfigSource {
            name: "big.toml",
            text: Some(TEXT),
            overrides: &[],
        };
        let s = describe(&config, &src, None);
        assert_eq!(
            s,
            "lattice.shape_voxels = [1024, 1024, 1024] (big.toml line 7)"
        );
        let o: Override = "lattice.shape_voxels=[8, 8, 1000]".parse().unwrap();
        let overrides = [o];
        let config =
            crate::config::parse(TEXT, "big.toml", std::path::Path::new("."), &overrides).unwrap();
        let src = ConfigSource {
            overrides: &overrides,
            ..src
        };
        let s = describe(&config, &src, None);
        assert!(
            s.starts_with("lattice.shape_voxels = [8, 8, 1000] (--set)"),
            "{s}"
        );
    }

    #[test]
    fn a_side_names_the_voxel_size_and_the_shape() {
        let text = "[lattice]\nside_mm = 5.0\n\n[lattice.synthetic]\npreset = \"iliac_crest\"\n";
        let config = crate::config::parse(text, "c.toml", std::path::Path::new("."), &[]).unwrap();
        let src = ConfigSource {
            name: "c.toml",
            text: Some(text),
            overrides: &[],
        };
        let s = describe(&config, &src, None);
        assert_eq!(
            s,
            "lattice.side_mm = 5.0 (c.toml line 2) at lattice.voxel_um = 20 (default): 250 x 250 x 250 voxels"
        );
        let text = "[lattice.synthetic]\npreset = \"iliac_crest\"\n";
        let config = crate::config::parse(text, "d.toml", std::path::Path::new("."), &[]).unwrap();
        let src = ConfigSource {
            name: "d.toml",
            text: Some(text),
            overrides: &[],
        };
        let s = describe(&config, &src, None);
        assert!(s.starts_with("the default lattice.side_mm"), "{s}");
        assert!(s.ends_with("150 x 150 x 150 voxels"), "{s}");
    }
}
