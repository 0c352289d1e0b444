use crate::{
    BoltString, BoltType,
    types::{
        BoltList, BoltNode, BoltPath, BoltPoint2D, BoltPoint3D, BoltRelation,
        BoltUnboundedRelation, serde::DeError,
    },
};

use serde::Deserialize;
use std::convert::TryInto;

/// Represents a row returned as a result of executing a query.
///
/// A row is very similar to a `HashMap`, you can get the attributes using [`Row::get`] method.
///
/// [family-card patch] A row keeps its values beside the column names, which all rows of one
/// result share (`Arc`), instead of a map built per row from a clone of every column name: that
/// map cost one allocation and one hash insert per column of every row received.
///
/// [family-card patch 5] A row received from the server keeps the record's bytes and is read
/// from them ([`Row::to`], [`Row::get`]: `crate::types::serde::packed`); its `BoltType` values
/// are built only when asked for ([`Row::values`], or a value the bytes path does not read).
///
/// [family-card patch 7] The bytes are checked as they are read, not on arrival: every read
/// from them is bounds-checked, and before the tree is built from them the whole list is
/// walked once ([`Row::tree`]), so a truncated or malformed record is a `DeError` from
/// `to`/`get` (the one that walk found), never a panic and never a row that reads as empty.
#[derive(Debug)]
pub struct Row {
    fields: std::sync::Arc<[BoltString]>,
    /// The record's field list as sent, with its length (the list header, checked on arrival).
    packed: Option<(bytes::Bytes, usize, crate::Version)>,
    /// The values as a tree, or why the record's bytes do not make one.
    values: std::sync::OnceLock<Result<Vec<BoltType>, String>>,
}

/// Snapshot of a node within a graph database
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    inner: BoltNode,
}

/// Alternating sequence of nodes and relationships
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    inner: BoltPath,
}

/// Snapshot of a relationship within a graph database
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    inner: BoltRelation,
}

/// Relationship detail without start or end node information
#[derive(Debug, Clone, PartialEq)]
pub struct UnboundedRelation {
    inner: BoltUnboundedRelation,
}

/// Represents a single location in 2-dimensional space
pub struct Point2D {
    inner: BoltPoint2D,
}

/// Represents a single location in 3-dimensional space
pub struct Point3D {
    inner: BoltPoint3D,
}

impl Path {
    pub fn new(inner: BoltPath) -> Self {
        Path { inner }
    }

    #[deprecated(since = "0.7.0", note = "Please use `indices` instead.")]
    pub fn ids(&self) -> Vec<i64> {
        self.indices()
    }

    pub fn indices(&self) -> Vec<i64> {
        self.indices_as().unwrap()
    }

    pub fn nodes(&self) -> Vec<Node> {
        self.nodes_as().unwrap()
    }

    pub fn rels(&self) -> Vec<UnboundedRelation> {
        self.relationships_as().unwrap()
    }

    /// Deserialize the path into a custom type that implements [`serde::Deserialize`]
    pub fn to<'this, T>(&'this self) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        self.inner.to::<T>()
    }

    /// Deserialize the nodes of this path into custom type that implements [`serde::Deserialize`]
    pub fn nodes_as<'this, T>(&'this self) -> Result<Vec<T>, DeError>
    where
        T: Deserialize<'this>,
    {
        Ok(self.to::<crate::Nodes<T>>()?.0)
    }

    /// Deserialize the relationships of this path into custom type that implements [`serde::Deserialize`]
    pub fn relationships_as<'this, T>(&'this self) -> Result<Vec<T>, DeError>
    where
        T: Deserialize<'this>,
    {
        Ok(self.to::<crate::Relationships<T>>()?.0)
    }

    /// Deserialize the indices of this path into a custom type that implements [`serde::Deserialize`]
    pub fn indices_as<'this, T>(&'this self) -> Result<Vec<T>, DeError>
    where
        T: Deserialize<'this>,
    {
        Ok(self.to::<crate::Indices<T>>()?.0)
    }
}

impl Point2D {
    pub fn new(inner: BoltPoint2D) -> Self {
        Point2D { inner }
    }

