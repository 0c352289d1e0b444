//! [family-card patch] A row read straight from the bytes the server sent (PackStream), without
//! building a `BoltType` tree first.
//!
//! A profile of `bench card` put about a fifth of the handler's instructions in turning each
//! record into `BoltType` values (a `String` per string, a hash map per map, a `Vec` per list)
//! and dropping them again right after `Row::to` had copied them into the caller's types. This
//! deserialiser reads the caller's types from the record's bytes directly.
//!
//! It covers what rows of property maps are made of — null, booleans, integers, floats,
//! strings, lists, maps — and means by each exactly what [`super::typ::BoltTypeDeserializer`]
//! means by the same value. Anything else (nodes, relationships, paths, temporal and spatial
//! structures, byte arrays, a type the value does not have) is an error here, and the caller
//! ([`crate::row::Row`]) then decodes the row the old way, which gives that value's meaning or
//! its error. So a row decoded here is the row decoded there; only the work differs. Every read
//! is bounds-checked: a truncated message is an error, never a panic.

use super::DeError;
use crate::BoltType;
use serde::de::{
    self, DeserializeSeed, EnumAccess, Error as _, MapAccess, SeqAccess, VariantAccess, Visitor,
    value::BorrowedStrDeserializer,
};
use serde::forward_to_deserialize_any;

/// A read position in a record's bytes.
pub(crate) struct Cursor<'de> {
    bytes: &'de [u8],
}

fn short() -> DeError {
    DeError::custom("the record ends inside a value")
}

fn not_plain() -> DeError {
    DeError::custom("not a plain PackStream value (decoded as BoltType instead)")
}

impl<'de> Cursor<'de> {
    pub(crate) fn new(bytes: &'de [u8]) -> Self {
        Cursor { bytes }
    }

    fn peek(&self) -> Result<u8, DeError> {
        self.bytes.first().copied().ok_or_else(short)
    }

    fn take(&mut self, n: usize) -> Result<&'de [u8], DeError> {
        if self.bytes.len() < n {
            return Err(short());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, DeError> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], DeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A length that follows its marker in `width` bytes (1, 2 or 4), big-endian.
    fn size(&mut self, width: u8) -> Result<usize, DeError> {
        Ok(match width {
            1 => self.u8()? as usize,
            2 => u16::from_be_bytes(self.be()?) as usize,
            _ => u32::from_be_bytes(self.be()?) as usize,
        })
    }

    /// The next value's kind, with its length for strings, byte arrays, lists, maps and
    /// structures (their field count); the marker, any length and a structure's signature are
    /// consumed, the contents not.
    fn head(&mut self) -> Result<Head, DeError> {
        let marker = self.u8()?;
        let (hi, lo) = (marker >> 4, marker & 0x0F);
        Ok(match (hi, lo) {
            (0x8, n) => Head::Str(n as usize),
            (0x9, n) => Head::List(n as usize),
            (0xA, n) => Head::Map(n as usize),
            (0xC, 0x0) => Head::Null,
            (0xC, 0x1) => Head::Float(f64::from_be_bytes(self.be()?)),
            (0xC, 0x2) => Head::Bool(false),
            (0xC, 0x3) => Head::Bool(true),
            (0xC, 0x8) => Head::Int(i8::from_be_bytes(self.be()?) as i64),
            (0xC, 0x9) => Head::Int(i16::from_be_bytes(self.be()?) as i64),
            (0xC, 0xA) => Head::Int(i32::from_be_bytes(self.be()?) as i64),
            (0xC, 0xB) => Head::Int(i64::from_be_bytes(self.be()?)),
            (0xD, 0x0) => Head::Str(self.size(1)?),
            (0xD, 0x1) => Head::Str(self.size(2)?),
            (0xD, 0x2) => Head::Str(self.size(4)?),
            (0xD, 0x4) => Head::List(self.size(1)?),
            (0xD, 0x5) => Head::List(self.size(2)?),
            (0xD, 0x6) => Head::List(self.size(4)?),
            (0xD, 0x8) => Head::Map(self.size(1)?),
            (0xD, 0x9) => Head::Map(self.size(2)?),
            (0xD, 0xA) => Head::Map(self.size(4)?),
            (0xC, 0xC) => Head::Bytes(self.size(1)?),
            (0xC, 0xD) => Head::Bytes(self.size(2)?),
            (0xC, 0xE) => Head::Bytes(self.size(4)?),
            (0xB, n) => {
                self.u8()?; // the structure's signature
                Head::Struct(n as usize)
            }
            (0x0..=0x7, _) | (0xF, _) => Head::Int(marker as i8 as i64),
            _ => return Err(DeError::custom("not a PackStream marker")),
        })
    }

