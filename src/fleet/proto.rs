//! A minimal reader of the protobuf wire format: enough to pull a few fields
//! out of the API server's protobuf responses (`wire_pb.rs`) without a code
//! generator. Malformed input is an error, never a panic or an overread.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct ProtoError(pub String);

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed protobuf: {}", self.0)
    }
}

impl std::error::Error for ProtoError {}

/// One field's value as the wire carries it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed64(u64),
    Fixed32(u32),
}

impl<'a> Value<'a> {
    pub fn bytes(self) -> Result<&'a [u8], ProtoError> {
        match self {
            Value::Bytes(b) => Ok(b),
            other => Err(ProtoError(format!("expected bytes, got {other:?}"))),
        }
    }

    pub fn string(self) -> Result<String, ProtoError> {
        String::from_utf8(self.bytes()?.to_vec())
            .map_err(|_| ProtoError("a string field is not UTF-8".into()))
    }

    pub fn varint(self) -> Result<u64, ProtoError> {
        match self {
            Value::Varint(v) => Ok(v),
            other => Err(ProtoError(format!("expected varint, got {other:?}"))),
        }
    }
}

/// Iterates the fields of one message: `(field number, value)`.
pub struct Fields<'a> {
    buf: &'a [u8],
    failed: bool,
}

pub fn fields(buf: &[u8]) -> Fields<'_> {
    Fields { buf, failed: false }
}

fn varint(buf: &mut &[u8]) -> Result<u64, ProtoError> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let (&b, rest) = buf
            .split_first()
            .ok_or_else(|| ProtoError("truncated varint".into()))?;
        *buf = rest;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(ProtoError("varint longer than 10 bytes".into()))
}

fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8], ProtoError> {
    if buf.len() < n {
        return Err(ProtoError(format!(
            "{n} bytes announced, {} left",
            buf.len()
        )));
    }
    let (head, rest) = buf.split_at(n);
    *buf = rest;
    Ok(head)
}

impl<'a> Fields<'a> {
    fn read(&mut self) -> Result<(u32, Value<'a>), ProtoError> {
        let key = varint(&mut self.buf)?;
        let field = u32::try_from(key >> 3).map_err(|_| ProtoError("field number".into()))?;
        let value = match key & 7 {
            0 => Value::Varint(varint(&mut self.buf)?),
            1 => {
                let b = take(&mut self.buf, 8)?;
                Value::Fixed64(u64::from_le_bytes(b.try_into().unwrap_or_default()))
            }
            2 => {
                let n = usize::try_from(varint(&mut self.buf)?)
                    .map_err(|_| ProtoError("length".into()))?;
                Value::Bytes(take(&mut self.buf, n)?)
            }
            5 => {
                let b = take(&mut self.buf, 4)?;
                Value::Fixed32(u32::from_le_bytes(b.try_into().unwrap_or_default()))
            }
            w => return Err(ProtoError(format!("wire type {w} (groups are not used)"))),
        };
        if field == 0 {
            return Err(ProtoError("field number 0".into()));
        }
        Ok((field, value))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Value<'a>), ProtoError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() || self.failed {
            return None;
        }
        let r = self.read();
        self.failed = r.is_err();
        Some(r)
    }
}

/// A `map<string, V>` entry: key is field 1, value field 2.
pub fn map_entry(buf: &[u8]) -> Result<(String, Option<Value<'_>>), ProtoError> {
    let (mut key, mut value) = (String::new(), None);
    for f in fields(buf) {
        match f? {
            (1, v) => key = v.string()?,
            (2, v) => value = Some(v),
            _ => {}
        }
    }
    Ok((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_varints_strings_and_nested_messages() {
        // field 1 varint 150; field 2 "hi"; field 3 {field 1 varint 1}
        let buf = [
            0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x1a, 0x02, 0x08, 0x01,
        ];
        let got: Vec<_> = fields(&buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(got[0], (1, Value::Varint(150)));
        assert_eq!(got[1].1.string().unwrap(), "hi");
        let inner: Vec<_> = fields(got[2].1.bytes().unwrap())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(inner, vec![(1, Value::Varint(1))]);
    }

    #[test]
    fn truncated_input_is_an_error() {
        assert!(fields(&[0x12, 0x05, b'a']).any(|f| f.is_err()));
        assert!(fields(&[0x08, 0x80]).any(|f| f.is_err()));
    }

    proptest! {
        #[test]
        fn never_panics_and_stops_after_an_error(buf in prop::collection::vec(any::<u8>(), 0..256)) {
            let mut it = fields(&buf);
            let mut n = 0;
            while let Some(f) = it.next() {
                n += 1;
                prop_assert!(n <= buf.len());
                if f.is_err() {
                    prop_assert!(it.next().is_none());
                }
            }
        }
    }
}
