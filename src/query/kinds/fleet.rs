//! What fleetdeck works out across the fleet: cluster rows, SLOs, costs,
//! the timeline, backups and chaos experiments.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{age, each, f, known_everywhere, Drill, Item, Kind, Sources, Visit, V};
use crate::fleet::summary::{ClusterRow, ClusterState, Known};

pub const CLUSTERS: Kind = Kind {
    name: "clusters",
    aliases: &["cluster", "ctx"],
    fields: &[
        f("cluster", "string", "its context"),
        f("name", "string", "its display name"),
        f("group", "string", "its [[cluster]] group, or null"),
        f("region", "string", ""),
        f("provider", "string", "aws, gcp, azure…"),
        f("role", "string", "primary, standby, or null"),
        f(
            "state",
            "string",
            "ok, degraded, unreachable, connecting, syncing, summary, listed",
        ),
        f("excluded", "bool", "excluded by the health policy"),
        f("version", "string", "the API server's version"),
        f("nodes", "int", "nodes in all (null: unknown)"),
        f("nodes_ready", "int", ""),
        f("pods_running", "int", ""),
        f("pods_pending", "int", ""),
        f("pods_failing", "int", ""),
        f("workloads", "int", ""),
        f("workloads_healthy", "int", ""),
        f("warnings", "int", "warning Events"),
        f(
            "tls",
            "string",
            "the negotiated key exchange group (X25519MLKEM768…)",
        ),
        f("cpu_full_days", "double", "days until CPU requests reach allocatable at the week's trend (null: not growing or unknown)"),
        f("memory_full_days", "double", "the same for memory"),
        f("forecast", "string", "the forecast in words: full in 13 d, not growing, not enough history…"),
    ],
    columns: &[
        "cluster",
        "group",
        "region",
        "state",
        "nodes_ready",
        "nodes",
        "pods_failing",
        "workloads_healthy",
        "workloads",
    ],
    scan: scan_clusters,
    unknown: known_everywhere,
};

struct Cluster<'a>(&'a ClusterRow, Option<&'a crate::forecast::Forecast>);

fn state(s: &ClusterState) -> &'static str {
    match s {
        ClusterState::Ok => "ok",
        ClusterState::Degraded { .. } => "degraded",
        ClusterState::Unreachable { .. } => "unreachable",
        ClusterState::Connecting => "connecting",
        ClusterState::Syncing { .. } => "syncing",
        ClusterState::Summary { .. } => "summary",
        ClusterState::Listed { .. } => "listed",
    }
}

fn known<T: Copy>(k: &Known<T>, f: impl Fn(T) -> usize) -> V {
    k.value().map_or(V::Null, |v| V::Int(f(v) as i64))
}

impl Item for Cluster<'_> {
    fn get(&self, field: &str) -> V {
        let r = self.0;
        let m = &r.meta;
        match field {
            "cluster" => V::s(&m.context),
            "name" => V::s(&m.name),
            "group" => V::opt_s(m.group.as_deref()),
            "region" => V::opt_s(m.region.as_deref()),
            "provider" => V::opt_s(m.cloud.as_deref()),
            "role" => V::opt_s(m.role.as_deref()),
            "state" => V::s(state(&r.state)),
            "excluded" => V::Bool(r.excluded.is_some()),
            "version" => V::opt_s(r.version.as_deref()),
            "nodes" => known(&r.nodes, |n| n.total),
            "nodes_ready" => known(&r.nodes, |n| n.ready),
            "pods_running" => known(&r.pods, |p| p.running),
            "pods_pending" => known(&r.pods, |p| p.pending),
            "pods_failing" => known(&r.pods, |p| p.failing),
            "workloads" => known(&r.workloads, |w| w.total),
            "workloads_healthy" => known(&r.workloads, |w| w.healthy),
            "warnings" => known(&r.warnings, |w| w),
            "tls" => V::opt_s(r.tls.as_ref().and_then(|t| t.group.as_deref())),
            "cpu_full_days" => V::opt_f(self.1.and_then(|f| f.cpu.outlook.days())),
            "memory_full_days" => V::opt_f(self.1.and_then(|f| f.memory.outlook.days())),
            "forecast" => self.1.map_or(V::Null, |f| {
                V::s(format!(
                    "cpu {} · memory {}",
                    f.cpu.outlook.short(),
                    f.memory.outlook.short()
                ))
            }),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Cluster {
            context: self.0.meta.context.clone(),
        }
    }
}

fn scan_clusters(src: &Sources, visit: &mut Visit) {
    let forecast = |ctx: &str| src.forecast.and_then(|f| f.get(ctx));
    each(src.rows, visit, |r| Cluster(r, forecast(&r.meta.context)))
}

