//! Context globs: `*` matches any run of characters (slashes too, so EKS ARNs
//! work), `?` one character; everything else is literal.

pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative wildcard matching with one backtrack point: linear in practice.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches("lab-*", "lab-a"));
        assert!(matches("lab-?", "lab-a"));
        assert!(!matches("lab-?", "lab-a-admin"));
        assert!(matches("*", ""));
        assert!(matches(
            "arn:aws:eks:*:cluster/prod-*",
            "arn:aws:eks:eu-west-1:123:cluster/prod-1"
        ));
        assert!(!matches("prod", "prod-1"));
        assert!(matches("*a*b", "xxaxxb"));
        assert!(!matches("*a*b", "xxaxxbc"));
    }
}
