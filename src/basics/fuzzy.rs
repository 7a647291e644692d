//! Fuzzy matching for completion (`:ctx` Tab): the query's characters in
//! order, case-insensitively. A prefix beats a substring beats a scattered
//! match; among equals, the shorter candidate wins.

/// A score (higher is better), or `None` when `query` does not match.
pub fn score(query: &str, candidate: &str) -> Option<i64> {
    let q = query.to_lowercase();
    let c = candidate.to_lowercase();
    let len = c.chars().count() as i64;
    if q.is_empty() {
        return Some(-len);
    }
    if c.starts_with(&q) {
        return Some(3_000 - len);
    }
    if c.contains(&q) {
        return Some(2_000 - len);
    }
    // In order, not contiguous: fewer gaps and more word starts
    // (`us-standby` for `usst`) are better.
    let (mut gaps, mut starts) = (0i64, 0i64);
    let mut prev = None;
    let mut chars = c.chars();
    for want in q.chars() {
        let mut skipped = false;
        loop {
            match chars.next() {
                Some(ch) if ch == want => break,
                Some(ch) => {
                    skipped = true;
                    prev = Some(ch);
                }
                None => return None,
            }
        }
        gaps += i64::from(skipped);
        starts += i64::from(prev.is_none_or(|p| matches!(p, '-' | '_' | '/' | '.' | ' ')));
        prev = Some(want);
    }
    Some(1_000 - 10 * gaps + 8 * starts - len)
}

/// `candidates` that match `query`, best first (ties in their given order).
pub fn rank<'a>(query: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(i64, usize, &str)> = candidates
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| score(query, c).map(|s| (s, i, c)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_then_substring_then_scattered() {
        let names = ["sim-0999", "prod-eu-1", "lab-a", "eu-prod", "p-r-o-d"];
        assert_eq!(rank("prod", names), ["prod-eu-1", "eu-prod", "p-r-o-d"]);
        assert_eq!(rank("PE1", names), ["prod-eu-1"]);
        // Word starts count: `usst` is us-STandby before us-eaST.
        assert_eq!(
            rank("usst", ["prod-us-east", "prod-us-standby"])[0],
            "prod-us-standby"
        );
        assert_eq!(rank("zzz", names), Vec::<&str>::new());
        // Shorter wins among prefixes; the empty query keeps every name.
        assert_eq!(
            rank("lab", ["lab-a-long", "lab-a"]),
            ["lab-a", "lab-a-long"]
        );
        assert_eq!(rank("", ["b", "a"]).len(), 2);
    }
}