pub const SLOS: Kind = Kind {
    name: "slos",
    aliases: &["slo"],
    fields: &[
        f("name", "string", "the [[slo]]'s name"),
        f("cluster", "string", ""),
        f("objective", "double", "percent, e.g. 99.9"),
        f(
            "sli",
            "double",
            "the ratio of good events over the window (0–1), or null",
        ),
        f(
            "budget",
            "double",
            "error budget left (1 = all of it; below 0: spent)",
        ),
        f(
            "burn",
            "map(string, double)",
            "burn rate per window: burn[\"1h\"] > 10",
        ),
        f("state", "string", "ok, ticket, page, unknown…"),
        f("rps", "double", "requests per second over 5 minutes"),
        f(
            "exhaustion",
            "duration",
            "time until the budget is gone at this burn, or null",
        ),
        f("error", "string", "why it cannot be evaluated, or null"),
    ],
    columns: &[
        "name",
        "cluster",
        "objective",
        "sli",
        "budget",
        "state",
        "rps",
    ],
    scan: scan_slos,
    unknown: known_everywhere,
};

struct Slo<'a>(&'a crate::slo::eval::SloRow);

impl Item for Slo<'_> {
    fn get(&self, field: &str) -> V {
        let r = self.0;
        match field {
            "name" => V::s(&r.name),
            "cluster" => V::s(&r.context),
            "objective" => V::Float(r.objective),
            "sli" => V::opt_f(r.sli),
            "budget" => V::opt_f(r.budget_remaining),
            "burn" => V::Map(
                r.burn
                    .iter()
                    .map(|(w, b)| {
                        // `1h/5m` pairs are keyed by their long window.
                        let key = w.split('/').next().unwrap_or(w);
                        (Arc::from(key), V::opt_f(*b))
                    })
                    .collect(),
            ),
            "state" => V::s(r.state.as_str()),
            "rps" => V::opt_f(r.rps),
            "exhaustion" => r.exhaustion_seconds.map_or(V::Null, |s| V::Dur(s as i64)),
            "error" => V::opt_s(r.error.as_deref()),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Slo
    }
}

fn scan_slos(src: &Sources, visit: &mut Visit) {
    each(src.slos, visit, Slo)
}

pub const COSTS: Kind = Kind {
    name: "costs",
    aliases: &["cost"],
    fields: &[
        f("cluster", "string", ""),
        f("group", "string", ""),
        f(
            "per_hour",
            "double",
            "dollars an hour (null: unknown, e.g. nodes forbidden)",
        ),
        f("idle_per_hour", "double", "what requests leave unused"),
        f(
            "per_month",
            "double",
            "the calendar month at this hourly rate",
        ),
        f(
            "co2e_g_per_hour",
            "double",
            "grams of CO₂e an hour, or null",
        ),
        f("source", "string", "where the prices come from"),
        f("unknown", "string", "why the figure is unknown, or null"),
    ],
    columns: &[
        "cluster",
        "group",
        "per_hour",
        "idle_per_hour",
        "per_month",
        "source",
    ],
    scan: scan_costs,
    unknown: known_everywhere,
};

struct Cost<'a>(&'a crate::cost::report::ClusterCost, DateTime<Utc>);

impl Item for Cost<'_> {
    fn get(&self, field: &str) -> V {
        let c = self.0;
        match field {
            "cluster" => V::s(&c.context),
            "group" => V::opt_s(c.group.as_deref()),
            "per_hour" => V::opt_f(c.cost()),
            "idle_per_hour" => V::opt_f(c.cost().map(|_| c.idle_per_hour)),
            "per_month" => V::opt_f(c.cost().map(|h| crate::forecast::month_cost(h, self.1))),
            "co2e_g_per_hour" => V::opt_f(c.co2e_g_per_hour),
            "source" => V::s(&c.source),
            "unknown" => V::opt_s(c.unknown.as_deref()),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Cost {
            context: self.0.context.clone(),
        }
    }
}

fn scan_costs(src: &Sources, visit: &mut Visit) {
    let all = src.costs.map(|c| c.clusters.as_slice()).unwrap_or_default();
    each(all, visit, |c| Cost(c, src.now))
}