    fn str_of(&mut self, len: usize) -> Result<&'de str, DeError> {
        std::str::from_utf8(self.take(len)?).map_err(|e| DeError::custom(e.to_string()))
    }

    /// Steps over one value, whatever it is (a structure too: its fields are values).
    pub(crate) fn skip(&mut self) -> Result<(), DeError> {
        match self.head()? {
            Head::Str(n) | Head::Bytes(n) => self.take(n).map(|_| ()),
            Head::List(n) | Head::Struct(n) => (0..n).try_for_each(|_| self.skip()),
            Head::Map(n) => (0..n).try_for_each(|_| self.skip().and_then(|_| self.skip())),
            Head::Null | Head::Float(_) | Head::Bool(_) | Head::Int(_) => Ok(()),
        }
    }

    /// The length of the list that starts here (a record's fields).
    pub(crate) fn list_len(&mut self) -> Result<usize, DeError> {
        match self.head()? {
            Head::List(n) => Ok(n),
            _ => Err(DeError::custom("a record's fields are not a list")),
        }
    }
}

enum Head {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(usize),
    List(usize),
    Map(usize),
    /// Not plain values: the tree decodes them (their contents are skipped here).
    Bytes(usize),
    Struct(usize),
}

/// One value at the cursor.
pub(crate) struct Value<'a, 'de> {
    pub(crate) at: &'a mut Cursor<'de>,
}

impl<'de> Value<'_, 'de> {
    fn int<T: TryFrom<i64>>(self) -> Result<T, DeError> {
        match self.at.head()? {
            Head::Int(v) => T::try_from(v).map_err(|_| DeError::custom("integer out of range")),
            _ => Err(not_plain()),
        }
    }

    fn float(self) -> Result<f64, DeError> {
        match self.at.head()? {
            Head::Float(v) => Ok(v),
            _ => Err(not_plain()),
        }
    }

    fn seq<V: Visitor<'de>>(at: &mut Cursor<'de>, n: usize, visitor: V) -> Result<V::Value, DeError> {
        let mut items = Items { at, left: n };
        let out = visitor.visit_seq(&mut items)?;
        // As the tree's `SeqDeserializer`: elements a visitor did not ask for are passed over.
        for _ in 0..items.left {
            items.at.skip()?;
        }
        Ok(out)
    }

    fn map<V: Visitor<'de>>(at: &mut Cursor<'de>, n: usize, visitor: V) -> Result<V::Value, DeError> {
        let mut entries = Entries {
            at,
            left: n,
            value_next: false,
        };
        let out = visitor.visit_map(&mut entries)?;
        if entries.value_next {
            entries.at.skip()?;
        }
        for _ in 0..entries.left {
            entries.at.skip()?;
            entries.at.skip()?;
        }
        Ok(out)
    }
}

