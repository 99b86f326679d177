//! The `[fields]` section: cytokine field grid, per-species transport, binding
//! affinities and solver tolerances.
//!
//! Every key is optional; the defaults are the literature values below, each with its
//! source (copied from the project's science reference, section 3). Concentrations are
//! picomolar (pM), diffusion coefficients um^2/s, decay rates per day (or a half-life
//! in hours, converted once here).
//!
//! ```toml
//! [fields]
//! coarsening = 2                 # field cell = 2x2x2 lattice voxels
//! bone_diffusion_ratio = 0       # D in bone / D in marrow
//! [fields.rankl]
//! diffusion_um2_per_s = 30
//! half_life_h = 1.64             # or decay_per_day = 10.13, not both
//! boundary = "no_flux"           # or "fixed", with boundary_value_pm
//! ```

use serde::Serialize;

use super::reader::{Range, Section};

/// The keys of the seven transported species' sub-tables under `[fields]`, in the
/// order of [`FieldsConfig::species`].
pub const SPECIES_KEYS: [&str; 7] = ["rankl", "opg", "il1", "il6", "tnf", "tgfb", "denosumab"];

/// Validated `[fields]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldsConfig {
    /// Field cell edge in lattice voxels (`fields.coarsening`, integer [1, 8], default 2:
    /// 40 um cells on a 20 um lattice; cytokines vary over 0.3-0.6 mm).
    pub coarsening: usize,
    /// Diffusion coefficient in bone relative to marrow (`fields.bone_diffusion_ratio`,
    /// [0, 1], default 0: nothing diffuses through mineralised bone).
    pub bone_diffusion_ratio: f64,
    /// Relative residual `||S - A c|| / ||S||` at which the quasi-steady solve stops
    /// (`fields.steady_tolerance`, [1e-12, 1e-2], default 1e-6).
    pub steady_tolerance: f64,
    /// Algebraic error of one backward-Euler step relative to that step's change, max
    /// norm (`fields.implicit_tolerance`, [1e-8, 1e-1], default 1e-3: well below the
    /// time-discretisation error of backward Euler itself).
    pub implicit_tolerance: f64,
    /// RANKL binding equilibria (`[fields.binding]`).
    pub binding: BindingConfig,
    /// RANKL (`[fields.rankl]`).
    pub rankl: SpeciesConfig,
    /// OPG (`[fields.opg]`).
    pub opg: SpeciesConfig,
    /// IL-1 (`[fields.il1]`).
    pub il1: SpeciesConfig,
    /// IL-6 (`[fields.il6]`).
    pub il6: SpeciesConfig,
    /// TNF-alpha (`[fields.tnf]`).
    pub tnf: SpeciesConfig,
    /// TGF-beta, released from resorbed matrix (`[fields.tgfb]`).
    pub tgfb: SpeciesConfig,
    /// Denosumab in tissue (`[fields.denosumab]`).
    pub denosumab: SpeciesConfig,
}

/// Transport of one species.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpeciesConfig {
    /// Diffusion coefficient in marrow, um^2/s, (0, 1e4].
    pub diffusion_um2_per_s: f64,
    /// First-order decay rate, per day, (0, 1e6] (or `half_life_h` in the file).
    pub decay_per_day: f64,
    /// Condition on the six domain faces.
    pub boundary: BoundaryKind,
    /// Concentration held at the faces when `boundary = "fixed"`, pM, [0, 1e9]
    /// (default 0; pharmacokinetics may set it at run time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary_value_pm: Option<f64>,
}

/// Boundary condition at the domain faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundaryKind {
    /// No flux through the faces (the domain is a closed piece of marrow).
    NoFlux,
    /// The concentration is held at a value on the faces (a vascular supply).
    Fixed,
}

/// `[fields.binding]`: dissociation constants of RANKL with its two decoys.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BindingConfig {
    /// RANKL-OPG dissociation constant, pM, (0, 1e9]. Default 1000 pM: the inverse of
    /// the association constant 1e-3 /pM of Pivonka et al., Bone 2008 (Kostenuik,
    /// JBMR 2009 measured about 100 pM; Pivonka's value is the one their calibrated
    /// model uses).
    pub kd_rankl_opg_pm: f64,
    /// RANKL-denosumab dissociation constant, pM, (0, 1e9]. Default 3 pM (Kd about
    /// 3e-12 M, Kostenuik, JBMR 2009, approx.).
    pub kd_rankl_denosumab_pm: f64,
}

