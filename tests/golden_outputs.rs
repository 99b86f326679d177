//! Golden outputs: three short runs through the binary write, dataset for dataset, the
//! bytes recorded below. A change to the code that changes any number a run writes
//! fails here, naming the dataset.
//!
//! The runs (0.92 x 0.92 x 1.16 mm of iliac-crest bone at 20 um, 20 days of spin-up
//! then 80 days, 12-hour steps, a field solve every other step; activation raised
//! tenfold so that sites, cells and topology events are busy from the start) take
//! their hormone and drug blocks from `configs/`:
//!
//! - `premenopausal`: estradiol at 100 pg/mL (`configs/premenopausal.toml`), with the
//!   load solve marking bone in disuse every 5 days;
//! - `anastrozole_zoledronic`: ovarian suppression plus anastrozole with zoledronic
//!   acid (`configs/premenopausal_goserelin_anastrozole_zoledronic.toml`; the
//!   infusions every 40 days instead of 182, so that two doses fall in the run);
//! - `denosumab`: postmenopausal, denosumab from day 0, an osteoporotic baseline
//!   T-score (`configs/denosumab_stopped.toml`).
//!
//! Each dataset is hashed (FNV-1a 64) over its type, shape, raw element bytes and
//! attributes (`units`, `voxel_um`); each group's attributes are hashed as one row
//! `<group>@`. Left out, because they name the machine, the moment or the build
//! rather than the run: the root attributes `created`, `command`, `git_revision` and
//! `software_version`, and `/config` `threads`.
//!
//! # Re-recording
//!
//! `TRABECULA_GOLDEN_PRINT=1 cargo test --test golden_outputs -- --nocapture` prints
//! the tables of the current code, to paste over the constants below. Re-record only
//! together with a CHANGELOG entry saying which outputs change and why: these tables
//! are the proof that a refactor left every output bit for bit as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use hdf5_pure::{AttrValue, File, Group};

/// The `[run]`, `[lattice]`, `[fields]` and `[cells]` blocks every run shares.
const COMMON: &str = r#"
[run]
seed = 20261120
spinup_days = 20
days = 80
step_hours = 12
measure_every_days = 10
structure_every_days = 20
snapshot_every_days = 30
checkpoint_every_days = 40
field_solve_every_steps = 2

[lattice]
voxel_um = 20.0
shape_voxels = [46, 46, 58]

[lattice.synthetic]
preset = "iliac_crest"

[fields]
steady_tolerance = 1e-3

[cells.precursor]
initiation_per_mm2_per_day = 0.2
"#;

const PREMENOPAUSAL: &str = r#"
[cells.mechanics]
check_every_days = 5
disuse_usage = 0.05

[estrogen]
schedule = "constant"
level_pg_ml = 100.0
"#;

const ANASTROZOLE_ZOLEDRONIC: &str = r#"
[estrogen]
schedule = "premenopausal"

    [[drug]]
    name = "goserelin"
    start_day = 0
    stop_day = 1095

    [[drug]]
    name = "anastrozole"
    start_day = 0
    stop_day = 1095

    [[drug]]
    name = "zoledronic_acid"
    start_day = 0
    stop_day = 1095
    interval_days = 40
    dose_mg = 4
"#;

const DENOSUMAB: &str = r#"
[estrogen]
schedule = "postmenopausal"

[clinical]
baseline_t_score = -2.8

[[drug]]
name = "denosumab"
start_day = 0
stop_day = 730
"#;

/// Root attributes that describe the build, the machine or the moment.
const VOLATILE_ROOT: [&str; 4] = ["created", "command", "git_revision", "software_version"];

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    /// A length-prefixed string, so that consecutive strings cannot run together.
    fn text(&mut self, s: &str) -> &mut Self {
        self.bytes(&(s.len() as u64).to_le_bytes())
            .bytes(s.as_bytes())
    }
}

