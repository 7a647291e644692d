//! Queries over a fixed fleet: the deterministic demo at a frozen clock
//! (its pods, workloads, nodes, rollouts, SLOs and costs) plus a hand-made
//! timeline. Every kind answers; answers agree with counts taken from the
//! stores directly; errors point at the column of the mistake; Tab
//! completes; no input panics or exhausts the stack.

use chrono::{DateTime, TimeZone, Utc};
use fleetdeck::console::Console;
use fleetdeck::demo::Demo;
use fleetdeck::fleet::handles::with_data;
use fleetdeck::query::complete::{candidates, candidates_with};
use fleetdeck::query::run::Held;
use fleetdeck::query::{parse_guarded as parse, Drill};
use fleetdeck::remediation::queue::{Decision, Entry, Proposal, Risk, Source};
use fleetdeck::timeline::change::{ChangeKind, ObjectRef};
use fleetdeck::timeline::Change;
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn change(minutes_ago: i64, by: &str, name: &str, now: DateTime<Utc>) -> Change {
    let mut c = Change::new(
        now - chrono::Duration::minutes(minutes_ago),
        "prod-eu-west",
        ChangeKind::Scale,
        ObjectRef::new("Deployment", "checkout", name),
        format!("replicas 2 → 3 ({name})"),
    );
    c.by = Some(by.to_string());
    c
}

/// A queue of three: a pending drift fix on prod, a rejected right-sizing,
/// a Gatekeeper finding with no fix.
fn queue(now: DateTime<Utc>) -> Vec<Entry> {
    let entry = |source, context: &str, object: &str, pods, production, decision| Entry {
        proposal: Proposal {
            id: format!("{}-{object}", context.len()),
            source,
            context: context.into(),
            object: object.into(),
            target: None,
            summary: format!("fix {object}"),
            changes: Vec::new(),
            op: (source != Source::Gatekeeper).then_some(fleetdeck::ops::Operation::Restart),
            risk: Risk {
                pods,
                production,
                slo: None,
            },
            found: now - chrono::Duration::minutes(pods),
            preflight: Some("ok".into()),
        },
        decision,
    };
    vec![
        entry(
            Source::Drift,
            "prod-eu-west",
            "checkout/configmap/checkout-flags",
            3,
            true,
            Decision::Pending,
        ),
        entry(
            Source::RightSizing,
            "staging-eu",
            "shop/deployment/web",
            12,
            false,
            Decision::Rejected {
                by: "alice".into(),
                reason: "peak season".into(),
                at: now,
            },
        ),
        entry(
            Source::Gatekeeper,
            "staging-eu",
            "k8srequiredlabels/owner",
            0,
            false,
            Decision::Pending,
        ),
    ]
}

/// The demo after 110 s (as the render snapshots), and a timeline of four
/// changes: two within 30 minutes, one of them by the controller.
fn fixture() -> (Demo, Console, Held) {
    let mut demo = Demo::new(7);
    let mut now = t0();
    for i in 0..110 {
        now = t0() + chrono::Duration::seconds(i);
        demo.step(now);
    }
    let fleet = demo.console();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(fleet.slo.refresh());
    let changes = vec![
        change(5, "kubectl-edit", "a", now),
        change(10, "controller", "b", now),
        change(45, "alice", "c", now),
        change(90, "kubectl-edit", "d", now),
    ];
    let remediations = Some(queue(now));
    let held = Held {
        now,
        stores: fleet.stores(),
        rows: fleet.rows(now),
        slos: fleet.slo.rows(now).into_iter().map(|(r, _)| r).collect(),
        costs: fleet.cost.latest(),
        changes,
        backups: fleet.backups.latest(),
        chaos: fleet.chaos.latest(),
        forecast: fleet.forecast.latest(),
        remediations,
    };
    (demo, fleet, held)
}