macro_rules! integer {
    ($($method:ident => $visit:ident: $t:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let v: $t = self.int()?;
            visitor.$visit(v)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Value<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.at.head()? {
            Head::Null => visitor.visit_unit(),
            Head::Bool(b) => visitor.visit_bool(b),
            Head::Int(v) => visitor.visit_i64(v),
            Head::Float(v) => visitor.visit_f64(v),
            Head::Str(n) => visitor.visit_borrowed_str(self.at.str_of(n)?),
            Head::List(n) => Self::seq(self.at, n, visitor),
            Head::Map(n) => Self::map(self.at, n, visitor),
            Head::Bytes(_) | Head::Struct(_) => Err(not_plain()),
        }
    }

    integer! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f32(self.float()? as f32)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f64(self.float()?)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.at.head()? {
            Head::Bool(b) => visitor.visit_bool(b),
            _ => Err(not_plain()),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.at.head()? {
            Head::Str(n) => visitor.visit_borrowed_str(self.at.str_of(n)?),
            _ => Err(not_plain()),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.at.head()? {
            Head::Str(n) => visitor.visit_string(self.at.str_of(n)?.to_owned()),
            _ => Err(not_plain()),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.at.peek()? == 0xC0 {
            self.at.take(1)?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.at.head()? {
            Head::Null => visitor.visit_unit(),
            _ => Err(not_plain()),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // The tree gives structures (nodes, durations, …) their own meaning here; plain values
        // are the newtype's content.
        if self.at.peek()? >> 4 == 0xB {
            return Err(not_plain());
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.at.head()? {
            Head::List(n) => Self::seq(self.at, n, visitor),
            _ => Err(not_plain()),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.at.head()? {
            Head::List(n) if n == len => Self::seq(self.at, n, visitor),
            _ => Err(not_plain()),
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.at.head()? {
            Head::Map(n) => Self::map(self.at, n, visitor),
            _ => Err(not_plain()),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == std::any::type_name::<BoltType>() {
            return Err(not_plain());
        }
        // A C-style enum named by a string or an integer, as the tree's `CStyleEnum`.
        match self.at.head()? {
            Head::Str(n) => visitor.visit_enum(UnitVariant::Str(self.at.str_of(n)?)),
            Head::Int(v) => visitor.visit_enum(UnitVariant::Int(v)),
            _ => Err(not_plain()),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.at.skip()?;
        visitor.visit_unit()
    }

    fn deserialize_char<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DeError> {
        Err(not_plain())
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DeError> {
        Err(not_plain())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, DeError> {
        Err(not_plain())
    }
}

struct Items<'a, 'de> {
    at: &'a mut Cursor<'de>,
    left: usize,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(Value { at: self.at }).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct Entries<'a, 'de> {
    at: &'a mut Cursor<'de>,
    left: usize,
    /// A key was read and its value not yet.
    value_next: bool,
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        // Keys are strings (a map key of another kind is not plain).
        let key = match self.at.head()? {
            Head::Str(n) => self.at.str_of(n)?,
            _ => return Err(not_plain()),
        };
        self.value_next = true;
        seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        self.value_next = false;
        seed.deserialize(Value { at: self.at })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

enum UnitVariant<'de> {
    Str(&'de str),
    Int(i64),
}

impl<'de> EnumAccess<'de> for UnitVariant<'de> {
    type Error = DeError;
    type Variant = Unit;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Unit), DeError> {
        use serde::de::IntoDeserializer;
        let v = match self {
            UnitVariant::Str(s) => seed.deserialize(BorrowedStrDeserializer::new(s))?,
            UnitVariant::Int(i) => seed.deserialize(IntoDeserializer::<DeError>::into_deserializer(i))?,
        };
        Ok((v, Unit))
    }
}

struct Unit;

impl<'de> VariantAccess<'de> for Unit {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, DeError> {
        Err(not_plain())
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, DeError> {
        Err(not_plain())
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, DeError> {
        Err(not_plain())
    }
}

/// A whole row: its column names beside the record's field values, as a map of the two (the
/// tree's `BoltPairsDeserializer`), the values read from `fields` (the record's list, after its
/// length) of which `len` are paired with names.
pub(crate) struct PackedRow<'a, 'de> {
    pub(crate) names: &'de [crate::BoltString],
    pub(crate) at: &'a mut Cursor<'de>,
}

impl<'de> de::Deserializer<'de> for PackedRow<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let mut columns = Columns {
            names: self.names.iter(),
            at: self.at,
            value_next: false,
        };
        let out = visitor.visit_map(&mut columns)?;
        if columns.value_next || columns.names.len() > 0 {
            // As the tree's `MapDeserializer::end`: every column is read.
            return Err(DeError::custom("columns left unread"));
        }
        Ok(out)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier enum
    }
}

struct Columns<'a, 'de> {
    names: std::slice::Iter<'de, crate::BoltString>,
    at: &'a mut Cursor<'de>,
    value_next: bool,
}

impl<'de> MapAccess<'de> for Columns<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.names.next() {
            None => Ok(None),
            Some(name) => {
                self.value_next = true;
                seed.deserialize(BorrowedStrDeserializer::new(&name.value)).map(Some)
            }
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        self.value_next = false;
        seed.deserialize(Value { at: self.at })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.names.len())
    }
}
