//! Keyset pagination as ONE stream: [`Store::pages`] turns any "page after this key" statement into
//! a `Stream` of typed pages, so no caller writes its own `after` loop (and gets the end condition,
//! the cursor and the short last page wrong in its own way). Pages are fetched lazily: the next
//! page is read only when the consumer asks for it, so a caller that writes between pages sees its
//! own writes, exactly as a hand-written loop did; a consumer that wants read-ahead adds
//! `buffered` itself (the jobs do).
//!
//! [`KeyRange`] splits a key space into disjoint shards, for jobs run on several machines against
//! one database (`--shard i/n`).

use super::{Store, StoreResult};
use futures::Stream;
use std::future::Future;

/// One page of rows and the keyset position after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// The key of the last row: where the next page starts (exclusive).
    pub after: String,
}

impl Store {
    /// Pages of `fetch(after, limit)` from keyset position `after` (exclusive; `""` = from the
    /// start) until a page comes back shorter than `limit`. `key` gives a row's keyset position
    /// (the column the statement orders by).
    pub fn pages<'a, T, F, Fut, K>(
        &'a self,
        after: String,
        limit: usize,
        fetch: F,
        key: K,
    ) -> impl Stream<Item = StoreResult<Page<T>>> + 'a
    where
        T: 'a,
        F: Fn(&'a Store, String, i64) -> Fut + 'a,
        Fut: Future<Output = StoreResult<Vec<T>>> + 'a,
        K: Fn(&T) -> String + 'a,
    {
        let limit = limit.max(1);
        let key = std::sync::Arc::new(key);
        futures::stream::try_unfold(Some(after), move |state| {
            let fut = state.map(|after| fetch(self, after, limit as i64));
            let key = key.clone();
            async move {
                let Some(fut) = fut else { return Ok(None) };
                let rows = fut.await?;
                let Some(last) = rows.last() else {
                    return Ok(None);
                };
                let after = key(last);
                let next = (rows.len() >= limit).then(|| after.clone());
                Ok(Some((Page { rows, after }, next)))
            }
        })
    }
}

/// A half-open range of string keys `[from, to)`; `to = None` is unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub from: String,
    pub to: Option<String>,
}

impl KeyRange {
    pub fn all() -> Self {
        KeyRange {
            from: String::new(),
            to: None,
        }
    }

    /// Shard `i` of `n` (0-based) of keys made of `prefix` and lowercase hex digits (family ids:
    /// `FAM-` + hex): disjoint ranges of the first four hex digits that together cover every key.
    pub fn hex_shard(prefix: &str, i: u32, n: u32) -> Self {
        assert!(n >= 1 && i < n, "shard {i} of {n}");
        let bound = |k: u32| -> Option<String> {
            if k == 0 {
                return Some(String::new());
            }
            if k >= n {
                return None;
            }
            let start = (k as u64 * 0x1_0000 / n as u64) as u32;
            Some(format!("{prefix}{start:04x}"))
        };
        KeyRange {
            from: bound(i).unwrap_or_default(),
            to: bound(i + 1),
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        key >= self.from.as_str() && self.to.as_deref().is_none_or(|t| key < t)
    }
}

/// `--shard i/n` as written on the command line (1-based `i`): shard `i-1` of `n`.
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}`: expected i/n, e.g. 1/4"))?;
    let i: u32 = i
        .trim()
        .parse()
        .map_err(|_| format!("`{s}`: i is not a number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{s}`: n is not a number"))?;
    if n == 0 || i == 0 || i > n || n > 0x1_0000 {
        return Err(format!("`{s}`: need 1 <= i <= n <= 65536"));
    }
    Ok((i - 1, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_every_key() {
        for n in [1u32, 2, 3, 7, 16] {
            let shards: Vec<KeyRange> = (0..n).map(|i| KeyRange::hex_shard("FAM-", i, n)).collect();
            for key in [
                "FAM-0000000000000000",
                "FAM-7fff12",
                "FAM-8000",
                "FAM-ffffffffffffffff",
                "FAM-5555aaaa",
            ] {
                let holders = shards.iter().filter(|s| s.contains(key)).count();
                assert_eq!(holders, 1, "{key} in {holders} of {n} shards");
            }
        }
        assert_eq!(KeyRange::hex_shard("FAM-", 0, 1), KeyRange::all());
        assert_eq!(KeyRange::hex_shard("FAM-", 1, 2).from, "FAM-8000");
    }

    #[test]
    fn shard_flags_parse_one_based() {
        assert_eq!(parse_shard("1/4"), Ok((0, 4)));
        assert_eq!(parse_shard("4/4"), Ok((3, 4)));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("x").is_err());
    }
}