pub const CHANGES: Kind = Kind {
    name: "changes",
    aliases: &["change", "timeline"],
    fields: &[
        f("cluster", "string", ""),
        f(
            "kind",
            "string",
            "revision, scale, edit, rollout, warning, node, cluster, slo, action…",
        ),
        f("object_kind", "string", "Deployment, Node…"),
        f("namespace", "string", ""),
        f("name", "string", ""),
        f(
            "by",
            "string",
            "who: a field manager, user, controller, console; or null",
        ),
        f("summary", "string", "image 1.4.2 → 1.5.0, BackOff ×100…"),
        f("count", "int", "how many times (Events)"),
        f("age", "duration", "age < duration(\"30m\")"),
        f("time", "timestamp", ""),
    ],
    columns: &[
        "age",
        "cluster",
        "kind",
        "namespace",
        "name",
        "by",
        "summary",
    ],
    scan: scan_changes,
    unknown: known_everywhere,
};

struct ChangeItem<'a>(&'a crate::timeline::Change, DateTime<Utc>);

impl Item for ChangeItem<'_> {
    fn get(&self, field: &str) -> V {
        let c = self.0;
        match field {
            "cluster" => V::s(&c.context),
            "kind" => V::s(c.kind.word()),
            "object_kind" => V::s(&c.object.kind),
            "namespace" => V::s(&c.object.namespace),
            "name" => V::s(&c.object.name),
            "by" => V::opt_s(c.by.as_deref()),
            "summary" => V::s(&c.summary),
            "count" => V::Int(c.count as i64),
            "age" => age(self.1, Some(c.time)),
            "time" => V::Time(c.time),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Changes
    }
}

fn scan_changes(src: &Sources, visit: &mut Visit) {
    each(src.changes, visit, |c| ChangeItem(c, src.now))
}

pub const BACKUPS: Kind = Kind {
    name: "backups",
    aliases: &["backup", "schedules"],
    fields: &[
        f("cluster", "string", ""),
        f("schedule", "string", "the Velero Schedule"),
        f("state", "string", "ok, late, failing, unknown"),
        f(
            "last_success",
            "timestamp",
            "the newest successful backup, or null",
        ),
        f("age", "duration", "its age, or null"),
        f("rpo", "duration", "the recovery-point objective, or null"),
        f("error", "string", "the last failure, or null"),
    ],
    columns: &["cluster", "schedule", "state", "age", "rpo", "error"],
    scan: scan_backups,
    unknown: known_everywhere,
};

struct Backup<'a>(&'a crate::backups::Row);

impl Item for Backup<'_> {
    fn get(&self, field: &str) -> V {
        let b = self.0;
        match field {
            "cluster" => V::s(&b.context),
            "schedule" => V::s(&b.schedule),
            "state" => V::s(
                serde_json::to_value(b.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            ),
            "last_success" => b.last_success.map_or(V::Null, V::Time),
            "age" => b.age_seconds.map_or(V::Null, V::Dur),
            "rpo" => b.rpo_seconds.map_or(V::Null, V::Dur),
            "error" => V::opt_s(b.last_error.as_deref()),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Backups
    }
}

fn scan_backups(src: &Sources, visit: &mut Visit) {
    let all = src.backups.map(|b| b.worst_first()).unwrap_or_default();
    each(all, visit, Backup)
}

pub const EXPERIMENTS: Kind = Kind {
    name: "experiments",
    aliases: &["experiment", "chaos"],
    fields: &[
        f("cluster", "string", ""),
        f("kind", "string", "NetworkChaos, PodChaos, ChaosEngine…"),
        f("namespace", "string", ""),
        f("name", "string", ""),
        f("phase", "string", "running, paused, finished, stopped"),
        f("active", "bool", "running now"),
        f("age", "duration", "since it started, or null"),
        f("hits", "list(string)", "namespace/workload of what it hits"),
    ],
    columns: &[
        "cluster",
        "kind",
        "namespace",
        "name",
        "phase",
        "age",
        "hits",
    ],
    scan: scan_experiments,
    unknown: known_everywhere,
};

struct Experiment<'a>(&'a crate::chaos::Experiment, DateTime<Utc>);

impl Item for Experiment<'_> {
    fn get(&self, field: &str) -> V {
        let e = self.0;
        match field {
            "cluster" => V::s(&e.context),
            "kind" => V::s(e.kind.name()),
            "namespace" => V::s(&e.namespace),
            "name" => V::s(&e.name),
            "phase" => V::s(e.phase.as_str()),
            "active" => V::Bool(e.phase.active()),
            "age" => age(self.1, e.since),
            "hits" => V::List(
                e.hits
                    .iter()
                    .map(|h| Arc::from(format!("{}/{}", h.namespace, h.workload)))
                    .collect(),
            ),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Chaos
    }
}

fn scan_experiments(src: &Sources, visit: &mut Visit) {
    let all = src.chaos.map(|c| c.rows()).unwrap_or_default();
    each(all, visit, |e| Experiment(e, src.now))
}
