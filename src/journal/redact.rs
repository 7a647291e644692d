//! No secrets in the journal: it is kept for postmortems and pasted into
//! tickets, so tokens, keys and Secret data are masked before writing.

use serde_json::{Map, Value};

pub const REDACTED: &str = "<redacted>";

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Mask, anywhere in `v`:
/// - the values under `data`/`stringData` of an object whose `kind` is
///   `Secret` (key names stay: which keys changed is useful, and not secret),
///   and its last-applied-configuration annotation (a copy of the data);
/// - the value of any key that names a credential (token, password, secret,
///   client-key-data, client-certificate-data, private key, …; any case,
///   `-`/`_` ignored), except references such as `secretName` or
///   `tokenSecretRef`, which only name where a secret lives;
/// - the `value` next to a `name` that names a credential (env vars such as
///   `{name: DB_PASSWORD, value: …}`).
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => redact_object(map),
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// For a request aimed at a Secret, whose body (a merge patch, or JSON-patch
/// ops on `/data/…`) may not say `kind: Secret` itself.
pub fn redact_secret_body(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for key in ["data", "stringData"] {
                if let Some(d) = map.get_mut(key) {
                    mask_values(d);
                }
            }
            if let Some(Value::String(path)) = map.get("path") {
                let p = path.as_str();
                let data_path = ["/data", "/stringData"]
                    .iter()
                    .any(|d| p == *d || p.starts_with(&format!("{d}/")));
                if data_path {
                    if let Some(value) = map.get_mut("value") {
                        mask_values(value);
                    }
                }
            }
            map.values_mut().for_each(redact_secret_body);
        }
        Value::Array(items) => items.iter_mut().for_each(redact_secret_body),
        _ => {}
    }
    redact(v);
}

fn redact_object(map: &mut Map<String, Value>) {
    if map.get("kind").and_then(Value::as_str) == Some("Secret") {
        for key in ["data", "stringData"] {
            if let Some(d) = map.get_mut(key) {
                mask_values(d);
            }
        }
        let annotations = map
            .get_mut("metadata")
            .and_then(|m| m.get_mut("annotations"))
            .and_then(Value::as_object_mut);
        if let Some(a) = annotations {
            if let Some(last) = a.get_mut(LAST_APPLIED) {
                *last = Value::String(REDACTED.into());
            }
        }
    }
    // An env var (`{name: DB_PASSWORD, value: …}`): the name says what the value is.
    let env_secret = map
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(sensitive_key);
    if env_secret {
        if let Some(v @ Value::String(_)) = map.get_mut("value") {
            *v = Value::String(REDACTED.into());
        }
    }
    for (key, value) in map.iter_mut() {
        if sensitive_key(key) && !matches!(value, Value::Null | Value::Bool(_)) {
            *value = Value::String(REDACTED.into());
        } else {
            redact(value);
        }
    }
}

/// A map's values masked one by one (its keys kept); anything else whole.
fn mask_values(v: &mut Value) {
    match v {
        Value::Object(m) => m
            .values_mut()
            .for_each(|x| *x = Value::String(REDACTED.into())),
        Value::Null => {}
        other => *other = Value::String(REDACTED.into()),
    }
}

