//! The graph around one workload as a tree a terminal can show: its callers
//! above, then what it calls, indented by depth. A workload reached twice is
//! shown once and then referred to, so a dense graph stays a list, not a hairball.

use std::collections::BTreeSet;

use super::graph::{Edge, Node, Source};
use super::health::{edge_trouble, percent};
use super::ClusterDeps;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 0 for the workload itself; callers are at 1 above it.
    pub depth: usize,
    /// A caller (listed above the workload).
    pub caller: bool,
    pub node: Node,
    /// The call that leads here.
    pub edge: Option<Edge>,
    /// Already shown above: not expanded again.
    pub again: bool,
    /// Its own trouble, or the call's errors.
    pub trouble: Option<String>,
}

/// At most `max` rows: callers, the workload, then its calls depth first.
pub fn tree(d: &ClusterDeps, root: &Node, max: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let row = |depth, caller, node: &Node, edge: Option<&Edge>, again| {
        let own = d.trouble.get(node).cloned();
        let call = edge.and_then(|e| edge_trouble(e, d.threshold()));
        let trouble = match (call, own) {
            (Some(a), Some(b)) => Some(format!("{a}, {b}")),
            (a, b) => a.or(b),
        };
        Row {
            depth,
            caller,
            node: node.clone(),
            edge: edge.cloned(),
            again,
            trouble,
        }
    };
    for e in d.graph.called_by(root) {
        rows.push(row(1, true, &e.from, Some(e), false));
    }
    rows.push(row(0, false, root, None, false));
    let mut shown: BTreeSet<&Node> = BTreeSet::from([root]);
    // Depth first, iteratively: (edge, depth), last pushed shown first.
    let mut todo: Vec<(&Edge, usize)> = d.graph.calls(root).map(|e| (e, 1)).collect();
    todo.reverse();
    while let Some((e, depth)) = todo.pop() {
        if rows.len() >= max {
            break;
        }
        let again = !shown.insert(&e.to);
        rows.push(row(depth, false, &e.to, Some(e), again));
        if !again {
            let mut next: Vec<(&Edge, usize)> =
                d.graph.calls(&e.to).map(|c| (c, depth + 1)).collect();
            next.reverse();
            todo.extend(next);
        }
    }
    rows.truncate(max);
    rows
}

/// `12.0 rps · 38 % err · both`, or `declared`.
pub fn figures(e: &Edge) -> String {
    let mut parts = Vec::new();
    if let Some(r) = e.rps {
        parts.push(format!("{r:.1} rps"));
    }
    if let Some(x) = e.error_ratio {
        parts.push(format!("{} err", percent(x)));
    }
    if let Some(b) = e.tcp_bytes {
        parts.push(format!("{} tcp", rate_bytes(b)));
    }
    parts.push(
        match e.source {
            Source::Traffic => "traffic",
            Source::Declared => "declared",
            Source::Both => "both",
        }
        .to_string(),
    );
    parts.join(" · ")
}

/// `3.2 KB/s`: decimal units, as network rates are said.
fn rate_bytes(b: f64) -> String {
    const UNITS: [&str; 4] = ["B/s", "KB/s", "MB/s", "GB/s"];
    let mut v = b;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// The row's workload, indented by depth (callers marked `←`). Indentation
/// stops growing at `cap` levels; deeper rows say their depth instead.
pub fn indented(r: &Row, cap: usize) -> String {
    let cap = cap.max(1);
    let lead = if r.caller {
        "← ".to_string()
    } else if r.depth == 0 {
        String::new()
    } else if r.depth <= cap {
        format!("{}→ ", "  ".repeat(r.depth - 1))
    } else {
        format!("{}{}→ ", "  ".repeat(cap - 1), r.depth)
    };
    format!("{lead}{}", r.node)
}

/// One line per row, each at most `width` characters; indentation is
/// capped at an eighth of the width.
pub fn render(rows: &[Row], width: usize) -> Vec<String> {
    rows.iter()
        .map(|r| {
            let mut s = indented(r, width / 8);
            if let Some(e) = &r.edge {
                s.push_str("  ");
                s.push_str(&figures(e));
            }
            if r.again {
                s.push_str("  (shown above)");
            }
            if let Some(t) = &r.trouble {
                s.push_str("  ✗ ");
                s.push_str(t);
            }
            fit(&s, width)
        })
        .collect()
}

fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}