fn names(held: &Held, text: &str) -> Vec<String> {
    let a = held.ask(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(a.errors, 0, "{text}: {:?}", a.first_error);
    let name = a.columns.iter().position(|c| *c == "name").unwrap_or(0);
    a.rows
        .iter()
        .map(|r| r.cells[name].show(held.now))
        .collect()
}

#[test]
fn the_four_example_queries_agree_with_the_stores() {
    let (_demo, fleet, held) = fixture();
    // Counted by hand from the stores.
    let mut restarting_prod = 0;
    let mut all_pods = 0;
    for c in &fleet.clusters {
        with_data(&c.data, |d| {
            all_pods += d.pods.items.len();
            if c.meta.context.starts_with("prod") {
                restarting_prod += d.pods.items.values().filter(|p| p.restarts > 5).count();
            }
        });
    }
    let a = held
        .ask(r#"pods where restarts > 5 && cluster.startsWith("prod")"#)
        .unwrap();
    assert_eq!(a.matched, restarting_prod);
    assert_eq!(a.scanned, all_pods);
    assert!(all_pods > 150, "{all_pods}");
    let a = held.ask("pods where restarts > 0").unwrap();
    assert!(a.matched > 0, "the demo restarts some pods");

    // The checkout-worker runs 1.42.0 on the four production clusters.
    let w = held
        .ask(r#"workloads where images.exists(i, i.endsWith(":1.42.0")) && name == "checkout-worker""#)
        .unwrap();
    let mut clusters: Vec<String> = w.rows.iter().map(|r| r.cells[0].show(held.now)).collect();
    clusters.sort();
    assert_eq!(
        clusters,
        [
            "prod-eu-standby",
            "prod-eu-west",
            "prod-us-east",
            "prod-us-standby"
        ]
    );

    // prod-us-east pages on checkout-availability: its 1h burn is 25.
    let s = held.ask(r#"slos where burn["1h"] > 10"#).unwrap();
    let ctx: Vec<String> = s.rows.iter().map(|r| r.cells[1].show(held.now)).collect();
    assert_eq!(ctx, ["prod-us-east"], "{}", s.summary());

    // Within 30 minutes and not by the controller: only "a".
    assert_eq!(
        names(
            &held,
            r#"changes where age < duration("30m") && by != "controller""#
        ),
        ["a"]
    );
}

#[test]
fn the_remediation_queue_answers_by_state_source_and_risk() {
    let (_demo, _fleet, held) = fixture();
    let objects = |text: &str| {
        let a = held.ask(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(a.errors, 0, "{text}: {:?}", a.first_error);
        let col = a.columns.iter().position(|c| *c == "object").unwrap();
        a.rows
            .iter()
            .map(|r| r.cells[col].show(held.now))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        objects(r#"remediations where state == "pending" && fixable"#),
        ["checkout/configmap/checkout-flags"]
    );
    assert_eq!(
        objects(r#"rem where source == "right-sizing" && state == "rejected""#),
        ["shop/deployment/web"]
    );
    assert_eq!(
        objects("remediations where production || pods > 10 order by pods desc"),
        ["shop/deployment/web", "checkout/configmap/checkout-flags"]
    );
    assert_eq!(
        objects(r#"remediations where age > duration("5m")"#),
        ["shop/deployment/web"]
    );
    let a = held.ask("remediations limit 1").unwrap();
    assert_eq!(a.rows[0].drill, Drill::Remediations);
    // Before any scan the queue is not known: said, not answered as empty.
    let (_demo, _fleet, mut held) = fixture();
    held.remediations = None;
    let a = held.ask("remediations").unwrap();
    assert!(a.rows.is_empty());
    assert!(a.unknown[0].contains("not been scanned"), "{:?}", a.unknown);
}

#[test]
fn every_kind_answers_and_drills_somewhere() {
    let (_demo, _fleet, held) = fixture();
    for (text, min) in [
        ("pods", 150),
        ("workloads where !healthy || healthy", 70),
        ("nodes where ready", 20),
        ("rollouts", 1),
        ("clusters where state == \"ok\" || state != \"ok\"", 6),
        ("slos", 6),
        ("changes", 4),
        ("experiments where active", 1),
        ("remediations", 3),
    ] {
        let a = held.ask(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(a.matched >= min, "{text}: {}", a.summary());
        assert!(
            a.rows.iter().all(|r| r.cells.len() == a.columns.len()),
            "{text}"
        );
        assert!(
            a.rows.iter().all(|r| r.drill != Drill::Nothing),
            "{text}: every row opens something"
        );
    }
    // A pod drills into its owning workload.
    let a = held
        .ask(r#"pods where namespace == "checkout" && owner == "checkout-worker" limit 1"#)
        .unwrap();
    match &a.rows[0].drill {
        Drill::Workload {
            name, namespace, ..
        } => {
            assert_eq!(
                (namespace.as_str(), name.as_str()),
                ("checkout", "checkout-worker")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn order_and_limit_sort_then_cut_and_nulls_go_last() {
    let (_demo, _fleet, held) = fixture();
    let a = held.ask("nodes order by pods desc limit 3").unwrap();
    assert_eq!(a.rows.len(), 3);
    assert_eq!(a.matched, a.scanned);
    let pods = a.columns.iter().position(|c| *c == "pods").unwrap();
    let n: Vec<i64> = a
        .rows
        .iter()
        .map(|r| r.cells[pods].show(held.now).parse().unwrap())
        .collect();
    assert!(n.windows(2).all(|w| w[0] >= w[1]), "{n:?}");
    let all = held.ask("nodes order by pods").unwrap();
    let most = all.rows.last().unwrap().cells[pods].show(held.now);
    assert_eq!(most, n[0].to_string());
    // Without an order, the scan stops at the limit.
    let a = held.ask("pods limit 5").unwrap();
    assert_eq!((a.rows.len(), a.matched), (5, 5));
    // Reasons are mostly null: ordered by them, the nulls come last either way.
    for dir in ["", " desc"] {
        let a = held.ask(&format!("pods order by reason{dir}")).unwrap();
        let reason = a.columns.iter().position(|c| *c == "reason").unwrap();
        let seen: Vec<bool> = a
            .rows
            .iter()
            .map(|r| r.cells[reason].show(held.now) == "-")
            .collect();
        assert!(seen.windows(2).all(|w| !w[0] || w[1]), "nulls last{dir}");
    }
}

#[test]
fn a_null_compared_with_a_number_is_counted_not_fatal() {
    let (_demo, _fleet, held) = fixture();
    // Nodes without an instance type have a null; startsWith on null errs.
    let a = held.ask("pods where reason.startsWith(\"Crash\")").unwrap();
    assert_eq!(a.matched, 0);
    assert!(a.errors > 0);
    assert!(a.summary().contains("not evaluated"), "{}", a.summary());
}

#[test]
fn errors_point_at_the_column_of_the_mistake() {
    for (text, column, says) in [
        ("pods where restrats > 5", 12, "no field \"restrats\""),
        ("pdos where restarts > 5", 1, "no kind \"pdos\""),
        (
            "pods wher restarts > 5",
            6,
            "expected where, order by or limit",
        ),
        ("pods where", 11, "where needs a condition"),
        // At the end of the input: the caret just after it.
        ("pods where restarts >", 23, "mismatched input '<EOF>'"),
        ("pods where name == \"x", 20, "unterminated string"),
        ("pods order by nope", 15, "no field \"nope\" to order by"),
        ("pods limit ten", 12, "expected a whole number"),
        ("pods where (restarts > 5", 12, "unclosed bracket"),
        ("pods where restarts > 5)", 24, "unmatched closing bracket"),
        (
            "workloads where namespace == 1 && nam == \"x\"",
            35,
            "no field \"nam\"",
        ),
    ] {
        let e = parse(text).expect_err(text);
        assert_eq!(e.column, column, "{text}: {e}");
        assert!(e.message.contains(says), "{text}: {e}");
        let pointed = e.pointed(text);
        let caret = pointed.lines().nth(1).unwrap();
        assert_eq!(caret.find('^'), Some(column - 1), "{pointed}");
    }
}

#[test]
fn deep_or_long_input_is_refused_before_parsing() {
    let deep = format!("pods where {}true{}", "(".repeat(200), ")".repeat(200));
    assert!(parse(&deep).unwrap_err().message.contains("nested deeper"));
    let nots = format!("pods where {}true", "!".repeat(5000));
    assert!(parse(&nots).is_err());
    let long = format!("pods where name == \"{}\"", "x".repeat(5000));
    assert!(parse(&long).unwrap_err().message.contains("at most"));
    let chain = format!("pods where {}", vec!["restarts > 1"; 60].join(" && "));
    assert!(parse(&chain).unwrap_err().message.contains("operators"));
    // Within the caps, a deep query evaluates.
    let (_demo, _fleet, held) = fixture();
    let ok = format!(
        "pods where {}restarts >= 0{}",
        "(".repeat(20),
        ")".repeat(20)
    );
    assert!(held.ask(&ok).unwrap().matched > 0);
}

#[test]
fn tab_completes_kinds_then_fields() {
    assert_eq!(candidates("po"), ["pods where "]);
    assert_eq!(candidates(""), {
        let v: Vec<String> = fleetdeck::query::kinds::KINDS
            .iter()
            .map(|k| format!("{} where ", k.name))
            .collect();
        v
    });
    assert_eq!(candidates("pods where rest"), ["pods where restarts"]);
    assert_eq!(
        candidates("pods where restarts > 5 order by na"),
        // In the kind's order of fields.
        [
            "pods where restarts > 5 order by namespace",
            "pods where restarts > 5 order by name"
        ]
    );
    assert!(
        candidates("pods where name == \"re").is_empty(),
        "not inside a string"
    );
    assert!(candidates("nokind where x").is_empty());
    // Inside a string compared with a field whose values are known.
    let clusters = |f: &str| match f {
        "cluster" => vec!["prod-eu".to_string(), "prod-us".into(), "staging".into()],
        _ => Vec::new(),
    };
    assert_eq!(
        candidates_with(r#"pods where cluster == "pro"#, clusters),
        [
            r#"pods where cluster == "prod-eu""#,
            r#"pods where cluster == "prod-us""#
        ]
    );
    assert_eq!(
        candidates_with(
            r#"pods where restarts > 1 && cluster.startsWith("st"#,
            clusters
        ),
        [r#"pods where restarts > 1 && cluster.startsWith("staging""#]
    );
    assert_eq!(
        candidates_with(r#"pods where cluster != ""#, clusters).len(),
        3
    );
    assert!(candidates_with(r#"pods where name == "pro"#, clusters).is_empty());
    assert!(
        candidates_with(r#"pods where cluster == "prod-eu" && na"#, clusters)
            .contains(&r#"pods where cluster == "prod-eu" && name"#.to_string())
    );
}

#[test]
fn phrases_stand_for_queries_that_parse() {
    for (phrase, q) in fleetdeck::query::shortcuts::SHORTCUTS {
        assert_eq!(fleetdeck::query::shortcuts::expand(phrase), Some(*q));
        parse(q).unwrap_or_else(|e| panic!("{phrase}: {q}: {e}"));
    }
    assert_eq!(
        fleetdeck::query::shortcuts::expand("Failing  Pods"),
        fleetdeck::query::shortcuts::expand("failing pods")
    );
}

fn small() -> &'static Held {
    use std::sync::OnceLock;
    static HELD: OnceLock<(Demo, Console, Held)> = OnceLock::new();
    &HELD.get_or_init(fixture).2
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Anything typed: an answer or an error, never a panic.
    #[test]
    fn no_input_panics(s in ".{0,200}") {
        let _ = parse(&s);
        let _ = small().ask(&format!("pods where {s}"));
    }

    /// Query-shaped input, deep and odd: still an answer or an error.
    #[test]
    fn no_query_shaped_input_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("("), Just(")"), Just("["), Just("]"), Just("!"), Just("-"),
                Just("restarts"), Just("name"), Just("namespace"), Just("labels[\"a\"]"),
                Just(" && "), Just(" || "), Just(" > "), Just(" == "), Just("1"),
                Just("\"x\""), Just("."), Just("size("), Just("exists(i, "),
                Just(" order by "), Just(" limit "), Just(" where "), Just("duration(\"1h\")"),
            ],
            0..120,
        )
    ) {
        let s: String = parts.concat();
        let _ = parse(&format!("pods where {s}"));
        let _ = small().ask(&format!("pods where {s}"));
    }
}
