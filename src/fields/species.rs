//! The transported species and their transport parameters in solver units.
//!
//! Solver units: micrometres, seconds, picomolar. The config gives decay per day and
//! diffusion in um^2/s ([`crate::config::fields`], where every default carries its
//! source); [`SpeciesParams`] holds the same numbers converted once.

use crate::config::fields::{BoundaryKind, FieldsConfig, SpeciesConfig, SPECIES_KEYS};

/// Seconds in a day.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// A transported species.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Species {
    /// Receptor activator of NF-kB ligand (soluble), total (free plus bound).
    Rankl,
    /// Osteoprotegerin, the decoy receptor of RANKL, total.
    Opg,
    /// Interleukin-1 (beta).
    Il1,
    /// Interleukin-6.
    Il6,
    /// Tumour necrosis factor alpha.
    Tnf,
    /// Transforming growth factor beta, released from resorbed matrix.
    Tgfb,
    /// Denosumab in tissue, total.
    Denosumab,
}

impl Species {
    /// All species, in config order.
    pub const ALL: [Species; 7] = [
        Species::Rankl,
        Species::Opg,
        Species::Il1,
        Species::Il6,
        Species::Tnf,
        Species::Tgfb,
        Species::Denosumab,
    ];

    /// The key of the species' config table under `[fields]` (and its output name):
    /// its entry in the config's [`SPECIES_KEYS`], which lists the species in the
    /// order of [`Species::ALL`].
    pub const fn key(self) -> &'static str {
        SPECIES_KEYS[self as usize]
    }
}

impl std::fmt::Display for Species {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// Condition at the six domain faces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary {
    /// Nothing crosses the faces.
    NoFlux,
    /// The concentration is held at this value on the faces, pM.
    Fixed {
        /// The face concentration, pM.
        value_pm: f64,
    },
}

/// Transport of one species in solver units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpeciesParams {
    /// Which species.
    pub species: Species,
    /// Diffusion coefficient in marrow, um^2/s.
    pub diffusion_um2_per_s: f64,
    /// First-order decay rate, 1/s.
    pub decay_per_s: f64,
    /// Condition at the domain faces.
    pub boundary: Boundary,
}

impl SpeciesParams {
    /// Parameters from a validated species config.
    pub fn from_config(species: Species, c: &SpeciesConfig) -> Self {
        let boundary = match c.boundary {
            BoundaryKind::NoFlux => Boundary::NoFlux,
            BoundaryKind::Fixed => Boundary::Fixed {
                value_pm: c.boundary_value_pm.unwrap_or(0.0),
            },
        };
        Self {
            species,
            diffusion_um2_per_s: c.diffusion_um2_per_s,
            decay_per_s: c.decay_per_day / SECONDS_PER_DAY,
            boundary,
        }
    }

    /// The parameters of `species` in a validated `[fields]` config.
    pub fn of(species: Species, config: &FieldsConfig) -> Self {
        let i = Species::ALL
            .iter()
            .position(|s| *s == species)
            .expect("ALL lists every species");
        Self::from_config(species, config.species()[i])
    }

    /// All seven species of a config, in config order.
    pub fn all(config: &FieldsConfig) -> Vec<Self> {
        Species::ALL.iter().map(|&s| Self::of(s, config)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_config_list_in_the_order_of_all() {
        let keys: Vec<&str> = Species::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys, SPECIES_KEYS);
        let config = FieldsConfig::default();
        for (i, s) in Species::ALL.into_iter().enumerate() {
            // `of` picks the config table of the same position.
            assert_eq!(
                SpeciesParams::of(s, &config).diffusion_um2_per_s,
                config.species()[i].diffusion_um2_per_s
            );
        }
    }
}
