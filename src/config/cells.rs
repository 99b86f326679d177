//! The `[cells.*]` sections: every parameter of the cell rules, with units in the key
//! names, valid ranges, and defaults with their sources.
//!
//! Each default cites its primary source (author, journal, year); numbers marked
//! "calibrated" were chosen so that the premenopausal run meets the remodeling targets
//! of docs/MODEL.md, section 8 (activation frequency
//! 0.13 /y, erosion depth 40-60 um, completed wall thickness about 60 um, resorption
//! about 40 d, formation about 100-160 d) from the cell rules, not from the readouts;
//! "approx." marks a literature order of magnitude recalled rather than checked.
//!
//! Signals enter the rules through Hill terms `c / (c + K)` of a field's marrow
//! concentration `c` (pM); every `*_half_pm` key is such a `K`. Estrogen enters as
//! the deficiency `d` in [0, 1]: 0 at the premenopausal reference level, 1 without
//! estrogen ([`crate::pharmacology`]); an `*_estrogen_gain` `g` scales a rate by
//! `1 + g d` (or divides it, where estrogen raises the rate).

use serde::Serialize;

use super::params::param_table;
use super::reader::{Range, Section};

/// Ranges shared by many keys.
const RATE_PER_DAY: Range = Range::closed(0.0, 1e3);
const GAIN: Range = Range::closed(0.0, 100.0);
const HALF_PM: Range = Range::open_closed(0.0, 1e6);
const MOLECULES_PER_S: Range = Range::closed(0.0, 1e6);
const DAYS: Range = Range::open_closed(0.0, 1e5);

param_table! {
    /// `[cells.precursor]`: the osteoclast-precursor pool and the stimulus that makes
    /// precursors differentiate and fuse at bone surfaces.
    ///
    /// The pool is one well-mixed count for the marrow of the domain (precursors
    /// circulate and home to the marrow): `dP/dt = supply * marrow volume - P /
    /// lifespan - nuclei formed`. It fills while differentiation is blocked (the seam
    /// for a denosumab rebound; Martinez-Reina & Pivonka, Front Bioeng 2022). The
    /// stimulus at a surface is `S = RANKL / (RANKL + K_L) * (1 + g_TNF TNF / (TNF +
    /// K_TNF) + g_IL1 IL1 / (IL1 + K_IL1))` with free RANKL: TNF-alpha and IL-1
    /// amplify RANKL and act in synergy with it, and do nothing without it
    /// (Lam et al., JCI 2000; Wei et al., JCI 2005).
    pub struct PrecursorConfig {
        /// Precursors entering the marrow per mm^3 of marrow per day, [0, 1e9].
        /// Default 25 (model choice: premenopausal fusion uses about a fifth of the
        /// supply, so the pool can both empty and fill).
        supply_per_mm3_per_day ["1/(mm^3 d)"]: Range::closed(0.0, 1e9) => 25.0,
        /// Mean residence of a precursor in the marrow pool, days. Default 5
        /// (monocyte-lineage precursors live days; approx.).
        lifespan_days ["d"]: DAYS => 5.0,
        /// New remodeling sites per mm^2 of quiescent bone surface per day, per unit
        /// stimulus, with a full pool, [0, 1e3]. Calibrated: activation frequency
        /// 0.13 /y premenopausal (Recker, JBMR 2004).
        initiation_per_mm2_per_day ["1/(mm^2 d)"]: RATE_PER_DAY => 0.02,
        /// Osteoclasts recruited per day to a new resorbing site, per unit stimulus at
        /// the site, with a full pool, [0, 1e3]. Calibrated: resorption about 40 d (Liu
        /// et al., Bone 2008), several osteoclasts per site (about 10 per BMU, Parfitt
        /// 1994, approx.).
        recruitment_per_day ["1/d"]: RATE_PER_DAY => 0.17,
        /// A site's attraction of precursors decays with its age with this time
        /// constant, days: the signal that activated it is transient, so its team
        /// stops being replenished and the resorption phase ends. Default 20
        /// (calibrated with `recruitment_per_day`).
        site_attraction_days ["d"]: DAYS => 20.0,
        /// Mean nuclei of a newly fused osteoclast, [1, 50] (each uses that many
        /// precursors). Default 3 (trabecular osteoclasts carry few nuclei; approx.).
        nuclei_mean ["1"]: Range::closed(1.0, 50.0) => 3.0,
        /// Free RANKL giving half-maximal differentiation, pM. Calibrated near the
        /// premenopausal free RANKL of the default sources.
        rankl_half_pm ["pM"]: HALF_PM => 4.0,
        /// TNF-alpha giving half of its amplification, pM.
        tnf_half_pm ["pM"]: HALF_PM => 2.0,
        /// Amplification of differentiation by TNF-alpha at saturation (times the
        /// RANKL term), [0, 100]. Default 4 (strong synergy with RANKL; approx.).
        tnf_gain ["1"]: GAIN => 4.0,
        /// IL-1 giving half of its amplification, pM.
        il1_half_pm ["pM"]: HALF_PM => 2.0,
        /// Amplification of differentiation by IL-1 at saturation, [0, 100].
        il1_gain ["1"]: GAIN => 1.0,
    }
}

