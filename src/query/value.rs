//! A field's value as fleetdeck holds it: cheap to make for every row, turned
//! into a CEL value only for the fields a predicate names, compared for
//! `order by` and drawn in the result table.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// Seconds.
    Dur(i64),
    Time(DateTime<Utc>),
    List(Vec<Arc<str>>),
    /// String keys to numbers (`burn["1h"]`) or strings (`labels["app"]`).
    Map(Vec<(Arc<str>, V)>),
}

impl V {
    pub fn s(text: impl AsRef<str>) -> V {
        V::Str(Arc::from(text.as_ref()))
    }

    pub fn opt_s(text: Option<impl AsRef<str>>) -> V {
        text.map_or(V::Null, V::s)
    }

    pub fn opt_f(x: Option<f64>) -> V {
        x.map_or(V::Null, V::Float)
    }

    pub fn to_cel(&self) -> cel::Value {
        use cel::objects::{Key, Map};
        match self {
            V::Null => cel::Value::Null,
            V::Bool(b) => cel::Value::Bool(*b),
            V::Int(i) => cel::Value::Int(*i),
            V::Float(f) => cel::Value::Float(*f),
            V::Str(s) => cel::Value::String(Arc::new(s.to_string())),
            V::Dur(s) => cel::Value::Duration(chrono::Duration::seconds(*s)),
            V::Time(t) => cel::Value::Timestamp(t.fixed_offset()),
            V::List(l) => cel::Value::List(Arc::new(
                l.iter()
                    .map(|s| cel::Value::String(Arc::new(s.to_string())))
                    .collect(),
            )),
            V::Map(m) => {
                let map: HashMap<Key, cel::Value> = m
                    .iter()
                    .map(|(k, v)| (Key::String(Arc::new(k.to_string())), v.to_cel()))
                    .collect();
                cel::Value::Map(Map { map: Arc::new(map) })
            }
        }
    }

    /// For `order by`: nulls last whichever the direction, then by value;
    /// values of different types by type.
    pub fn order(&self, other: &V) -> Ordering {
        fn rank(v: &V) -> u8 {
            match v {
                V::Bool(_) => 0,
                V::Int(_) | V::Float(_) => 1,
                V::Dur(_) => 2,
                V::Time(_) => 3,
                V::Str(_) => 4,
                V::List(_) => 5,
                V::Map(_) => 6,
                V::Null => 7,
            }
        }
        match (self, other) {
            (V::Bool(a), V::Bool(b)) => a.cmp(b),
            (V::Int(a), V::Int(b)) => a.cmp(b),
            (V::Int(a), V::Float(b)) => (*a as f64).total_cmp(b),
            (V::Float(a), V::Int(b)) => a.total_cmp(&(*b as f64)),
            (V::Float(a), V::Float(b)) => a.total_cmp(b),
            (V::Dur(a), V::Dur(b)) => a.cmp(b),
            (V::Time(a), V::Time(b)) => a.cmp(b),
            (V::Str(a), V::Str(b)) => a.cmp(b),
            (V::List(a), V::List(b)) => a.len().cmp(&b.len()),
            _ => rank(self).cmp(&rank(other)),
        }
    }

    /// As a table cell: `-` for null, ages and durations short.
    pub fn show(&self, now: DateTime<Utc>) -> String {
        match self {
            V::Null => "-".into(),
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            V::Float(f) if f.abs() >= 100.0 => format!("{f:.1}"),
            V::Float(f) => format!("{f:.3}"),
            V::Str(s) => s.to_string(),
            V::Dur(s) => short(*s),
            V::Time(t) => crate::fleet::summary::age(now, *t),
            V::List(l) => l.join(","),
            V::Map(m) => m
                .iter()
                .map(|(k, v)| format!("{k}={}", v.show(now)))
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            V::Null => serde_json::Value::Null,
            V::Bool(b) => json!(b),
            V::Int(i) => json!(i),
            V::Float(f) => json!(f),
            V::Str(s) => json!(s.as_ref()),
            V::Dur(s) => json!(s),
            V::Time(t) => json!(t.to_rfc3339()),
            V::List(l) => json!(l.iter().map(|s| s.as_ref()).collect::<Vec<_>>()),
            V::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// `45s`, `12m`, `3h`, `2d`.
pub fn short(secs: i64) -> String {
    let a = secs.abs();
    let sign = if secs < 0 { "-" } else { "" };
    match a {
        0..=59 => format!("{sign}{a}s"),
        60..=3599 => format!("{sign}{}m", a / 60),
        3600..=86399 => format!("{sign}{}h", a / 3600),
        _ => format!("{sign}{}d", a / 86400),
    }
}