/// The attributes `keep` accepts, by name, with their values as text.
fn sorted_attrs(
    attrs: std::collections::HashMap<String, AttrValue>,
    keep: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = attrs
        .into_iter()
        .filter(|(name, _)| keep(name))
        .map(|(name, value)| (name, format!("{value:?}")))
        .collect();
    out.sort();
    out
}

/// Hashes of every dataset and every group's attributes under `group`, by path.
fn walk(group: &Group, prefix: &str, out: &mut BTreeMap<String, u64>) {
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        }
    };
    let attrs = sorted_attrs(group.attrs().unwrap(), |name| match prefix {
        "" => !VOLATILE_ROOT.contains(&name),
        "config" => name != "threads",
        _ => true,
    });
    if !attrs.is_empty() {
        let mut h = Fnv::new();
        for (name, value) in &attrs {
            h.text(name).text(value);
        }
        out.insert(format!("{prefix}@"), h.0);
    }
    for (name, ds) in group.iter_datasets().unwrap() {
        let path = join(&name);
        let mut h = Fnv::new();
        h.text(&format!("{:?}", ds.dtype().unwrap()));
        for n in ds.shape().unwrap() {
            h.bytes(&n.to_le_bytes());
        }
        h.bytes(&ds.read_raw().unwrap());
        for (name, value) in sorted_attrs(ds.attrs().unwrap(), |_| true) {
            h.text(&name).text(&value);
        }
        out.insert(path, h.0);
    }
    for (name, child) in group.iter_groups().unwrap() {
        walk(&child, &join(&name), out);
    }
}