param_table! {
    /// `[cells.osteoclast]`: resorption, movement and apoptosis.
    pub struct OsteoclastConfig {
        /// Bone resorbed per nucleus per day, um^3/d, [0, 1e7]. Calibrated so a site
        /// digs a cavity of about 40-60 um over about 40 d (section 2).
        resorption_um3_per_day_per_nucleus ["um^3/d"]: Range::closed(0.0, 1e7) => 4000.0,
        /// Deepest an osteoclast digs below the surface on which its site started, um,
        /// (0, 1000]. Default 80, calibrated: cavities are shallower at their edges,
        /// so the mean erosion depth over a site's footprint comes out near 45 um,
        /// within the trabecular 40-60 um (Eriksen, Endocr Rev 1986, approx.); the
        /// depth reached depends on how long the team resorbs.
        max_pit_depth_um ["um"]: Range::open_closed(0.0, 1000.0) => 80.0,
        /// Apoptosis rate at the reference estrogen level and half-saturating free
        /// RANKL, per day, [0, 1e3]. Default 1/14: lifespan about 2 weeks (Manolagas,
        /// Endocr Rev 2000, approx.).
        apoptosis_per_day ["1/d"]: RATE_PER_DAY => 1.0 / 14.0,
        /// Estrogen promotes osteoclast apoptosis (Hughes, Nat Med 1996): the rate is
        /// divided by `1 + g d`, [0, 100]. Default 0.1 (calibrated with
        /// `cells.osteoblast.estrogen_lifespan_gain` against ATAC: a larger gain lets
        /// osteoclasts dig longer after estradiol falls, which front-loads the loss
        /// into the first year, TH -2.5% at 1 y with 0.3 against -1.5%; `trabecula
        /// validate`).
        estrogen_apoptosis_gain ["1"]: GAIN => 0.1,
        /// RANKL supports survival: the rate is scaled by `(1 + s/2) / (1 + s
        /// RANKL/(RANKL + K_L))`, [0, 100] (K_L from `[cells.precursor]`). Default 1.
        rankl_survival_gain ["1"]: GAIN => 1.0,
        /// Active TGF-beta released per um^3 of bone resorbed, molecules/um^3, [0, 1e9]
        /// (the coupling signal). Calibrated near the osteoblast recruitment half-level.
        tgfb_release_per_um3 ["1/um^3"]: Range::closed(0.0, 1e9) => 20.0,
    }
}

