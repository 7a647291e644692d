//! Deterministic choices. Every random-looking decision is a pure hash of the
//! seed and of what is being decided (which pod, which tick), so no generator
//! state has to be threaded through and two runs with one seed are identical.

/// splitmix64's finaliser: a good 64-bit mixer.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, to turn names into numbers that do not depend on the process.
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A value fixed by the seed and the parts of the question.
pub fn roll(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(mix(seed), |h, p| mix(h ^ p))
}

/// The alphabet Kubernetes uses for generated names (no vowels, no 0/1/3).
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A generated-name suffix such as `x7k2q`.
pub fn suffix(mut h: u64, len: usize) -> String {
    (0..len)
        .map(|_| {
            let c = ALPHABET[(h % ALPHABET.len() as u64) as usize] as char;
            h = mix(h);
            c
        })
        .collect()
}

/// Lower-case hex digits, for digests and uids.
pub fn hex(mut h: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        out.push_str(&format!("{h:016x}"));
        h = mix(h);
    }
    out.truncate(len);
    out
}

/// A uid shaped like the API server's.
pub fn uid(h: u64) -> String {
    let x = hex(h, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_shaped() {
        assert_eq!(roll(1, &[2, 3]), roll(1, &[2, 3]));
        assert_ne!(roll(1, &[2, 3]), roll(2, &[2, 3]));
        let s = suffix(42, 5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(hex(7, 40).len(), 40);
        assert_eq!(uid(9).len(), 36);
    }
}