/// Runs the scenario `blocks` into `dir/name.h5` through the binary.
fn run(dir: &Path, name: &str, blocks: &str) -> PathBuf {
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, format!("{COMMON}{blocks}")).unwrap();
    let out = dir.join(format!("{name}.h5"));
    let o = Command::new(env!("CARGO_BIN_EXE_trabecula"))
        .args(["run", config.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .args(["--threads", "1", "--quiet"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{name}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// The recorded table `table` as a map.
fn parse(table: &str) -> BTreeMap<String, u64> {
    table
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (path, hash) = l.trim().rsplit_once(' ').unwrap();
            (path.to_string(), u64::from_str_radix(hash, 16).unwrap())
        })
        .collect()
}

/// Runs scenario `name` and compares its file with `recorded` (or prints its table).
fn check(name: &str, blocks: &str, recorded: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = run(dir.path(), name, blocks);
    let mut got = BTreeMap::new();
    walk(&File::open(&path).unwrap().root(), "", &mut got);
    if std::env::var_os("TRABECULA_GOLDEN_PRINT").is_some() {
        let rows: Vec<String> = got.iter().map(|(p, h)| format!("{p} {h:016x}")).collect();
        println!("--- {name}\n{}\n---", rows.join("\n"));
        return;
    }
    let want = parse(recorded);
    let mut diff = Vec::new();
    for path in want
        .keys()
        .chain(got.keys().filter(|p| !want.contains_key(*p)))
    {
        match (want.get(path), got.get(path)) {
            (Some(w), Some(g)) if w == g => {}
            (Some(w), Some(g)) => diff.push(format!("{path}: recorded {w:016x}, now {g:016x}")),
            (Some(_), None) => diff.push(format!("{path}: recorded, now missing")),
            (None, _) => diff.push(format!("{path}: new, not recorded")),
        }
    }
    assert!(
        diff.is_empty(),
        "{name}: {} of {} objects differ from the recorded outputs:\n{}",
        diff.len(),
        want.len(),
        diff.join("\n")
    );
}

#[test]
fn premenopausal_outputs_are_as_recorded() {
    check("premenopausal", PREMENOPAUSAL, PREMENOPAUSAL_HASHES);
}

#[test]
fn anastrozole_zoledronic_outputs_are_as_recorded() {
    check(
        "anastrozole_zoledronic",
        ANASTROZOLE_ZOLEDRONIC,
        ANASTROZOLE_ZOLEDRONIC_HASHES,
    );
}

#[test]
fn denosumab_outputs_are_as_recorded() {
    check("denosumab", DENOSUMAB, DENOSUMAB_HASHES);
}

const PREMENOPAUSAL_HASHES: &str = "
@ 40a351d9bfcfbc4b
config@ 8a87924b69d0622c
events/bmus/blocked_um3 d079ca04c74c4651
events/bmus/day 5183ba1249a53192
events/bmus/erosion_depth_um 0adca33458b9453d
events/bmus/footprint_um2 e717445158c94b80
events/bmus/formation_days dad5bcef55c37769
events/bmus/formed_um3 c64ef4a13ffa52c6
events/bmus/id e6a734c6872314da
events/bmus/osteoblasts 330d21a8a5a8bc41
events/bmus/osteoclasts e3d396dd68f9895a
events/bmus/resorbed_um3 4b4bdeb7efcb5666
events/bmus/resorption_days ab6cda61cd413c9b
events/bmus/reversal_days 3429862c0a43ff11
events/bmus/start_day 65ef423b8bb45696
events/bmus/wall_thickness_um 594efc0b61034a20
events/bmus/x 3ecc784ba86f8fe2
events/bmus/y 051bbda27aee3cd5
events/bmus/z 282689dc366a8379
events/bmus@ 3a52415bd0a857a5
events/perforations/day c82314a3d8610bfb
events/perforations/kind 262ee2503bf93801
events/perforations/site a51a2bb7cb2cbee3
events/perforations/x bd5cbed815ee2552
events/perforations/y f447ebfbe9937930
events/perforations/z ca40ee2733aaf76c
events/perforations@ be1b9c8b080c90c6
events/thickness_histogram/bin_hi_um 850336433bc6b770
events/thickness_histogram/bin_lo_um 946b323e791d02b0
events/thickness_histogram/day bf3f9597d8c83ffd
events/thickness_histogram/voxels 8189c49eab7e3a39
events/thickness_histogram@ 910d942ae80d4a28
lattice/bone_fraction 83efe8e8a786d0f7
lattice/metrics/bv_tv 5c4174afdfa41bf4
lattice/metrics/components b6912cfefd6ed087
lattice/metrics/conn_d_per_mm3 aed09498f6d01f7e
lattice/metrics/euler ee8f8396ac467db2
lattice/metrics/tb_n_per_mm d5d7987351e14b93
lattice/metrics/tb_sp_mm ef5d0f94ec417722
lattice/metrics/tb_th_mm 046034af99b91041
lattice@ 97a41b85af01ee79
snapshots/day_00000/bone_fraction 5c0b180095715df2
snapshots/day_00000/mineral_fraction 6d4235ccadf614e3
snapshots/day_00000@ dd11368e4648d2ab
snapshots/day_00030/bone_fraction f245c51c49fedd30
snapshots/day_00030/mineral_fraction 395eed7b9cc4403d
snapshots/day_00030@ aa86970eaac0e2cd
snapshots/day_00060/bone_fraction dd8555ec3e3f50cf
snapshots/day_00060/mineral_fraction 9ba8bc65df45786e
snapshots/day_00060@ 5adc9f3ede654756
snapshots/day_00080/bone_fraction 3dd9caa6bcdd741e
snapshots/day_00080/mineral_fraction 9d76e1ca0264320d
snapshots/day_00080@ dc5134b5a21e3f24
timeseries/activation_frequency_per_y 0a830b919001efb2
timeseries/anabolic_signal 34870b74191e5ef9
timeseries/bisphosphonate_buried_fmol 437f2a192b949daf
timeseries/bisphosphonate_delivered_fmol 437f2a192b949daf
timeseries/bisphosphonate_surface_fmol 437f2a192b949daf
timeseries/bisphosphonate_taken_up_fmol 437f2a192b949daf
timeseries/bmus_activated_total 38a591ef6e66f36d
timeseries/bmus_forming 88e298969e776345
timeseries/bmus_resorbing d59ea33d615de6d4
timeseries/bmus_reversal 121ae8e35fbf95d9
timeseries/bone_surface_mm2 12c57ac45caff8dd
timeseries/bv_tv 07232b58b6648edf
timeseries/bv_tv_mask 0a016ea0f4b1dd9d
timeseries/components 6ae5d8dd13db1590
timeseries/conn_d_per_mm3 b505881534a1936b
timeseries/ctx_relative 694e4b54c8a5fc47
timeseries/day 71b2780c294042e6
timeseries/denosumab_pm ba68225574814548
timeseries/denosumab_serum_ug_ml f2d696c4c15eb1e6
timeseries/disconnections_total 97edf74df14bb368
timeseries/e2_pg_ml 51f76932f12d121c
timeseries/estrogen_deficiency 34870b74191e5ef9
timeseries/euler 12a30fe983d270a0
timeseries/formation_rate_per_y 35f7f416377f88c7
timeseries/fragments_vanished_total 47ab362db703ca88
timeseries/free_rankl_pm f2bcc4acbbfb5962
timeseries/hip_abmd_change_pct ad78caa64cc3c704
timeseries/il1_pm 1e31a5462bf9da71
timeseries/il6_pm 791e5d94d129373d
timeseries/lining_cells 9a6c05f52d6cff7d
timeseries/mineral_fraction 2bd40dc671c9a383
timeseries/opg_pm 1af7b266030295eb
timeseries/osteoblasts 984b32f7bbd0514c
timeseries/osteoclast_nuclei 8357c82659ffc79b
timeseries/osteoclasts 0f880760e1344b9e
timeseries/p1np_relative 03623447440b6b83
timeseries/perforations_total 1705f9fa9096497f
timeseries/precursor_fill 9f1b4fff9c263422
timeseries/rankl_pm 30ecc971bc1f478e
timeseries/resorption_rate_per_y 78f5efc27a88ced1
timeseries/spine_abmd_change_pct 93b1523887da82e7
timeseries/t_score 96b9b5698f54ea24
timeseries/tb_n_per_mm 35b079571bd6c152
timeseries/tb_sp_mm a76ab7027ef1f9b8
timeseries/tb_th_mm 915aff1b9c8d2a5b
timeseries/tcells 0f2c1fad02729ee4
timeseries/tcells_activated 56146cb168596bc8
timeseries/tgfb_pm 5dce0be7f103dc6a
timeseries/tnf_pm 5879a2ce35bd35dd
timeseries/vbmd_change_pct c82d2fe0c0d9086f
timeseries/vbmd_mg_cm3 a7d92962b69a1289
timeseries@ a1ce20b444c61eaa
";

const ANASTROZOLE_ZOLEDRONIC_HASHES: &str = "
@ 40a351d9bfcfbc4b
config@ 4c9560348a9a77f9
events/bmus/blocked_um3 d4bfa0e74eae8548
events/bmus/day ce6ed24b13f796d2
events/bmus/erosion_depth_um 82ba6b3052142fa7
events/bmus/footprint_um2 5dea0386421b3702
events/bmus/formation_days 27344903a9c495fd
events/bmus/formed_um3 96b9910d56068a82
events/bmus/id 616b9a05692fea8f
events/bmus/osteoblasts 46db43df29335f55
events/bmus/osteoclasts 118d633e90a728c8
events/bmus/resorbed_um3 fbf305ee5e0c898f
events/bmus/resorption_days dc9a0c3dc7002ac4
events/bmus/reversal_days cc9639e58f583955
events/bmus/start_day 7e3c0c997b97ad76
events/bmus/wall_thickness_um c3c7f71eaa6f3fa1
events/bmus/x 2d915941ad8c232a
events/bmus/y 26c757418c57f757
events/bmus/z f517b6cebc1b69e4
events/bmus@ 3a52415bd0a857a5
events/perforations/day f4addebc5d8d08ae
events/perforations/kind 0874575312174bfa
events/perforations/site c33b212523ad502c
events/perforations/x 093108354cb362ab
events/perforations/y e536422efae78fb0
events/perforations/z 437234f4a0bab1c0
events/perforations@ be1b9c8b080c90c6
events/thickness_histogram/bin_hi_um 850336433bc6b770
events/thickness_histogram/bin_lo_um 946b323e791d02b0
events/thickness_histogram/day bf3f9597d8c83ffd
events/thickness_histogram/voxels c8f080f441415375
events/thickness_histogram@ 910d942ae80d4a28
lattice/bone_fraction 83efe8e8a786d0f7
lattice/metrics/bv_tv 5c4174afdfa41bf4
lattice/metrics/components b6912cfefd6ed087
lattice/metrics/conn_d_per_mm3 aed09498f6d01f7e
lattice/metrics/euler ee8f8396ac467db2
lattice/metrics/tb_n_per_mm d5d7987351e14b93
lattice/metrics/tb_sp_mm ef5d0f94ec417722
lattice/metrics/tb_th_mm 046034af99b91041
lattice@ 97a41b85af01ee79
snapshots/day_00000/bone_fraction 5c0b180095715df2
snapshots/day_00000/mineral_fraction 6d4235ccadf614e3
snapshots/day_00000@ dd11368e4648d2ab
snapshots/day_00030/bone_fraction 3f0e31ffb69ba03c
snapshots/day_00030/mineral_fraction 98093e4308545d52
snapshots/day_00030@ aa86970eaac0e2cd
snapshots/day_00060/bone_fraction 73e353da924e2567
snapshots/day_00060/mineral_fraction cc12512208853163
snapshots/day_00060@ 5adc9f3ede654756
snapshots/day_00080/bone_fraction e05462c518eb19f8
snapshots/day_00080/mineral_fraction 439ae66bf1bac2a5
snapshots/day_00080@ dc5134b5a21e3f24
timeseries/activation_frequency_per_y 0bdb47d2e529613e
timeseries/anabolic_signal 34870b74191e5ef9
timeseries/bisphosphonate_buried_fmol 8413ec531a4c4876
timeseries/bisphosphonate_delivered_fmol c6ab44c7e57f2717
timeseries/bisphosphonate_surface_fmol d2e77ad9123c389c
timeseries/bisphosphonate_taken_up_fmol 4e0f104577f67042
timeseries/bmus_activated_total d984eea9f18ad50e
timeseries/bmus_forming aa40c612229b2422
timeseries/bmus_resorbing f6524a8a2e4b647c
timeseries/bmus_reversal e3036ef29f0c6579
timeseries/bone_surface_mm2 540b63790fd4105e
timeseries/bv_tv 0453f879985506aa
timeseries/bv_tv_mask 1b5f8f5315df9bbf
timeseries/components 6ae5d8dd13db1590
timeseries/conn_d_per_mm3 8c31c7c816fe7dde
timeseries/ctx_relative a63cdc312e23d8a5
timeseries/day 71b2780c294042e6
timeseries/denosumab_pm ba68225574814548
timeseries/denosumab_serum_ug_ml f2d696c4c15eb1e6
timeseries/disconnections_total ba9327e2124328b9
timeseries/e2_pg_ml 7825ad630df7b73c
timeseries/estrogen_deficiency 8a0ba0883af7bb99
timeseries/euler 850d3150ef61ccfc
timeseries/formation_rate_per_y bbae220e6a8b8d77
timeseries/fragments_vanished_total 34870b74191e5ef9
timeseries/free_rankl_pm 950510c7f52c2155
timeseries/hip_abmd_change_pct 0ba051e9b1878d20
timeseries/il1_pm 6888d4a23c8fd5be
timeseries/il6_pm 94bdc56778cc5250
timeseries/lining_cells a39f39c74839f306
timeseries/mineral_fraction 713279c375ef5d76
timeseries/opg_pm 91a78db5eba1c324
timeseries/osteoblasts 069fdec8051f6445
timeseries/osteoclast_nuclei 07dbed526cba0217
timeseries/osteoclasts 58de528aeb1349dd
timeseries/p1np_relative 151e1d7c9e97f570
timeseries/perforations_total 7f66e27900f1def3
timeseries/precursor_fill 54646dd3dc74d706
timeseries/rankl_pm 57f656bcd6bba83f
timeseries/resorption_rate_per_y bb666fe84782e132
timeseries/spine_abmd_change_pct 14e6fe2d2a31d51b
timeseries/t_score 11ff7fa01a9980d2
timeseries/tb_n_per_mm 8a3f22b3c99efe56
timeseries/tb_sp_mm 8b3c3f20fdf135f5
timeseries/tb_th_mm 798426a81efb40d7
timeseries/tcells b646bcae8951df63
timeseries/tcells_activated 1c392159c40ed2d8
timeseries/tgfb_pm f34577d75fd3092d
timeseries/tnf_pm 28a692e54542661a
timeseries/vbmd_change_pct 08a9224b43c23962
timeseries/vbmd_mg_cm3 9713d7c4c566b1e5
timeseries@ a1ce20b444c61eaa
";

const DENOSUMAB_HASHES: &str = "
@ 40a351d9bfcfbc4b
config@ 18dc4d097bc7b50f
events/bmus/blocked_um3 d079ca04c74c4651
events/bmus/day 79123ec01c050f19
events/bmus/erosion_depth_um f3540b797392deae
events/bmus/footprint_um2 5c385d823e9c483c
events/bmus/formation_days 1c28e578899f3d0d
events/bmus/formed_um3 9179eb1dc41c2db6
events/bmus/id 0a248bec4c132a37
events/bmus/osteoblasts 4c4d53547a4e219b
events/bmus/osteoclasts 6132b5b6f062afda
events/bmus/resorbed_um3 b5b4a4f6feed857f
events/bmus/resorption_days f2429c720d796ac4
events/bmus/reversal_days 29d365511ebcf8ed
events/bmus/start_day dd420138f2ef6760
events/bmus/wall_thickness_um 4a60a3dae3743a85
events/bmus/x 3ea6f64bfbe301e4
events/bmus/y bc51f582f1d2457e
events/bmus/z 38ce9c028096b92d
events/bmus@ 3a52415bd0a857a5
events/perforations/day 15f09928be4db169
events/perforations/kind 96cfa15ff8d3c1f6
events/perforations/site 1115575f3e68af61
events/perforations/x ffb4e47625974cf1
events/perforations/y 4ee782e78e6964ae
events/perforations/z 010c73fec7fee2cd
events/perforations@ be1b9c8b080c90c6
events/thickness_histogram/bin_hi_um 869781f7f11ed7b4
events/thickness_histogram/bin_lo_um ea0dc0ad186f4934
events/thickness_histogram/day 0ba707ef6f156765
events/thickness_histogram/voxels e0e0ba5a3e13cd2c
events/thickness_histogram@ 910d942ae80d4a28
lattice/bone_fraction 83efe8e8a786d0f7
lattice/metrics/bv_tv 5c4174afdfa41bf4
lattice/metrics/components b6912cfefd6ed087
lattice/metrics/conn_d_per_mm3 aed09498f6d01f7e
lattice/metrics/euler ee8f8396ac467db2
lattice/metrics/tb_n_per_mm d5d7987351e14b93
lattice/metrics/tb_sp_mm ef5d0f94ec417722
lattice/metrics/tb_th_mm 046034af99b91041
lattice@ 97a41b85af01ee79
snapshots/day_00000/bone_fraction c55e0cc2b1d4d96b
snapshots/day_00000/mineral_fraction 3f305b96d69c9ce9
snapshots/day_00000@ dd11368e4648d2ab
snapshots/day_00030/bone_fraction 70b161fe4e9432fa
snapshots/day_00030/mineral_fraction 83dc7bae1819c4a4
snapshots/day_00030@ aa86970eaac0e2cd
snapshots/day_00060/bone_fraction 5d75cbd4d6e6e249
snapshots/day_00060/mineral_fraction 6cabaf81744d3701
snapshots/day_00060@ 5adc9f3ede654756
snapshots/day_00080/bone_fraction 227d37bbed0813d3
snapshots/day_00080/mineral_fraction e641a12b7c992d5d
snapshots/day_00080@ dc5134b5a21e3f24
timeseries/activation_frequency_per_y 521ed05d6be450fe
timeseries/anabolic_signal 34870b74191e5ef9
timeseries/bisphosphonate_buried_fmol 437f2a192b949daf
timeseries/bisphosphonate_delivered_fmol 437f2a192b949daf
timeseries/bisphosphonate_surface_fmol 437f2a192b949daf
timeseries/bisphosphonate_taken_up_fmol 437f2a192b949daf
timeseries/bmus_activated_total 9fa89dcab1b0022c
timeseries/bmus_forming 5e8ec443ae36ab9c
timeseries/bmus_resorbing 6a52ce4b8fcee6b6
timeseries/bmus_reversal 1d8690f64b86df19
timeseries/bone_surface_mm2 37899030223c6c43
timeseries/bv_tv a67fcdf1d8b3f889
timeseries/bv_tv_mask 9025623e5a1bb3bc
timeseries/components 6ae5d8dd13db1590
timeseries/conn_d_per_mm3 2e36cd5a795ca1e1
timeseries/ctx_relative 5e2cdc289bb4f508
timeseries/day 71b2780c294042e6
timeseries/denosumab_pm 8937bace39a8d331
timeseries/denosumab_serum_ug_ml cf83e367987a21a0
timeseries/disconnections_total a7ea41b50d4a34a1
timeseries/e2_pg_ml 31578def7081b411
timeseries/estrogen_deficiency eb2b671a6a958160
timeseries/euler a3d748a3f21d2a30
timeseries/formation_rate_per_y 11f5acf2d02aed11
timeseries/fragments_vanished_total 34870b74191e5ef9
timeseries/free_rankl_pm 139de3066906a065
timeseries/hip_abmd_change_pct 0ae6e613ce65be2e
timeseries/il1_pm db15972b50832578
timeseries/il6_pm 946eab992e6cdb9c
timeseries/lining_cells e280e43660df9ffd
timeseries/mineral_fraction 56bcfe1be4daa595
timeseries/opg_pm 8ad166c73d8f7822
timeseries/osteoblasts b0f0274cf6d2a235
timeseries/osteoclast_nuclei 813715a9eaea181d
timeseries/osteoclasts e3bc11b6b155b5bb
timeseries/p1np_relative 665191864ec18d6b
timeseries/perforations_total 59a048c00f7b8ec8
timeseries/precursor_fill cb86434eeeee1c0f
timeseries/rankl_pm 44c89d7e355b5f2d
timeseries/resorption_rate_per_y 9ff2a775510d9a2a
timeseries/spine_abmd_change_pct 84c811b37f6f46a0
timeseries/t_score 1e370505758506d8
timeseries/tb_n_per_mm 853ed9276c5a878d
timeseries/tb_sp_mm 17695c20042b6ec4
timeseries/tb_th_mm d3564737eb9bbad0
timeseries/tcells fc56c30b94423acf
timeseries/tcells_activated 153ebfb080efeca3
timeseries/tgfb_pm 8bb0b24cb22153ca
timeseries/tnf_pm 7636bef449542c63
timeseries/vbmd_change_pct 979f44f8afa445b4
timeseries/vbmd_mg_cm3 07215841161d85a0
timeseries@ a1ce20b444c61eaa
";
