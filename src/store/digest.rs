//! Digests of what a statement answered, computed on the Bolt values as received (before any
//! decoding), so a job can tell that a family's rows are exactly those its stored result was
//! computed from and skip decoding and evaluating it.
//!
//! Why: when nothing changed, a re-run of the recompute would decode every neighbourhood into
//! domain records, build every snapshot and evaluate every family only to find the same inputs
//! hash as stored; on a machine the client shares with the database that CPU lowers the job's
//! rate well below the database's. A digest of the received values costs a fraction of that.
//!
//! The digest of a family is over the SET of its rows (each row digested on its own, the row
//! digests sorted), so the order rows arrive in does not matter; inside a row, map entries and
//! lists are taken in the order received (a list or map that comes in another order digests
//! differently: the family is then simply evaluated, never skipped wrongly).
//! Every row digest starts from the caller's `salt` (what else the result depends on: the date,
//! the rules), so a digest is only ever equal for the same rows under the same rules.

use neo4rs::{BoltType, Row};
use sha2::{Digest, Sha256};

/// Bytes of a digest kept (128 bits, written as 32 hex digits).
const DIGEST_BYTES: usize = 16;

/// The digest of one family's rows under `salt` (order-independent; see the module doc).
pub fn rows_digest<'a>(salt: &[u8], rows: impl IntoIterator<Item = &'a Row>) -> String {
    // Each row is written out into one buffer (tags, lengths, bytes) and hashed in one call:
    // many tiny hasher updates cost more than the hashing itself.
    let mut buf = Vec::with_capacity(4096);
    let mut each: Vec<[u8; 32]> = rows
        .into_iter()
        .map(|row| {
            buf.clear();
            for v in row.values() {
                feed(v, &mut buf);
            }
            Sha256::digest(&buf).into()
        })
        .collect();
    each.sort_unstable();
    let mut h = Sha256::new();
    h.update((salt.len() as u64).to_le_bytes());
    h.update(salt);
    for d in &each {
        h.update(d);
    }
    h.finalize()[..DIGEST_BYTES]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes one value into `out`, tagged by its kind and delimited by lengths, so that different
/// values never write the same bytes. Map entries are taken in the map's own order (not sorted:
/// sorting cost a quarter of the digest), which is the same for the same answer of the same
/// statement; a map whose entries came in another order only makes the family evaluated again.
fn feed(v: &BoltType, out: &mut Vec<u8>) {
    match v {
        BoltType::String(s) => feed_str(&s.value, out),
        BoltType::Boolean(b) => out.extend_from_slice(&[2, b.value as u8]),
        BoltType::Null(_) => out.push(3),
        BoltType::Integer(i) => {
            out.push(4);
            out.extend_from_slice(&i.value.to_le_bytes());
        }
        BoltType::Float(f) => {
            out.push(5);
            out.extend_from_slice(&f.value.to_bits().to_le_bytes());
        }
        BoltType::List(l) => {
            out.push(6);
            out.extend_from_slice(&(l.value.len() as u64).to_le_bytes());
            for x in &l.value {
                feed(x, out);
            }
        }
        BoltType::Map(m) => {
            out.push(7);
            out.extend_from_slice(&(m.value.len() as u64).to_le_bytes());
            for (k, x) in &m.value {
                feed_str(&k.value, out);
                feed(x, out);
            }
        }
        // Not in the neighbourhood statements' answers; digested by their full debug form.
        other => {
            let text = format!("{other:?}");
            out.push(8);
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
}

fn feed_str(s: &str, out: &mut Vec<u8>) {
    out.push(1);
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use neo4rs::{BoltList, BoltMap, BoltString};

    fn row(values: Vec<BoltType>) -> Row {
        let fields: Vec<BoltType> = (0..values.len())
            .map(|i| BoltType::from(format!("c{i}").as_str()))
            .collect();
        Row::new(BoltList::from(fields), BoltList::from(values))
    }

    fn map(pairs: &[(&str, BoltType)]) -> BoltType {
        let mut m = BoltMap::default();
        for (k, v) in pairs {
            m.put(BoltString::from(*k), v.clone());
        }
        BoltType::Map(m)
    }

    #[test]
    fn a_digest_depends_on_the_rows_not_their_order_nor_map_order() {
        let a = row(vec![
            "X".into(),
            map(&[("a", 1_i64.into()), ("b", "y".into())]),
        ]);
        let b = row(vec![
            "Y".into(),
            map(&[("b", "y".into()), ("a", 1_i64.into())]),
        ]);
        let b_same = row(vec![
            "Y".into(),
            map(&[("a", 1_i64.into()), ("b", "y".into())]),
        ]);
        assert_eq!(
            rows_digest(b"s", [&a, &b]),
            rows_digest(b"s", [&b_same, &a])
        );
        assert_eq!(rows_digest(b"s", [&a]).len(), 2 * DIGEST_BYTES);
        // Another salt, another value, another kind of the same text, a missing row: another digest.
        assert_ne!(rows_digest(b"s", [&a, &b]), rows_digest(b"t", [&a, &b]));
        let changed = row(vec![
            "Y".into(),
            map(&[("a", 2_i64.into()), ("b", "y".into())]),
        ]);
        assert_ne!(
            rows_digest(b"s", [&a, &b]),
            rows_digest(b"s", [&a, &changed])
        );
        let as_text = row(vec![
            "X".into(),
            map(&[("a", "1".into()), ("b", "y".into())]),
        ]);
        assert_ne!(rows_digest(b"s", [&a]), rows_digest(b"s", [&as_text]));
        assert_ne!(rows_digest(b"s", [&a, &b]), rows_digest(b"s", [&a]));
        // Adjacent strings cannot run into each other.
        let split = row(vec!["ab".into(), "c".into()]);
        let split_other = row(vec!["a".into(), "bc".into()]);
        assert_ne!(
            rows_digest(b"s", [&split]),
            rows_digest(b"s", [&split_other])
        );
    }
}