impl SpeciesConfig {
    /// Half-life, hours.
    pub fn half_life_h(&self) -> f64 {
        std::f64::consts::LN_2 / self.decay_per_day * 24.0
    }
}

impl FieldsConfig {
    /// The species configs in the order of [`SPECIES_KEYS`].
    pub fn species(&self) -> [&SpeciesConfig; 7] {
        [
            &self.rankl,
            &self.opg,
            &self.il1,
            &self.il6,
            &self.tnf,
            &self.tgfb,
            &self.denosumab,
        ]
    }
}

impl Default for FieldsConfig {
    fn default() -> Self {
        let d = defaults();
        Self {
            coarsening: 2,
            bone_diffusion_ratio: 0.0,
            steady_tolerance: 1e-6,
            implicit_tolerance: 1e-3,
            binding: BindingConfig {
                kd_rankl_opg_pm: 1000.0,
                kd_rankl_denosumab_pm: 3.0,
            },
            rankl: d[0].clone(),
            opg: d[1].clone(),
            il1: d[2].clone(),
            il6: d[3].clone(),
            tnf: d[4].clone(),
            tgfb: d[5].clone(),
            denosumab: d[6].clone(),
        }
    }
}

/// Cytokines of 17-50 kDa diffuse at about 100 um^2/s in water and 2-5x slower in
/// marrow (Stokes-Einstein, derived); 30 um^2/s is the middle of that band (100/3.3).
const CYTOKINE_D_UM2_PER_S: f64 = 30.0;

fn per_day_from_half_life_h(h: f64) -> f64 {
    std::f64::consts::LN_2 / (h / 24.0)
}

fn no_flux(diffusion_um2_per_s: f64, decay_per_day: f64) -> SpeciesConfig {
    SpeciesConfig {
        diffusion_um2_per_s,
        decay_per_day,
        boundary: BoundaryKind::NoFlux,
        boundary_value_pm: None,
    }
}

/// Defaults in the order of [`SPECIES_KEYS`], each number with its source.
fn defaults() -> [SpeciesConfig; 7] {
    [
        // RANKL degradation 10.13 /d, half-life about 1.6 h (Pivonka et al., Bone 2008).
        no_flux(CYTOKINE_D_UM2_PER_S, 10.13),
        // OPG degradation 0.35 /d, about 2 d (Pivonka et al., Bone 2008).
        no_flux(CYTOKINE_D_UM2_PER_S, 0.35),
        // IL-1beta half-life about 19 min after IV injection (rat PK).
        no_flux(CYTOKINE_D_UM2_PER_S, per_day_from_half_life_h(19.0 / 60.0)),
        // IL-6 half-life about 0.4 h (rat PK).
        no_flux(CYTOKINE_D_UM2_PER_S, per_day_from_half_life_h(0.4)),
        // TNF-alpha half-life 1.2-2.1 h, faster at low dose (primate PK): tissue levels
        // are low, so the fast end, 1.2 h.
        no_flux(CYTOKINE_D_UM2_PER_S, per_day_from_half_life_h(1.2)),
        // TGF-beta degradation 1 /d (Pivonka et al., Bone 2008).
        no_flux(CYTOKINE_D_UM2_PER_S, 1.0),
        // Denosumab: IgG diffuses at about 40-50 um^2/s (derived), 45 taken; it enters
        // tissue from the blood, so its faces hold the tissue level (set at run time
        // from pharmacokinetics, 0 until then); it is cleared with the label's
        // half-life of about 26 d.
        SpeciesConfig {
            diffusion_um2_per_s: 45.0,
            decay_per_day: per_day_from_half_life_h(26.0 * 24.0),
            boundary: BoundaryKind::Fixed,
            boundary_value_pm: Some(0.0),
        },
    ]
}

const COARSENING_MAX: i64 = 8;
const DIFFUSION: Range = Range::open_closed(0.0, 1e4);
const DECAY_PER_DAY: Range = Range::open_closed(0.0, 1e6);
const HALF_LIFE_H: Range = Range::open_closed(0.0, 1e6);
const BOUNDARY_VALUE_PM: Range = Range::closed(0.0, 1e9);
const KD_PM: Range = Range::open_closed(0.0, 1e9);

