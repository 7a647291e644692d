//! A TOML tree that remembers where each key and value came from, so that
//! semantic errors (an unknown slot, a bad chord) can name a line and column.
//!
//! `toml::Spanned` would do, except that `toml` has no span for the implicit
//! tables dotted keys create (`ok.fg = "red"`), and `Spanned` then fails the
//! whole document. [`Located`] speaks the same private protocol as `Spanned`
//! (the struct and field names below, stable across `serde_spanned` 0.6) but
//! accepts a missing span; such a table borrows its key's span instead.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

const SPANNED: &str = "$__serde_spanned_private_Spanned";
const START: &str = "$__serde_spanned_private_start";
const END: &str = "$__serde_spanned_private_end";
const VALUE: &str = "$__serde_spanned_private_value";
const FIELDS: &[&str] = &[START, END, VALUE];
/// How `toml` hands a date-time to `deserialize_any`: a one-entry map.
const DATETIME: &str = "$__toml_private_datetime";

/// A value and, when `toml` knows it, the byte range it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Located<T> {
    span: Option<Range<usize>>,
    value: T,
}

impl<T> Located<T> {
    pub(crate) fn get_ref(&self) -> &T {
        &self.value
    }

    /// Byte range in the file (`0..0`, the file's start, if unknown).
    pub(crate) fn span(&self) -> Range<usize> {
        self.span.clone().unwrap_or(0..0)
    }
}

/// One `key = value` of a table.
pub(crate) type Entry = (Located<String>, Located<Node>);

/// A parsed TOML value; tables keep their keys in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Table(Vec<Entry>),
    Array(Vec<Located<Node>>),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
}

impl Node {
    /// For "expected …, found …" messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Node::Table(_) => "a table",
            Node::Array(_) => "an array",
            Node::Str(_) => "a string",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a float",
            Node::Bool(_) => "a boolean",
            Node::Datetime(_) => "a date-time",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

impl<'de> Deserialize<'de> for Located<Node> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(SPANNED, FIELDS, LocatedVisitor::<Node>(PhantomData))
    }
}

impl<'de> Deserialize<'de> for Located<String> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(SPANNED, FIELDS, LocatedVisitor::<String>(PhantomData))
    }
}

/// Reads either the span wrapper (`start`, `end`, `value`) or, when `toml`
/// has no span, the bare value.
struct LocatedVisitor<T>(PhantomData<T>);

fn unlocated<T>(value: T) -> Located<T> {
    Located { span: None, value }
}

/// After the wrapper's `start` key: read the span and the value itself.
fn rest_of_wrapper<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    mut map: A,
) -> Result<Located<T>, A::Error> {
    let start: u64 = map.next_value()?;
    let end_key: Option<String> = map.next_key()?;
    let end: u64 = map.next_value()?;
    let value_key: Option<String> = map.next_key()?;
    if end_key.as_deref() != Some(END) || value_key.as_deref() != Some(VALUE) {
        return Err(de::Error::custom("malformed span information"));
    }
    let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Ok(Located {
        span: Some(to_usize(start)..to_usize(end)),
        value: map.next_value()?,
    })
}

impl<'de> Visitor<'de> for LocatedVisitor<String> {
    type Value = Located<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(unlocated(v.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == START => rest_of_wrapper(map),
            _ => Err(de::Error::custom("expected a key")),
        }
    }
}

impl<'de> Visitor<'de> for LocatedVisitor<Node> {
    type Value = Located<Node>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        NodeVisitor.visit_bool(v).map(unlocated)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        NodeVisitor.visit_i64(v).map(unlocated)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        NodeVisitor.visit_u64(v).map(unlocated)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        NodeVisitor.visit_f64(v).map(unlocated)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        NodeVisitor.visit_str(v).map(unlocated)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        NodeVisitor.visit_seq(seq).map(unlocated)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let first = map.next_key::<Located<String>>()?;
        match first {
            // Only the wrapper has an unlocated `start` key; a user's key has a span.
            Some(key) if key.span.is_none() && key.value == START => rest_of_wrapper(map),
            first => table(first, map).map(unlocated),
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        i64::try_from(v)
            .map(Node::Int)
            .map_err(|_| E::custom("integer out of range"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Located<Node>>()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let first = map.next_key::<Located<String>>()?;
        table(first, map)
    }
}

/// The entries of a table whose first key has already been read.
fn table<'de, A: MapAccess<'de>>(
    first: Option<Located<String>>,
    mut map: A,
) -> Result<Node, A::Error> {
    let mut entries = Vec::new();
    let mut next = first;
    while let Some(key) = next {
        if key.span.is_none() && key.value == DATETIME && entries.is_empty() {
            return Ok(Node::Datetime(map.next_value()?));
        }
        let mut value: Located<Node> = map.next_value()?;
        if value.span.is_none() {
            value.span = key.span.clone();
        }
        entries.push((key, value));
        next = map.next_key()?;
    }
    Ok(Node::Table(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Entry> {
        match toml::from_str::<Node>(text) {
            Ok(Node::Table(entries)) => entries,
            other => panic!("{other:?}"),
        }
    }

    fn table_of(node: &Located<Node>) -> &[Entry] {
        match node.get_ref() {
            Node::Table(entries) => entries,
            other => panic!("not a table: {other:?}"),
        }
    }

    #[test]
    fn keys_and_values_keep_their_spans() {
        let text = "[a]\nb = [\"x\", 2]\n";
        let top = parse(text);
        let (a, value) = &top[0];
        assert_eq!((a.get_ref().as_str(), a.span()), ("a", 1..2));
        let (b, list) = &table_of(value)[0];
        assert_eq!(b.span(), 4..5);
        let Node::Array(items) = list.get_ref() else {
            panic!("not an array: {list:?}")
        };
        assert_eq!(items[0].get_ref(), &Node::Str("x".into()));
        assert_eq!(items[1].span(), 14..15);
    }

    #[test]
    fn dotted_keys_work_and_borrow_the_key_span() {
        let text = "[s]\nok.fg = \"blue\"\n";
        let top = parse(text);
        let (ok, fg_table) = &table_of(&top[0].1)[0];
        assert_eq!(ok.get_ref(), "ok");
        assert_eq!(fg_table.span(), ok.span());
        let (fg, blue) = &table_of(fg_table)[0];
        assert_eq!(fg.get_ref(), "fg");
        assert_eq!(blue.get_ref(), &Node::Str("blue".into()));
        assert_eq!(blue.span(), 12..18);
    }

    #[test]
    fn datetimes_and_arrays_of_tables_are_values_too() {
        let top = parse("d = 1979-05-27\n[[a]]\nb = 1\n");
        assert_eq!(top[0].1.get_ref(), &Node::Datetime("1979-05-27".into()));
        assert_eq!(top[0].1.span(), 4..14);
        let Node::Array(items) = top[1].1.get_ref() else {
            panic!("{top:?}")
        };
        assert_eq!(table_of(&items[0])[0].1.get_ref(), &Node::Int(1));
    }

    #[test]
    fn a_user_key_named_like_the_wrapper_is_just_a_key() {
        let top = parse("[t]\n\"$__serde_spanned_private_start\" = 1\n");
        let (key, value) = &table_of(&top[0].1)[0];
        assert_eq!(key.get_ref(), START);
        assert_eq!(value.get_ref(), &Node::Int(1));
    }

    #[test]
    fn huge_integers_are_errors() {
        assert!(toml::from_str::<Node>("a = 18446744073709551615\n").is_err());
    }
}
