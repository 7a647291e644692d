//! Property tests: no input makes the metrics parsers panic — exposition
//! bodies (the direct-scrape path), Prometheus API responses, selectors —
//! nor the readers of chaos experiments, whatever shape a CRD lets through.

use fleetdeck::slo::history::Selector;
use fleetdeck::slo::prom::parse_response;
use fleetdeck::slo::scrape::parse;
use proptest::prelude::*;

/// JSON values of any shape, a few levels deep, using the keys the chaos
/// readers look for so they get past the first lookup.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-zA-Z0-9 =,!()_-]{0,10}".prop_map(Value::from),
    ];
    let keys = "(selector|labelSelectors|expressionSelectors|namespaces|pods|fieldSelectors|key|operator|values|status|experiment|desiredPhase|conditions|type|templates|templateType|engineState|engineStatus|appinfo|applabel|appns|experiments|name|metadata|annotations|creationTimestamp|spec|containerRecords|events|x)";
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Lines built from the format's own pieces, so the parser gets deep.
fn exposition_line() -> impl Strategy<Value = String> {
    let name = "[a-z_:]{1,12}";
    let label = r#"[a-z_]{1,6}="[a-z0-9 ,=\\"{}.]{0,8}""#;
    let value = prop_oneof![
        Just("NaN".to_string()),
        Just("+Inf".to_string()),
        Just("-Inf".to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "[0-9a-z.+-]{0,6}",
    ];
    prop_oneof![
        (
            name,
            proptest::collection::vec(label, 0..3),
            value,
            proptest::option::of(any::<i64>())
        )
            .prop_map(|(n, ls, v, ts)| format!(
                "{n}{{{}}} {v} {}",
                ls.join(","),
                ts.map(|t| t.to_string()).unwrap_or_default()
            )),
        (name, "(counter|gauge|histogram|summary|untyped|x)")
            .prop_map(|(n, t)| format!("# TYPE {n} {t}")),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn exposition_bodies_never_panic(lines in proptest::collection::vec(exposition_line(), 0..40)) {
        let p = parse(&lines.join("\n"));
        for s in &p.samples {
            prop_assert!(!s.name.is_empty());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&String::from_utf8_lossy(&body));
        let _ = parse_response(200, &body);
        let _ = parse_response(503, &body);
    }

    #[test]
    fn api_responses_of_the_right_shape_never_panic(
        status in "(success|error)",
        kind in "(vector|matrix|scalar|string|x)",
        value in prop_oneof![Just("\"NaN\"".to_string()), Just("\"+Inf\"".to_string()), "\"[0-9.e+-]{0,8}\"", "[0-9]{1,4}", Just("null".to_string())],
    ) {
        let body = format!(r#"{{"status":"{status}","data":{{"resultType":"{kind}","result":[{{"metric":{{"a":"b"}},"value":[1,{value}],"values":[[1,{value}]]}}]}}}}"#);
        let _ = parse_response(200, body.as_bytes());
    }

    #[test]
    fn selectors_never_panic(text in any::<String>()) {
        let _ = Selector::parse(&text);
    }

    #[test]
    fn chaos_objects_of_any_shape_never_panic(o in json_value(), results in proptest::collection::vec(json_value(), 0..3)) {
        use fleetdeck::chaos::{engine, mesh, ChaosKind};
        for k in ChaosKind::ALL {
            let e = mesh("c", k, &o);
            let _ = (e.describe(chrono::Utc::now()), e.reach(), e.hits_namespace("x"));
        }
        let _ = engine("c", &o, &results);
    }
}