param_table! {
    /// `[cells.osteoblast]`: recruitment to reversal surfaces, refill, life span, and
    /// the RANKL and OPG of the osteoblast lineage (active osteoblasts and the lining
    /// cells that cover quiescent surfaces).
    pub struct OsteoblastConfig {
        /// Mineral apposition rate, um/d, [0, 100]. Default 0.63 (trabecular, Kragstrup,
        /// Melsen & Mosekilde 1983).
        apposition_um_per_day ["um/d"]: Range::closed(0.0, 100.0) => 0.63,
        /// Osteoblasts recruited per reversal-surface voxel per day at half-saturating
        /// TGF-beta, [0, 1e3]. Calibrated: the reversal surface of a site is covered
        /// within a few weeks.
        recruitment_per_day ["1/d"]: RATE_PER_DAY => 0.3,
        /// TGF-beta giving half-maximal recruitment, pM.
        tgfb_half_pm ["pM"]: HALF_PM => 3.0,
        /// Osteoblasts recruited per day to a cavity voxel that can be filled and lies
        /// across a face from one an osteoblast of the same site has worked, [0, 1e3]:
        /// the team spreads along the reversal surface from the osteoprogenitors of
        /// the canopy over the site, after the coupling signal has faded (Andersen et
        /// al., Am J Pathol 2009). Calibrated: the whole cavity floor is covered.
        team_recruitment_per_day ["1/d"]: RATE_PER_DAY => 0.1,
        /// Mean active life at the reference estrogen level, days. Default 150: the
        /// active phase lasts about 3 months (Manolagas, Endocr Rev 2000, approx.);
        /// longer here because an osteoblast builds one column of the wall from the
        /// cavity floor and waits for the floor beside it: calibrated so that the
        /// premenopausal refill is complete (80 um at 0.63 um/d is 127 d).
        active_lifespan_days ["d"]: DAYS => 150.0,
        /// Coefficient of variation of the active life, [0, 1].
        lifespan_cv ["1"]: Range::closed(0.0, 1.0) => 0.1,
        /// Estrogen prolongs osteoblast life (Manolagas, Endocr Rev 2000): active life
        /// is used up `1 + g d` times faster, [0, 100]. Default 0.6 (calibrated with
        /// `cells.osteoclast.estrogen_apoptosis_gain` and `estrogen.ec50_pg_ml`
        /// against ATAC: the refill deficit this leaves in every BMU carries the loss
        /// on past the first year, LS -2.2% at 1 y, -4.1% at 2 y and -6.1% at 5 y on
        /// anastrozole; 0.7 with EC50 50 pg/mL lost -8.25% by 5 y, against a band
        /// ending at -7.93; `trabecula validate`). It also sets how much less P1NP
        /// than CTX rises when estrogen falls further: formation per unit resorbed
        /// scales by `(1 + g d0) / (1 + g d1)`.
        estrogen_lifespan_gain ["1"]: GAIN => 0.6,
        /// Share of osteoblasts that become lining cells when their refill is done
        /// (the rest die by apoptosis), [0, 1]. Default 0.3 (most osteoblasts die by
        /// apoptosis; Manolagas 2000, approx.).
        lining_fraction ["1"]: Range::closed(0.0, 1.0) => 0.3,
        /// RANKL secreted by an active osteoblast, molecules/s, at the reference level.
        rankl_molecules_per_s ["1/s"]: MOLECULES_PER_S => 0.1,
        /// OPG secreted by an active osteoblast, molecules/s, at the reference level.
        opg_molecules_per_s ["1/s"]: MOLECULES_PER_S => 1.0,
        /// RANKL secreted by the lining cell of one quiescent surface voxel,
        /// molecules/s, at the reference level.
        lining_rankl_molecules_per_s ["1/s"]: MOLECULES_PER_S => 0.1,
        /// OPG secreted by the lining cell of one quiescent surface voxel,
        /// molecules/s, at the reference level.
        lining_opg_molecules_per_s ["1/s"]: MOLECULES_PER_S => 0.5,
        /// Estrogen lowers osteoblastic RANKL: RANKL times `1 + g d`, [0, 100].
        /// Default 0.5 (RANKL per cell 2-3x higher in early postmenopausal women,
        /// Eghbali-Fatourechi, JCI 2003, part of it through IL-6).
        rankl_estrogen_gain ["1"]: GAIN => 0.5,
        /// IL-6 raises osteoblastic RANKL: RANKL times `1 + g IL6/(IL6 + K_IL6)`.
        rankl_il6_gain ["1"]: GAIN => 1.0,
        /// IL-6 giving half of its effect on RANKL, pM.
        il6_half_pm ["pM"]: HALF_PM => 2.0,
        /// Estrogen raises OPG: OPG divided by `1 + g d`, [0, 100]. Default 0.5.
        opg_estrogen_gain ["1"]: GAIN => 0.5,
    }
}

