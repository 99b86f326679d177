//! Sources and sinks: the one interface through which cells and the marrow write into
//! the fields.
//!
//! Three kinds, all rates:
//! - point secretion by a cell at a position (a lattice voxel or a point in um), in
//!   molecules per second, deposited in the field cell that holds the position;
//! - uptake by a cell, a first-order sink given as a clearance in um^3/s (the volume of
//!   fluid the cell clears per second, so the uptake is `clearance * c`);
//! - uniform background production in marrow, pM/s per marrow volume (scaled by each
//!   field cell's marrow fraction, so bone produces nothing).
//!
//! Sources persist until [`Fields::clear_sources`]; the cell code clears and rewrites
//! them every cell step. Additions are applied in call order, so a caller that adds
//! in a fixed order (e.g. by cell id) gets the same sums for any thread count.
//! Conversion: 1 pM is 6.022e-4 molecules per um^3, so `q` molecules/s into a cell of
//! volume `V` raise its source by `q / (6.022e-4 V)` pM/s.

use super::grid::MOLECULES_PER_UM3_PER_PM;
use super::{Boundary, FieldError, Fields, Species};

/// Where a cell is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Position {
    /// A lattice voxel `(x, y, z)`.
    Voxel([usize; 3]),
    /// A point in um from the domain's low corner.
    PointUm([f64; 3]),
}

impl Fields {
    fn cell_at(&self, at: Position) -> Result<usize, FieldError> {
        let cell = match at {
            Position::Voxel([x, y, z]) => self.grid.cell_of_voxel(x, y, z),
            Position::PointUm(p) => self.grid.cell_of_point_um(p),
        };
        cell.ok_or(FieldError::OutsideDomain(at))
    }

    fn finite_non_negative(what: &'static str, v: f64) -> Result<(), FieldError> {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(FieldError::BadValue { what, value: v })
        }
    }

    /// Sets every source and uptake of every species to zero.
    pub fn clear_sources(&mut self) {
        for s in &mut self.source {
            s.fill(0.0);
        }
        for k in self.uptake.iter_mut().flatten() {
            k.fill(0.0);
            self.uptake_changed = true;
        }
    }

    /// A cell at `at` secretes `species` at `molecules_per_s`.
    pub fn secrete(
        &mut self,
        species: Species,
        at: Position,
        molecules_per_s: f64,
    ) -> Result<(), FieldError> {
        Self::finite_non_negative("secretion (molecules/s)", molecules_per_s)?;
        let s = self.require(species)?;
        let i = self.cell_at(at)?;
        let rate_pm_per_s =
            molecules_per_s / (MOLECULES_PER_UM3_PER_PM * self.grid.cell_volume_um3());
        self.source[s][i] += rate_pm_per_s as f32;
        Ok(())
    }

    /// A cell at `at` takes up `species` with a clearance of `clearance_um3_per_s`
    /// (first-order: it removes `clearance * c` per second).
    pub fn take_up(
        &mut self,
        species: Species,
        at: Position,
        clearance_um3_per_s: f64,
    ) -> Result<(), FieldError> {
        Self::finite_non_negative("uptake clearance (um^3/s)", clearance_um3_per_s)?;
        let s = self.require(species)?;
        let i = self.cell_at(at)?;
        let rate_per_s = clearance_um3_per_s / self.grid.cell_volume_um3();
        let n = self.grid.dims.len();
        let k = self.uptake[s].get_or_insert_with(|| vec![0.0; n]);
        k[i] += rate_per_s as f32;
        self.uptake_changed = true;
        Ok(())
    }

    /// Adds uniform production of `species` in marrow, `rate_pm_per_s` per marrow
    /// volume (each field cell gets it times its marrow fraction).
    pub fn add_background(
        &mut self,
        species: Species,
        rate_pm_per_s: f64,
    ) -> Result<(), FieldError> {
        Self::finite_non_negative("background production (pM/s)", rate_pm_per_s)?;
        let s = self.require(species)?;
        let rate = rate_pm_per_s as f32;
        for (v, &phi) in self.source[s]
            .iter_mut()
            .zip(&self.geometry.marrow_fraction)
        {
            *v += rate * phi;
        }
        Ok(())
    }

    /// Holds `species` at a uniform tissue level `level_pm` in marrow: adds the
    /// background production `level_pm * decay` (whose quasi-steady solution is
    /// `level_pm` throughout the marrow) and, when the species has fixed faces, sets
    /// the face value to `level_pm`. Nothing happens when the fields do not carry the
    /// species. Call after the sources were cleared for the step (e.g. the denosumab
    /// tissue level, [`crate::pharmacology::denosumab::tissue_pm`]).
    pub fn feed_tissue_level(&mut self, species: Species, level_pm: f64) -> Result<(), FieldError> {
        let Some(k) = self.index_of(species) else {
            return Ok(());
        };
        let p = self.species()[k];
        if matches!(p.boundary, Boundary::Fixed { .. }) {
            self.set_boundary_value(species, level_pm)?;
        }
        self.add_background(species, level_pm * p.decay_per_s)
    }

    /// The source of `species` per field cell, pM/s (for callers that build whole
    /// source fields, e.g. TGF-beta released by resorption).
    pub fn source_mut(&mut self, species: Species) -> Result<&mut [f32], FieldError> {
        let s = self.require(species)?;
        Ok(&mut self.source[s])
    }

    /// The source of `species` per field cell, pM/s.
    pub fn source(&self, species: Species) -> Result<&[f32], FieldError> {
        let s = self.require(species)?;
        Ok(&self.source[s])
    }

    /// The uptake rate of `species` per field cell, 1/s (absent when no cell takes it up).
    pub fn uptake(&self, species: Species) -> Result<Option<&[f32]>, FieldError> {
        let s = self.require(species)?;
        Ok(self.uptake[s].as_deref())
    }
}
