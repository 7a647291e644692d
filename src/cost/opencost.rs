//! OpenCost's `/allocation` API, used instead of the local model for a
//! cluster with an `opencost` endpoint: `window=1h&aggregate=namespace`, so
//! the figures are per hour. NaN and ±Inf arrive as `null` and stay unknown;
//! `__idle__` is the idle cost, `__unallocated__` is dropped.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub namespace: String,
    pub cpu_cost: Option<f64>,
    pub ram_cost: Option<f64>,
    pub pv_cost: Option<f64>,
    pub total_cost: Option<f64>,
    pub efficiency: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Allocations {
    pub namespaces: Vec<Allocation>,
    pub idle: Option<f64>,
}

pub fn parse(body: &[u8]) -> Result<Allocations, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if let Some(code) = v.get("code").and_then(Value::as_i64).filter(|c| *c != 200) {
        let msg = v.get("message").and_then(Value::as_str).unwrap_or("");
        return Err(format!("OpenCost answered code {code}: {msg}"));
    }
    let sets = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no data list")?;
    let mut out = Allocations::default();
    for set in sets {
        let Some(map) = set.as_object() else { continue };
        for (key, a) in map {
            let num = |k: &str| a.get(k).and_then(Value::as_f64).filter(|x| x.is_finite());
            match key.as_str() {
                "__idle__" => out.idle = num("totalCost"),
                "__unallocated__" => {}
                ns => out.namespaces.push(Allocation {
                    namespace: ns.to_string(),
                    cpu_cost: num("cpuCost"),
                    ram_cost: num("ramCost"),
                    pv_cost: num("pvCost"),
                    total_cost: num("totalCost"),
                    efficiency: num("totalEfficiency"),
                }),
            }
        }
    }
    out.namespaces.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    Ok(out)
}

pub async fn fetch(client: &reqwest::Client, base: &str) -> Result<Allocations, String> {
    let url = format!(
        "{}/allocation?window=1h&aggregate=namespace",
        base.trim_end_matches('/')
    );
    let r = client
        .get(&url)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("{url}: {}", crate::fleet::kubeconfig::one_line(&e)))?;
    let status = r.status();
    let body = crate::basics::body::read_capped(r, crate::basics::body::MAX_BODY)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{url}: HTTP {}", status.as_u16()));
    }
    parse(&body).map_err(|e| format!("{url}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_response_with_nulls_parses() {
        let a = parse(include_bytes!("testdata/allocation.json")).unwrap();
        assert_eq!(a.idle, Some(0.1075));
        assert_eq!(a.namespaces.len(), 2, "__unallocated__ dropped");
        let batch = &a.namespaces[0];
        assert_eq!(batch.namespace, "batch");
        assert_eq!(
            (batch.total_cost, batch.pv_cost, batch.efficiency),
            (Some(0.0038), None, None)
        );
        let shop = &a.namespaces[1];
        assert_eq!(
            (shop.cpu_cost, shop.ram_cost, shop.efficiency),
            (Some(0.0416), Some(0.0098), Some(0.2839))
        );
        assert!(parse(br#"{"code":500,"message":"boom"}"#)
            .unwrap_err()
            .contains("code 500: boom"));
        assert!(parse(b"<html>").is_err());
    }
}