    /// Spatial refrerence system identifier, see <https://en.wikipedia.org/wiki/Spatial_reference_system#Identifier>
    pub fn sr_id(&self) -> i64 {
        self.inner.sr_id.value
    }

    pub fn x(&self) -> f64 {
        self.inner.x.value
    }

    pub fn y(&self) -> f64 {
        self.inner.y.value
    }
}

impl Point3D {
    pub fn new(inner: BoltPoint3D) -> Self {
        Point3D { inner }
    }

    /// Spatial refrerence system identifier, see <https://en.wikipedia.org/wiki/Spatial_reference_system#Identifier>
    pub fn sr_id(&self) -> i64 {
        self.inner.sr_id.value
    }

    pub fn x(&self) -> f64 {
        self.inner.x.value
    }

    pub fn y(&self) -> f64 {
        self.inner.y.value
    }

    pub fn z(&self) -> f64 {
        self.inner.z.value
    }
}

impl Row {
    pub fn new(fields: BoltList, data: BoltList) -> Self {
        Self::with_fields(Self::field_names(fields), data)
    }

    /// [family-card patch] The column names of a result, once, for [`Row::with_fields`]. A
    /// column whose name is not a string (never sent by a server) gets an empty name.
    pub(crate) fn field_names(fields: BoltList) -> std::sync::Arc<[BoltString]> {
        fields
            .into_iter()
            .map(|f| f.try_into().unwrap_or_else(|_| BoltString::from("")))
            .collect()
    }

    /// [family-card patch] A row of a result whose column names are `fields`.
    pub(crate) fn with_fields(fields: std::sync::Arc<[BoltString]>, data: BoltList) -> Self {
        let mut values = data.value;
        values.truncate(fields.len());
        Row {
            fields,
            packed: None,
            values: std::sync::OnceLock::from(Ok(values)),
        }
    }

    /// [family-card patch 5] A row of a result whose column names are `fields`, from a record's
    /// field list as sent (`crate::messages::Record`).
    pub(crate) fn packed(
        fields: std::sync::Arc<[BoltString]>,
        data: bytes::Bytes,
        version: crate::Version,
    ) -> crate::errors::Result<Self> {
        let len = crate::types::serde::Cursor::new(&data).list_len()?;
        Ok(Row {
            fields,
            packed: Some((data, len, version)),
            values: std::sync::OnceLock::new(),
        })
    }

    /// How many columns have a value (the record's fields, at most one per column name).
    fn width(&self) -> usize {
        match &self.packed {
            Some((_, len, _)) => (*len).min(self.fields.len()),
            None => self.values().len(),
        }
    }

    pub fn keys(&self) -> Vec<&BoltString> {
        self.fields[..self.width()].iter().collect()
    }

    /// [family-card patch] The row's values in column order (as [`Row::keys`] names them), to
    /// read a row without converting it, e.g. to digest what a statement answered. A record
    /// whose bytes do not make values has none here (`to`/`get` report why).
    pub fn values(&self) -> &[BoltType] {
        self.tree().unwrap_or(&[])
    }

    /// [family-card patch 7] The row's values as a tree, built on first use. The record's
    /// bytes are walked whole first (bounds-checked), because the tree's parser assumes a
    /// well-formed message; a structure's fields are then checked by that parser, which knows
    /// every signature.
    fn tree(&self) -> Result<&[BoltType], DeError> {
        let built = self.values.get_or_init(|| {
            let Some((data, _, version)) = &self.packed else {
                return Ok(vec![]);
            };
            crate::types::serde::Cursor::new(data)
                .skip()
                .map_err(|e| e.to_string())?;
            let mut data = data.clone();
            use crate::types::BoltWireFormat as _;
            let mut values = BoltList::parse(*version, &mut data)
                .map_err(|e| e.to_string())?
                .value;
            values.truncate(self.fields.len());
            Ok(values)
        });
        match built {
            Ok(values) => Ok(values),
            Err(why) => Err(<DeError as serde::de::Error>::custom(why)),
        }
    }

