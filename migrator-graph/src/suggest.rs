//! "Did you mean …?": the ids nearest to a mistyped one, by edit distance.

/// Inputs longer than this are not typos of an id; no suggestions for them.
const MAX_INPUT: usize = 128;
/// How many suggestions to offer at most.
const MAX_SUGGESTIONS: usize = 3;

/// The candidates nearest to `input` (Levenshtein distance over chars, also
/// against each candidate's prefix of the same length, so a mistyped prefix
/// finds its id), closest first, at most three.
pub fn nearest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let input: Vec<char> = input.chars().collect();
    if input.is_empty() || input.len() > MAX_INPUT {
        return Vec::new();
    }
    let threshold = 1 + input.len() / 3;
    let mut scored: Vec<(usize, &str)> = Vec::new();
    let mut row = Vec::new();
    let mut cand = Vec::new();
    for candidate in candidates {
        cand.clear();
        cand.extend(candidate.chars());
        let full = distance(&input, &cand, &mut row);
        let prefix = if cand.len() > input.len() {
            distance(&input, &cand[..input.len()], &mut row)
        } else {
            full
        };
        let best = full.min(prefix);
        if best <= threshold {
            scored.push((best, candidate));
        }
    }
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, s)| s.to_owned())
        .collect()
}

/// Levenshtein distance, one row of scratch space.
fn distance(a: &[char], b: &[char], row: &mut Vec<usize>) -> usize {
    row.clear();
    row.extend(0..=b.len());
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let cost = usize::from(ca != cb);
            row[j + 1] = (diagonal + cost).min(above + 1).min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        let d = |a: &str, b: &str| {
            let a: Vec<char> = a.chars().collect();
            let b: Vec<char> = b.chars().collect();
            distance(&a, &b, &mut Vec::new())
        };
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", "abc"), 0);
        assert_eq!(d("é", "e"), 1);
    }

    #[test]
    fn suggests_nearest_and_mistyped_prefixes() {
        let ids = ["ae1027a6", "27c6a30d", "1975ea83", "shoppingcart"];
        assert_eq!(nearest("ae1072a6", ids), ["ae1027a6"]);
        assert_eq!(nearest("27c7", ids), ["27c6a30d"]);
        assert_eq!(nearest("shopingcart", ids), ["shoppingcart"]);
        assert!(nearest("zzzzzzzz", ids).is_empty());
        assert!(nearest("", ids).is_empty());
    }
}