param_table! {
    /// `[cells.tcell]` rates: marrow T-cells expand when estrogen is low (more cells,
    /// the same secretion per cell: Roggia, PNAS 2001) and activated T-cells secrete
    /// RANKL and TNF-alpha (Cenci, JCI 2000).
    pub struct TCellParams {
        /// T-cells per mm^3 of marrow at the reference estrogen level, [0, 1e7].
        /// Default 2000 (T-cells are a few percent of marrow cells; approx.).
        density_per_mm3 ["1/mm^3"]: Range::closed(0.0, 1e7) => 2000.0,
        /// Expansion when estrogen is low: the population tends to `density * (1 + g
        /// d)`, [0, 100]. Default 2 (about 2-3x more TNF-producing T-cells after
        /// ovariectomy, Roggia 2001 / Cenci 2000; approx.).
        expansion_gain ["1"]: GAIN => 2.0,
        /// Mean life, days: sets how fast the population follows its target.
        lifespan_days ["d"]: DAYS => 30.0,
        /// Resting to activated, per day, at the reference level, [0, 1e3].
        activation_per_day ["1/d"]: RATE_PER_DAY => 0.1,
        /// Activated to resting, per day, [0, 1e3].
        deactivation_per_day ["1/d"]: RATE_PER_DAY => 0.2,
        /// RANKL secreted by an activated T-cell, molecules/s.
        rankl_molecules_per_s ["1/s"]: MOLECULES_PER_S => 0.3,
        /// TNF-alpha secreted by an activated T-cell, molecules/s.
        tnf_molecules_per_s ["1/s"]: MOLECULES_PER_S => 0.1,
    }
}

param_table! {
    /// `[cells.marrow]`: background production of IL-1, IL-6 and TNF-alpha by marrow
    /// stromal cells and monocytes, per marrow volume, suppressed by estrogen
    /// (Pacifici, JBMR 1996; IL-6: Jilka et al., Science 1992).
    pub struct MarrowConfig {
        /// IL-1 production, pM/d per marrow volume, at the reference level.
        il1_pm_per_day ["pM/d"]: Range::closed(0.0, 1e9) => 26.0,
        /// IL-6 production, pM/d per marrow volume, at the reference level.
        il6_pm_per_day ["pM/d"]: Range::closed(0.0, 1e9) => 42.0,
        /// TNF-alpha production, pM/d per marrow volume, at the reference level.
        tnf_pm_per_day ["pM/d"]: Range::closed(0.0, 1e9) => 4.0,
        /// Estrogen suppresses IL-1: production times `1 + g d`.
        il1_estrogen_gain ["1"]: GAIN => 0.5,
        /// Estrogen suppresses IL-6: production times `1 + g d`.
        il6_estrogen_gain ["1"]: GAIN => 0.5,
        /// Estrogen suppresses stromal TNF-alpha: production times `1 + g d`.
        tnf_estrogen_gain ["1"]: GAIN => 0.5,
    }
}

