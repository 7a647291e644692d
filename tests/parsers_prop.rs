//! Property tests: no input makes the metrics parsers panic — exposition
//! bodies (the direct-scrape path), Prometheus API responses, selectors.

use fleetdeck::slo::history::Selector;
use fleetdeck::slo::prom::parse_response;
use fleetdeck::slo::scrape::parse;
use proptest::prelude::*;

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
}