    /// [family-card patch 5] The cursor just past the record's list header.
    fn cursor(&self) -> Option<crate::types::serde::Cursor<'_>> {
        let (data, _, _) = self.packed.as_ref()?;
        let mut at = crate::types::serde::Cursor::new(data);
        at.list_len().ok()?;
        Some(at)
    }

    /// Get an attribute of this relationship and deserialize it into custom type that implements [`serde::Deserialize`]
    pub fn get<'this, T>(&'this self, key: &str) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        // The last column of a name wins, as in the map this row used to be.
        let Some(i) = self.fields[..self.width()]
            .iter()
            .rposition(|f| f.value == key)
        else {
            return Err(DeError::NoSuchProperty);
        };
        if let Some(mut at) = self.cursor() {
            let read = (0..i)
                .try_for_each(|_| at.skip())
                .and_then(|_| T::deserialize(crate::types::serde::PackedValue { at: &mut at }));
            if let Ok(v) = read {
                return Ok(v);
            }
        }
        match self.tree()?.get(i) {
            Some(v) => v.to(),
            None => Err(DeError::NoSuchProperty),
        }
    }

    pub fn to<'this, T>(&'this self) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        self.to_strict::<T>().or_else(|e| {
            if self.width() != 1 {
                return Err(e);
            }
            if let Some(mut at) = self.cursor() {
                if let Ok(v) = T::deserialize(crate::types::serde::PackedValue { at: &mut at }) {
                    return Ok(v);
                }
            }
            match self.single() {
                Some(single) => single.to::<T>(),
                None => Err(e),
            }
        })
    }

    pub fn to_strict<'this, T>(&'this self) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        if let Some(mut at) = self.cursor() {
            let read = T::deserialize(crate::types::serde::PackedRow {
                names: &self.fields[..self.width()],
                at: &mut at,
            });
            if let Ok(v) = read {
                return Ok(v);
            }
        }
        let values = self.tree()?;
        let n = values.len().min(self.fields.len());
        T::deserialize(crate::types::serde::BoltPairsDeserializer::new(
            &self.fields[..n],
            &values[..n],
        ))
    }

    fn single(&self) -> Option<&BoltType> {
        match self.values() {
            [only] => Some(only),
            _ => None,
        }
    }
}

impl Node {
    pub fn new(inner: BoltNode) -> Self {
        Node { inner }
    }

    /// Id of the node
    pub fn id(&self) -> i64 {
        self.inner.id.value
    }

    /// various labels attached to this node
    pub fn labels(&self) -> Vec<&str> {
        self.to::<crate::Labels<_>>().unwrap().0
    }

    /// Get the names of the attributes of this node
    pub fn keys(&self) -> Vec<&str> {
        self.to::<crate::Keys<_>>().unwrap().0
    }

    /// Get an attribute of this node and deserialize it into custom type that implements [`serde::Deserialize`]
    pub fn get<'this, T>(&'this self, key: &str) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        self.inner.properties.get::<T>(key)
    }

    /// Deserialize the node into custom type that implements [`serde::Deserialize`]
    pub fn to<'this, T>(&'this self) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        self.inner.to::<T>()
    }
}

impl Relation {
    pub fn new(inner: BoltRelation) -> Self {
        Relation { inner }
    }

    pub fn id(&self) -> i64 {
        self.inner.id.value
    }

    pub fn start_node_id(&self) -> i64 {
        self.inner.start_node_id.value
    }

    pub fn end_node_id(&self) -> i64 {
        self.inner.end_node_id.value
    }

    pub fn typ(&self) -> &str {
        self.to::<crate::Type<_>>().unwrap().0
    }

    /// Get the names of the attributes of this relationship
    pub fn keys(&self) -> Vec<&str> {
        self.to::<crate::Keys<_>>().unwrap().0
    }

    /// Get an attribute of this relationship and deserialize it into custom type that implements [`serde::Deserialize`]
    pub fn get<'this, T>(&'this self, key: &str) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        self.inner.properties.get::<T>(key)
    }

    /// Deserialize the relationship into custom type that implements [`serde::Deserialize`]
    pub fn to<'this, T>(&'this self) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        self.inner.to::<T>()
    }
}

