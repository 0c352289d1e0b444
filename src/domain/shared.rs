//! Serde for facts shared behind `Arc`. A person's facts are decoded once per load and shared by
//! the card load's neighbourhoods, the snapshot and the GraphQL views (they were copied at each
//! of the three steps, every registration, asset and income of every member allocated and freed
//! again per card). Stored and exchanged exactly as the unshared value: an `Arc<T>` is written
//! as `T`, so nothing that serialises snapshots changes shape (serde's `rc` feature would do the
//! same for every crate's types; these helpers keep it to these fields).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

/// `#[serde(with = "shared::one")]` for an `Arc<T>` field.
pub mod one {
    use super::*;
    pub fn serialize<S: Serializer, T: Serialize>(v: &Arc<T>, s: S) -> Result<S::Ok, S::Error> {
        T::serialize(v, s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Arc<T>, D::Error> {
        T::deserialize(d).map(Arc::new)
    }
}

/// `#[serde(with = "shared::list")]` for a `Vec<Arc<T>>` field.
pub mod list {
    use super::*;
    pub fn serialize<S: Serializer, T: Serialize>(v: &[Arc<T>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| &**x))
    }
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<Arc<T>>, D::Error> {
        Ok(Vec::<T>::deserialize(d)?
            .into_iter()
            .map(Arc::new)
            .collect())
    }
}

/// `#[serde(with = "shared::map")]` for a `HashMap<K, Arc<V>>` field.
pub mod map {
    use super::*;
    pub fn serialize<S: Serializer, K: Serialize, V: Serialize, H>(
        v: &HashMap<K, Arc<V>, H>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(v.iter().map(|(k, x)| (k, &**x)))
    }
    pub fn deserialize<'de, D, K, V, H>(d: D) -> Result<HashMap<K, Arc<V>, H>, D::Error>
    where
        D: Deserializer<'de>,
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        H: BuildHasher + Default,
    {
        Ok(HashMap::<K, V, H>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| (k, Arc::new(v)))
            .collect())
    }
}
