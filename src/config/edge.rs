//! `[edge]`: how clusters marked `edge = true` (links that drop for minutes
//! or hours) are watched, and the last-known state every cluster keeps on
//! disk.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeConfig {
    /// Every cluster of these groups is an edge cluster.
    #[serde(default)]
    pub groups: Vec<String>,
    /// A health change of an edge cluster counts only after it holds this long.
    #[serde(default = "default_hold")]
    pub hold_seconds: u64,
    /// An edge cluster's probe waits this long for an answer (others: 5 s).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Every cluster's last-known rows in the data dir, at most this big in all.
    #[serde(default = "default_max_mib")]
    pub last_known_max_mib: u64,
    /// … written this often (and at exit).
    #[serde(default = "default_every")]
    pub last_known_every_seconds: u64,
}

fn default_hold() -> u64 {
    120
}
fn default_timeout() -> u64 {
    30
}
fn default_max_mib() -> u64 {
    64
}
fn default_every() -> u64 {
    60
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig {
            groups: Vec::new(),
            hold_seconds: default_hold(),
            timeout_seconds: default_timeout(),
            last_known_max_mib: default_max_mib(),
            last_known_every_seconds: default_every(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn an_entry_or_its_group_marks_a_cluster_edge() {
        let text = r#"
[edge]
groups = ["stores"]
hold_seconds = 45

[[cluster]]
context = "store-*"
group = "stores"

[[cluster]]
context = "ship-1"
edge = true

[[cluster]]
context = "*"
"#;
        let c = Config::parse(std::path::Path::new("fleetdeck.toml"), text).unwrap();
        let edge = |ctx: &str| c.own_meta(ctx).edge.map(|e| e.hold_seconds);
        assert_eq!(edge("store-7"), Some(45));
        assert_eq!(edge("ship-1"), Some(45));
        assert_eq!(edge("prod"), None);
    }
}
