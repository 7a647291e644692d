//! Plain words people type, each the query it stands for: the console runs
//! the query and shows it, so the words teach the language.

pub const SHORTCUTS: &[(&str, &str)] = &[
    (
        "failing pods",
        "pods where failing || (phase != \"Running\" && phase != \"Succeeded\") order by restarts desc",
    ),
    (
        "restarting pods",
        "pods where restarts > 5 order by restarts desc",
    ),
    ("unhealthy workloads", "workloads where !healthy"),
    ("what changed", "changes where age < duration(\"1h\") order by time desc"),
    (
        "burning slos",
        "slos where state == \"page\" || state == \"ticket\" order by budget",
    ),
    ("bad nodes", "nodes where !ready || cordoned"),
    ("expensive clusters", "costs order by per_hour desc limit 10"),
    ("running experiments", "experiments where active"),
];

/// The query a plain phrase stands for.
pub fn expand(text: &str) -> Option<&'static str> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let said = words.join(" ");
    SHORTCUTS
        .iter()
        .find(|(phrase, _)| *phrase == said)
        .map(|(_, q)| *q)
}
