//! The Prometheus HTTP query API (`/api/v1/query`): one instant query, its
//! envelope checked, values parsed from their strings (`"NaN"`, `"+Inf"`).
//! Every failure is a `QueryError` that says which endpoint and why.

use crate::basics::body::{read_capped, BodyError, MAX_BODY};
use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// One series of an instant vector (or the value of a scalar).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("query failed ({kind}): {message}")]
    Query { kind: String, message: String },
    #[error("malformed response: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    data: Option<Data>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Value,
}

/// A sample value as Prometheus writes it: a string, so NaN and ±Inf survive.
pub fn parse_value(v: &Value) -> Option<f64> {
    match v.as_str()? {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        s => s.parse().ok(),
    }
}

fn sample_pair(pair: &Value) -> Result<f64, QueryError> {
    let arr = pair
        .as_array()
        .filter(|a| a.len() == 2)
        .ok_or_else(|| QueryError::Malformed(format!("a sample is not [time, value]: {pair}")))?;
    parse_value(&arr[1])
        .ok_or_else(|| QueryError::Malformed(format!("value {} is not a number", arr[1])))
}

/// Parses a `/api/v1/query` response body (pure; `status` is the HTTP code).
/// A matrix yields each series' last value.
pub fn parse_response(status: u16, body: &[u8]) -> Result<Vec<Sample>, QueryError> {
    let env: Result<Envelope, _> = serde_json::from_slice(body);
    let env = match env {
        Ok(e) => e,
        Err(e) if status >= 400 => {
            let text = String::from_utf8_lossy(body);
            let first = text
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>();
            return Err(QueryError::Http {
                status,
                message: if first.is_empty() {
                    e.to_string()
                } else {
                    first
                },
            });
        }
        Err(e) => return Err(QueryError::Malformed(e.to_string())),
    };
    if env.status != "success" {
        return Err(QueryError::Query {
            kind: env.error_type.unwrap_or_else(|| format!("HTTP {status}")),
            message: env.error.unwrap_or_default(),
        });
    }
    let data = env
        .data
        .ok_or_else(|| QueryError::Malformed("no data".into()))?;
    match data.result_type.as_str() {
        "scalar" => Ok(vec![Sample {
            labels: BTreeMap::new(),
            value: sample_pair(&data.result)?,
        }]),
        "vector" | "matrix" => {
            let series = data
                .result
                .as_array()
                .ok_or_else(|| QueryError::Malformed("result is not a list".into()))?;
            series
                .iter()
                .map(|s| {
                    let labels = s
                        .get("metric")
                        .and_then(Value::as_object)
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| {
                                    (k.clone(), v.as_str().unwrap_or_default().to_string())
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let value = match (s.get("value"), s.get("values").and_then(Value::as_array)) {
                        (Some(v), _) => sample_pair(v)?,
                        (None, Some(vs)) => match vs.last() {
                            Some(v) => sample_pair(v)?,
                            None => f64::NAN,
                        },
                        (None, None) => {
                            return Err(QueryError::Malformed("a series without a value".into()))
                        }
                    };
                    Ok(Sample { labels, value })
                })
                .collect()
        }
        other => Err(QueryError::Malformed(format!(
            "result type {other:?} is not a number"
        ))),
    }
}

/// Where a cluster's metrics are queried.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: String,
    pub client: reqwest::Client,
    pub timeout: Duration,
}

impl Endpoint {
    /// An instant query at the current time.
    pub async fn query(&self, promql: &str) -> Result<Vec<Sample>, QueryError> {
        let url = format!("{}/api/v1/query", self.url.trim_end_matches('/'));
        let timeout = format!("{}s", self.timeout.as_secs().max(1));
        let send = self
            .client
            .post(&url)
            .form(&[("query", promql), ("timeout", &timeout)])
            .timeout(self.timeout)
            .send();
        let resp = match send.await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(QueryError::Timeout(self.timeout)),
            Err(e) => {
                return Err(QueryError::Unreachable(crate::fleet::kubeconfig::one_line(
                    &e,
                )))
            }
        };
        let status = resp.status().as_u16();
        let body = match read_capped(resp, MAX_BODY).await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return Err(QueryError::Timeout(self.timeout)),
            Err(e @ BodyError::TooLarge(_)) => return Err(QueryError::Malformed(e.to_string())),
            Err(BodyError::Read(e)) => {
                return Err(QueryError::Unreachable(crate::fleet::kubeconfig::one_line(
                    &e,
                )))
            }
        };
        parse_response(status, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_scalars_and_special_values() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"cluster":"a"},"value":[1700000000.1,"0.25"]},
            {"metric":{"cluster":"b"},"value":[1700000000.1,"NaN"]},
            {"metric":{},"value":[1700000000.1,"+Inf"]}]}}"#;
        let s = parse_response(200, body).unwrap();
        assert_eq!(s[0].value, 0.25);
        assert_eq!(s[0].labels["cluster"], "a");
        assert!(s[1].value.is_nan());
        assert_eq!(s[2].value, f64::INFINITY);
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"-Inf"]}}"#;
        assert_eq!(
            parse_response(200, scalar).unwrap()[0].value,
            f64::NEG_INFINITY
        );
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(parse_response(200, empty).unwrap().is_empty());
    }

    #[test]
    fn errors_say_what_went_wrong() {
        let bad = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#;
        assert_eq!(
            parse_response(400, bad).unwrap_err().to_string(),
            "query failed (bad_data): parse error at char 5"
        );
        let proxy = b"<html>502 Bad Gateway</html>";
        assert_eq!(
            parse_response(502, proxy).unwrap_err(),
            QueryError::Http {
                status: 502,
                message: "<html>502 Bad Gateway</html>".into()
            }
        );
        assert!(matches!(
            parse_response(200, b"{"),
            Err(QueryError::Malformed(_))
        ));
        let string = br#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#;
        assert!(matches!(
            parse_response(200, string),
            Err(QueryError::Malformed(_))
        ));
        let weird = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}"#;
        assert!(matches!(
            parse_response(200, weird),
            Err(QueryError::Malformed(_))
        ));
    }
}