fn sensitive_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    if k.ends_with("name") || k.ends_with("ref") {
        return false;
    }
    const WORDS: &[&str] = &[
        "token",
        "password",
        "passwd",
        "secret",
        "clientkeydata",
        "clientcertificatedata",
        "privatekey",
        "apikey",
        "authorization",
        "bearer",
    ];
    WORDS.iter().any(|w| k.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_data_masked_keys_kept() {
        let mut v = json!({
            "kind": "Secret",
            "metadata": {"name": "db", "annotations": {LAST_APPLIED: "{\"data\":{\"pw\":\"aHVudGVyMg==\"}}", "team": "x"}},
            "data": {"pw": "aHVudGVyMg=="},
            "stringData": {"user": "admin"},
            "type": "Opaque"
        });
        redact(&mut v);
        assert_eq!(v["data"], json!({"pw": REDACTED}));
        assert_eq!(v["stringData"], json!({"user": REDACTED}));
        assert_eq!(v["metadata"]["annotations"][LAST_APPLIED], json!(REDACTED));
        assert_eq!(v["metadata"]["annotations"]["team"], json!("x"));
        assert_eq!(v["metadata"]["name"], json!("db"));
        assert_eq!(v["type"], json!("Opaque"));
    }

    #[test]
    fn data_of_other_kinds_kept() {
        let mut v = json!({"kind": "ConfigMap", "data": {"a": "b"}});
        redact(&mut v);
        assert_eq!(v["data"]["a"], json!("b"));
    }

    #[test]
    fn credential_keys_anywhere() {
        let mut v = json!({
            "users": [{"user": {"Token": "abc", "client-key-data": "LS0t", "client_certificate_data": "LS0t"}}],
            "auth": {"password": 42, "apiKey": "k", "nested": {"refresh_token": {"v": 1}}},
            "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
            "volumes": [{"secret": {"secretName": "tls"}}],
            "automountServiceAccountToken": false,
            "replicas": 3
        });
        redact(&mut v);
        let u = &v["users"][0]["user"];
        assert_eq!(u["Token"], json!(REDACTED));
        assert_eq!(u["client-key-data"], json!(REDACTED));
        assert_eq!(u["client_certificate_data"], json!(REDACTED));
        assert_eq!(v["auth"]["password"], json!(REDACTED));
        assert_eq!(v["auth"]["apiKey"], json!(REDACTED));
        assert_eq!(v["auth"]["nested"]["refresh_token"], json!(REDACTED));
        // References name a secret; they are not one.
        assert_eq!(v["env"][0]["valueFrom"]["secretKeyRef"]["name"], json!("s"));
        // `secret` is a credential-named key: masked whole, conservatively.
        assert_eq!(v["volumes"][0]["secret"], json!(REDACTED));
        assert_eq!(v["automountServiceAccountToken"], json!(false));
        assert_eq!(v["env"][0]["name"], json!("X"));
        assert_eq!(v["replicas"], json!(3));
    }

    #[test]
    fn env_values_named_like_credentials() {
        let mut v = json!({"containers": [{"env": [
            {"name": "DB_PASSWORD", "value": "hunter2"},
            {"name": "GITHUB_TOKEN", "value": "ghp_x"},
            {"name": "LOG_LEVEL", "value": "debug"}
        ]}]});
        redact(&mut v);
        let env = &v["containers"][0]["env"];
        assert_eq!(env[0], json!({"name": "DB_PASSWORD", "value": REDACTED}));
        assert_eq!(env[1]["value"], json!(REDACTED));
        assert_eq!(env[2]["value"], json!("debug"));
    }

    #[test]
    fn secret_target_patches() {
        let mut merge = json!({"data": {"pw": "x"}, "metadata": {"labels": {"a": "b"}}});
        redact_secret_body(&mut merge);
        assert_eq!(merge["data"]["pw"], json!(REDACTED));
        assert_eq!(merge["metadata"]["labels"]["a"], json!("b"));

        let mut ops = json!([
            {"op": "replace", "path": "/data/pw", "value": "eA=="},
            {"op": "add", "path": "/data", "value": {"k": "v"}},
            {"op": "replace", "path": "/metadata/labels/a", "value": "c"},
            {"op": "replace", "path": "/database", "value": "kept"}
        ]);
        redact_secret_body(&mut ops);
        assert_eq!(ops[0]["value"], json!(REDACTED));
        assert_eq!(ops[1]["value"], json!({"k": REDACTED}));
        assert_eq!(ops[2]["value"], json!("c"));
        assert_eq!(ops[3]["value"], json!("kept"));
    }
}