/// Validates `[fields]` (absent: every default). Bad values are reported on the
/// section's reader; the result is `None` when any was bad.
pub fn fields_section(s: &Section<'_, '_>) -> Option<FieldsConfig> {
    let d = FieldsConfig::default();
    let coarsening = s.int(
        "coarsening",
        "1",
        1,
        COARSENING_MAX,
        Some(d.coarsening as i64),
    );
    let bone_ratio = s.f64(
        "bone_diffusion_ratio",
        "1",
        Range::closed(0.0, 1.0),
        Some(d.bone_diffusion_ratio),
    );
    let steady_tol = s.f64(
        "steady_tolerance",
        "1",
        Range::closed(1e-12, 1e-2),
        Some(d.steady_tolerance),
    );
    let implicit_tol = s.f64(
        "implicit_tolerance",
        "1",
        Range::closed(1e-8, 1e-1),
        Some(d.implicit_tolerance),
    );
    let binding = binding_section(&s.table("binding"), &d.binding);
    let defaults = defaults();
    let species: Vec<Option<SpeciesConfig>> = SPECIES_KEYS
        .iter()
        .zip(defaults)
        .map(|(key, def)| species_section(&s.table(key), def))
        .collect();
    let [rankl, opg, il1, il6, tnf, tgfb, denosumab]: [Option<SpeciesConfig>; 7] =
        species.try_into().ok()?;
    Some(FieldsConfig {
        coarsening: coarsening? as usize,
        bone_diffusion_ratio: bone_ratio?,
        steady_tolerance: steady_tol?,
        implicit_tolerance: implicit_tol?,
        binding: binding?,
        rankl: rankl?,
        opg: opg?,
        il1: il1?,
        il6: il6?,
        tnf: tnf?,
        tgfb: tgfb?,
        denosumab: denosumab?,
    })
}

fn binding_section(s: &Section<'_, '_>, d: &BindingConfig) -> Option<BindingConfig> {
    let opg = s.f64("kd_rankl_opg_pm", "pM", KD_PM, Some(d.kd_rankl_opg_pm));
    let dmab = s.f64(
        "kd_rankl_denosumab_pm",
        "pM",
        KD_PM,
        Some(d.kd_rankl_denosumab_pm),
    );
    Some(BindingConfig {
        kd_rankl_opg_pm: opg?,
        kd_rankl_denosumab_pm: dmab?,
    })
}

fn species_section(s: &Section<'_, '_>, d: SpeciesConfig) -> Option<SpeciesConfig> {
    let diffusion = s.f64(
        "diffusion_um2_per_s",
        "um^2/s",
        DIFFUSION,
        Some(d.diffusion_um2_per_s),
    );
    let per_day = s.opt_f64("decay_per_day", "1/d", DECAY_PER_DAY);
    let half_life = s.opt_f64("half_life_h", "h", HALF_LIFE_H);
    let decay_bad = (s.has("decay_per_day") && per_day.is_none())
        || (s.has("half_life_h") && half_life.is_none());
    let decay = match (s.has("decay_per_day"), s.has("half_life_h")) {
        (true, true) => {
            s.problem(
                "half_life_h",
                "give either decay_per_day or half_life_h, not both",
            );
            None
        }
        (true, false) => per_day,
        (false, true) => half_life.map(per_day_from_half_life_h),
        (false, false) => Some(d.decay_per_day),
    };
    let default_kind = match d.boundary {
        BoundaryKind::NoFlux => "no_flux",
        BoundaryKind::Fixed => "fixed",
    };
    let kind = s
        .choice("boundary", &["no_flux", "fixed"], Some(default_kind))
        .map(|k| match k {
            "fixed" => BoundaryKind::Fixed,
            _ => BoundaryKind::NoFlux,
        });
    let value = s.opt_f64("boundary_value_pm", "pM", BOUNDARY_VALUE_PM);
    let value_bad = s.has("boundary_value_pm") && value.is_none();
    let boundary_value_pm = match kind {
        Some(BoundaryKind::Fixed) => Some(value.or(d.boundary_value_pm).unwrap_or(0.0)),
        Some(BoundaryKind::NoFlux) => {
            if s.has("boundary_value_pm") {
                s.problem(
                    "boundary_value_pm",
                    "applies to boundary = \"fixed\" only; with \"no_flux\" nothing crosses the faces",
                );
            }
            None
        }
        None => None,
    };
    if decay_bad || value_bad {
        return None;
    }
    Some(SpeciesConfig {
        diffusion_um2_per_s: diffusion?,
        decay_per_day: decay?,
        boundary: kind?,
        boundary_value_pm,
    })
}