param_table! {
    /// `[cells.mineral]`: mineralization of new bone, per voxel (Martinez-Reina &
    /// Pivonka, Bone 2019): after a lag, a fast primary phase to a first mineral
    /// fraction, then a slow secondary phase towards the maximum.
    pub struct MineralConfig {
        /// Days from deposition to the start of mineralization. Default 12.
        lag_days ["d"]: Range::closed(0.0, 1e4) => 12.0,
        /// Length of the primary phase, days. Default 10.
        primary_days ["d"]: DAYS => 10.0,
        /// Mineral (volume) fraction reached by the primary phase, [0, 1]. Default 0.121.
        primary_fraction ["1"]: Range::closed(0.0, 1.0) => 0.121,
        /// Maximal mineral fraction, [0, 1]. Default 0.442.
        max_fraction ["1"]: Range::closed(0.0, 1.0) => 0.442,
        /// Secondary rate constant, per day: `dm/dt = k (max - m)`, [0, 10]. Default
        /// 0.007 /d (read as a first-order rate constant; approx.).
        secondary_per_day ["1/d"]: Range::closed(0.0, 10.0) => 0.007,
        /// Mineral fraction of the bone present at the start (old, nearly fully
        /// mineralized bone), [0, 1]. Default 0.42 (approx.).
        initial_fraction ["1"]: Range::closed(0.0, 1.0) => 0.42,
    }
}

/// `[cells.tcell]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TCellConfig {
    /// Whether T-cells exist at all (`enabled`, default true): false models a
    /// T-cell-deficient marrow (Cenci, JCI 2000).
    pub enabled: bool,
    /// Rates.
    #[serde(flatten)]
    pub params: TCellParams,
}

impl Default for TCellConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            params: TCellParams::default(),
        }
    }
}

/// Validated `[cells]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CellsConfig {
    /// Osteoclast precursors and differentiation (`[cells.precursor]`).
    pub precursor: PrecursorConfig,
    /// Osteoclasts (`[cells.osteoclast]`).
    pub osteoclast: OsteoclastConfig,
    /// Osteoblasts and lining cells (`[cells.osteoblast]`).
    pub osteoblast: OsteoblastConfig,
    /// T-cells (`[cells.tcell]`).
    pub tcell: TCellConfig,
    /// Marrow background cytokines (`[cells.marrow]`).
    pub marrow: MarrowConfig,
    /// Mineralization (`[cells.mineral]`).
    pub mineral: MineralConfig,
    /// Unloaded bone (`[cells.mechanics]`).
    pub mechanics: super::mechanics::MechanicsConfig,
}

/// Validates `[cells]` (absent: every default).
pub fn cells_section(s: &Section<'_, '_>) -> Option<CellsConfig> {
    let precursor = PrecursorConfig::read(&s.table("precursor"));
    let osteoclast = OsteoclastConfig::read(&s.table("osteoclast"));
    let osteoblast = OsteoblastConfig::read(&s.table("osteoblast"));
    let tcell_table = s.table("tcell");
    let enabled = tcell_table.bool("enabled", Some(true));
    let tcell = TCellParams::read(&tcell_table);
    let marrow = MarrowConfig::read(&s.table("marrow"));
    let mineral = mineral_section(&s.table("mineral"));
    let mechanics = super::mechanics::MechanicsConfig::read(&s.table("mechanics"));
    Some(CellsConfig {
        precursor: precursor?,
        osteoclast: osteoclast?,
        osteoblast: osteoblast?,
        tcell: TCellConfig {
            enabled: enabled?,
            params: tcell?,
        },
        marrow: marrow?,
        mineral: mineral?,
        mechanics: mechanics?,
    })
}

fn mineral_section(s: &Section<'_, '_>) -> Option<MineralConfig> {
    let m = MineralConfig::read(s)?;
    if m.primary_fraction > m.max_fraction {
        s.problem(
            "primary_fraction",
            format!(
                "{} exceeds max_fraction = {}; the primary phase ends below the maximum",
                m.primary_fraction, m.max_fraction
            ),
        );
        return None;
    }
    Some(m)
}
