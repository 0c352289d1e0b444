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
//! digests sorted), so the order rows arrive in does not matter; inside a row, map entries are
//! taken in key order and lists in the order received (a list the database happens to return in
//! another order digests differently: the family is then simply evaluated, never skipped wrongly).
//! Every row digest starts from the caller's `salt` (what else the result depends on: the date,
//! the rules), so a digest is only ever equal for the same rows under the same rules.

use neo4rs::{BoltType, Row};
use sha2::{Digest, Sha256};

/// Bytes of a digest kept (128 bits, written as 32 hex digits).
const DIGEST_BYTES: usize = 16;

/// The digest of one family's rows under `salt` (order-independent; see the module doc).
pub fn rows_digest<'a>(salt: &[u8], rows: impl IntoIterator<Item = &'a Row>) -> String {
    let mut each: Vec<[u8; 32]> = rows
        .into_iter()
        .map(|row| {
            let mut h = Sha256::new();
            for v in row.values() {
                feed(v, &mut h);
            }
            h.finalize().into()
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

/// Feeds one value into `h`, tagged by its kind and delimited by lengths, so that different
/// values never feed the same bytes.
fn feed(v: &BoltType, h: &mut Sha256) {
    match v {
        BoltType::String(s) => feed_str(&s.value, h),
        BoltType::Boolean(b) => h.update([2, b.value as u8]),
        BoltType::Null(_) => h.update([3]),
        BoltType::Integer(i) => {
            h.update([4]);
            h.update(i.value.to_le_bytes());
        }
        BoltType::Float(f) => {
            h.update([5]);
            h.update(f.value.to_bits().to_le_bytes());
        }
        BoltType::List(l) => {
            h.update([6]);
            h.update((l.value.len() as u64).to_le_bytes());
            for x in &l.value {
                feed(x, h);
            }
        }
        BoltType::Map(m) => {
            h.update([7]);
            h.update((m.value.len() as u64).to_le_bytes());
            let mut entries: Vec<_> = m.value.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.value.cmp(&b.0.value));
            for (k, x) in entries {
                feed_str(&k.value, h);
                feed(x, h);
            }
        }
        // Not in the neighbourhood statements' answers; digested by their full debug form.
        other => {
            let text = format!("{other:?}");
            h.update([8]);
            h.update((text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
    }
}

fn feed_str(s: &str, h: &mut Sha256) {
    h.update([1]);
    h.update((s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
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
