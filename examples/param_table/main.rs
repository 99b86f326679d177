//! Prints every config key with its default, unit and valid range as rows of the
//! parameter tables of `docs/MODEL.md`, read from the config schema itself
//! ([`probe`]).
//!
//! ```text
//! cargo run --example param_table
//! ```
//!
//! One block per TOML table. The meaning and source columns are left empty: they
//! are written by hand in `docs/MODEL.md`, whose key, default, unit and range
//! columns `tests/model_doc.rs` checks against the same probe. A default of `-`
//! means the code fills none in (the key is required, optional without a default,
//! or derived from other keys); a unit of `-` that the key's name carries none.

mod probe;

/// The TOML table of a doc key: `[cells.osteoclast]`, `[[drug]]`.
fn table_of(key: &str) -> String {
    let parent = key.rsplit_once('.').map_or("", |(p, _)| p);
    if parent == "drug" {
        "[[drug]]".to_string()
    } else if let Some(sub) = parent.strip_prefix("drug.") {
        format!("[[drug]] {sub}")
    } else {
        format!("[{parent}]")
    }
}

fn main() {
    let mut params = probe::params();
    params.sort_by_cached_key(|p| (table_of(&p.key), p.key.clone()));
    let mut table = String::new();
    for p in params {
        let t = table_of(&p.key);
        if t != table {
            println!("\n{t}\n");
            println!("| key | default | unit | range | meaning | source |");
            println!("|---|---|---|---|---|---|");
            table = t;
        }
        println!(
            "| `{}` | {} | {} | {} |  |  |",
            p.key,
            p.default.as_deref().unwrap_or("-"),
            p.unit.unwrap_or("-"),
            p.range
        );
    }
}
