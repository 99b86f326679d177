//! Helping the user past a typo: nearest valid key, and the line a key is on.

/// Levenshtein edit distance between two strings (by characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
/// A candidate that starts with `word` counts as close too (`iliac` for `iliac_crest`).
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| {
            let prefix = word.len() >= 3 && c.starts_with(word);
            (if prefix { 1 } else { edit_distance(word, c) }, c)
        })
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

/// The 1-based line on which the dotted key `path` is assigned in TOML `source`, found
/// by following `[table]` headers; `None` for forms it does not follow (inline tables).
pub fn locate_line(source: &str, path: &str) -> Option<usize> {
    let (parent, leaf) = match path.rsplit_once('.') {
        Some((p, l)) => (p, l),
        None => ("", path),
    };
    let mut table = String::new();
    // Entries seen so far of each array of tables (`[[drug]]` is `drug[0]`, ...).
    let mut entries: std::collections::BTreeMap<String, usize> = Default::default();
    for (n, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if let Some(h) = line.strip_prefix('[') {
            let array = h.starts_with('[');
            let name = h.trim_start_matches('[');
            let name = name.split(']').next().unwrap_or("");
            table = name
                .split('.')
                .map(|s| s.trim().trim_matches('"'))
                .collect::<Vec<_>>()
                .join(".");
            if array {
                let k = entries.entry(table.clone()).or_insert(0);
                table = format!("{table}[{k}]");
                *k += 1;
            }
            if table == path {
                return Some(n + 1);
            }
            continue;
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_matches('"');
        let full = if table.is_empty() {
            key.to_string()
        } else {
            format!("{table}.{key}")
        };
        if full == path || (table == parent && key == leaf) {
            return Some(n + 1);
        }
    }
    // A key inside an inline table (`start_when = { ... }`, `"k" = { min = 1 }`): the
    // line of the inline table. A key missing from an array entry: the line of the
    // entry's header.
    let (p, _) = path.rsplit_once('.')?;
    let line = locate_line(source, p)?;
    let is_header = source
        .lines()
        .nth(line - 1)
        .is_some_and(|l| l.trim_start().starts_with('['));
    (!is_header || p.contains('[')).then_some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("voxel_um", "voxel_um"), 0);
        assert_eq!(edit_distance("voxl_um", "voxel_um"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn nearest_only_when_plausible() {
        let keys = ["voxel_um", "side_mm", "shape_voxels"];
        assert_eq!(nearest("voxel_mm", keys), Some("voxel_um"));
        assert_eq!(nearest("sidemm", keys), Some("side_mm"));
        assert_eq!(nearest("temperature", keys), None);
        assert_eq!(
            nearest("iliac", ["iliac_crest", "femoral_head"]),
            Some("iliac_crest")
        );
    }

    #[test]
    fn lines_follow_headers() {
        let src = "[run]\nseed = 1\n\n[lattice]\nvoxel_um = 20\n[lattice.synthetic]\nbv_tv = 0.2\n";
        assert_eq!(locate_line(src, "run.seed"), Some(2));
        assert_eq!(locate_line(src, "lattice.voxel_um"), Some(5));
        assert_eq!(locate_line(src, "lattice.synthetic.bv_tv"), Some(7));
        assert_eq!(locate_line(src, "lattice.synthetic"), Some(6));
        assert_eq!(locate_line(src, "lattice.nope"), None);
    }

    #[test]
    fn lines_of_array_entries_and_their_inline_tables() {
        let src = "[run]\nseed = 1\n[[drug]]\nname = \"a\"\n[[drug]]\nname = \"b\"\nstart_when = { t_score_below = -2 }\n";
        assert_eq!(locate_line(src, "drug[0].name"), Some(4));
        assert_eq!(locate_line(src, "drug[1].name"), Some(6));
        assert_eq!(
            locate_line(src, "drug[1].start_when.t_score_below"),
            Some(7)
        );
        assert_eq!(locate_line(src, "drug[1]"), Some(5));
    }

    #[test]
    fn keys_of_inline_tables_take_the_line_of_the_table() {
        let src = "[sweep]\nbase = \"b\"\n[axes]\n\"a.b\" = { min = nan, max = 1 }\n";
        assert_eq!(locate_line(src, "axes.a.b"), Some(4));
        assert_eq!(locate_line(src, "axes.a.b.min"), Some(4));
        // A key missing from a [table] has no line of its own.
        assert_eq!(locate_line(src, "sweep.nope"), None);
    }
}