impl UnboundedRelation {
    pub fn new(inner: BoltUnboundedRelation) -> Self {
        UnboundedRelation { inner }
    }

    pub fn id(&self) -> i64 {
        self.inner.id.value
    }

    pub fn typ(&self) -> &str {
        self.to::<crate::Type<_>>().unwrap().0
    }

    /// Get the names of the attributes of this relationship
    pub fn keys(&self) -> Vec<&str> {
        self.to::<crate::Keys<_>>().unwrap().0
    }

    /// Get an attribute of this relationship and deserialize it into custom type that implements [`serde::Deserialize`]
    pub fn get<'this, T>(&'this self, key: &str) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        self.inner.properties.get::<T>(key)
    }

    /// Deserialize the relationship into custom type that implements [`serde::Deserialize`]
    pub fn to<'this, T>(&'this self) -> Result<T, DeError>
    where
        T: Deserialize<'this>,
    {
        self.inner.to::<T>()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use crate::types::{BoltString, BoltType};

    use super::*;

    /// [family-card patch 5] The same values as a packed row (from their bytes) and as a tree row.
    fn packed_and_tree(names: &[&str], values: Vec<BoltType>) -> (Row, Row) {
        use crate::types::BoltWireFormat as _;
        let fields: Vec<BoltType> = names.iter().map(|n| BoltType::from(*n)).collect();
        let list = BoltList::from(values);
        let mut bytes = bytes::BytesMut::new();
        list.write_into(crate::Version::V4_4, &mut bytes).unwrap();
        let names = Row::field_names(BoltList::from(fields));
        let packed = Row::packed(names.clone(), bytes.freeze(), crate::Version::V4_4).unwrap();
        (packed, Row::with_fields(names, list))
    }

    #[test]
    fn a_packed_row_reads_as_its_tree_reads() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Entry {
            name: String,
            small: Option<u8>,
            scores: Vec<f64>,
            links: Vec<std::collections::BTreeMap<String, Option<i64>>>,
            kind: Kind,
        }
        #[derive(Debug, Deserialize)]
        enum Kind {
            Permanent,
            #[allow(dead_code)]
            Temporary,
        }
        let map = |pairs: Vec<(&str, BoltType)>| {
            let mut m = crate::types::BoltMap::new();
            for (k, v) in pairs {
                m.put(BoltString::from(k), v);
            }
            BoltType::Map(m)
        };
        let entry = |small: i64, score: BoltType, kind: &str| {
            map(vec![
                ("name", BoltType::from("Әлия")),
                ("small", BoltType::from(small)),
                ("scores", BoltType::List(BoltList::from(vec![score]))),
                (
                    "links",
                    BoltType::List(BoltList::from(vec![map(vec![
                        ("a", BoltType::from(7_i64)),
                        ("b", BoltType::Null(crate::types::BoltNull)),
                    ])])),
                ),
                ("kind", BoltType::from(kind)),
                ("unused", BoltType::from(true)),
            ])
        };
        let cases = [
            entry(200, BoltType::from(1.5_f64), "Permanent"),
            entry(300, BoltType::from(1.5_f64), "Permanent"), // too big for a u8
            entry(1, BoltType::from(2_i64), "Permanent"),     // an integer for a float
            entry(1, BoltType::from(1.5_f64), "Elsewhere"),   // no such variant
        ];
        for case in cases {
            let (packed, tree) = packed_and_tree(&["e", "n"], vec![case, BoltType::from(-3_i64)]);
            assert_eq!(
                format!("{:?}", packed.get::<Entry>("e")),
                format!("{:?}", tree.get::<Entry>("e"))
            );
            assert_eq!(
                format!("{:?}", packed.get::<serde_json::Value>("e")),
                format!("{:?}", tree.get::<serde_json::Value>("e"))
            );
            assert_eq!(
                format!("{:?}", packed.get::<i8>("n")),
                format!("{:?}", tree.get::<i8>("n"))
            );
            assert_eq!(
                format!("{:?}", packed.get::<u8>("n")),
                format!("{:?}", tree.get::<u8>("n"))
            );
            assert_eq!(packed.values(), tree.values());
        }
    }

    /// [family-card patch 7] A record is checked when it is read: a truncated one, or one with a
    /// structure no parser knows, is an error from the reads that reach it (and no values),
    /// never a panic; the columns before the damage still read.
    #[test]
    fn a_damaged_record_is_an_error_when_read() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Both {
            a: String,
            b: String,
        }
        let names = Row::field_names(BoltList::from(vec![
            BoltType::from("a"),
            BoltType::from("b"),
        ]));
        let truncated: &[u8] = &[0x92, 0x81, 0x61, 0x85, 0x62];
        let unknown_structure: &[u8] = &[0x92, 0x81, 0x61, 0xB1, 0x7F, 0x01];
        for bytes in [truncated, unknown_structure] {
            let row = Row::packed(
                names.clone(),
                bytes::Bytes::copy_from_slice(bytes),
                crate::Version::V4_4,
            )
            .unwrap();
            assert_eq!(row.get::<String>("a").unwrap(), "a");
            assert!(row.get::<String>("b").is_err(), "{bytes:?}");
            assert!(row.get::<BoltType>("b").is_err(), "{bytes:?}");
            assert!(row.to::<Both>().is_err(), "{bytes:?}");
            assert!(row.values().is_empty());
        }
        let truncated = Row::packed(
            names,
            bytes::Bytes::copy_from_slice(truncated),
            crate::Version::V4_4,
        )
        .unwrap();
        let why = truncated.to::<Both>().unwrap_err().to_string();
        assert!(why.contains("ends inside a value"), "{why}");
    }

    #[test]
    fn row_serializes_from_fields() {
        #[derive(Clone, Debug, PartialEq, Deserialize)]
        struct Person0 {
            name: String,
            age: i32,
            score: f64,
            awesome: bool,
            #[serde(with = "serde_bytes")]
            data: Vec<u8>,
        }

        #[derive(Clone, Debug, PartialEq, Deserialize)]
        struct Person1<'a> {
            name: &'a str,
            age: i32,
            score: f64,
            awesome: bool,
            #[serde(with = "serde_bytes")]
            data: &'a [u8],
        }

        #[derive(Clone, Debug, PartialEq, Deserialize)]
        struct Couple<'a> {
            p0: Person0,
            #[serde(borrow)]
            p1: Person1<'a>,
        }

        let row = {
            let fields = BoltList::from(vec![BoltType::from("p0"), BoltType::from("p1")]);

            let data = BoltList::from(vec![
                BoltType::Map(
                    [
                        (BoltString::from("name"), BoltType::from("Alice")),
                        (BoltString::from("age"), BoltType::from(42)),
                        (BoltString::from("score"), BoltType::from(4.2)),
                        (BoltString::from("awesome"), BoltType::from(true)),
                        (BoltString::from("data"), BoltType::from(vec![4_u8, 2])),
                    ]
                    .into_iter()
                    .collect(),
                ),
                BoltType::Map(
                    [
                        (BoltString::from("name"), BoltType::from("Bob")),
                        (BoltString::from("age"), BoltType::from(1337)),
                        (BoltString::from("score"), BoltType::from(13.37)),
                        (BoltString::from("awesome"), BoltType::from(false)),
                        (
                            BoltString::from("data"),
                            BoltType::from(vec![1_u8, 3, 3, 7]),
                        ),
                    ]
                    .into_iter()
                    .collect(),
                ),
            ]);
            Row::new(fields, data)
        };

        let actual = row.to::<Couple>().unwrap();
        let expected = Couple {
            p0: Person0 {
                name: "Alice".to_owned(),
                age: 42,
                score: 4.2,
                awesome: true,
                data: vec![4, 2],
            },
            p1: Person1 {
                name: "Bob",
                age: 1337,
                score: 13.37,
                awesome: false, // poor Bob
                data: &[1, 3, 3, 7],
            },
        };

        assert_eq!(actual, expected);
    }
}
