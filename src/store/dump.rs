//! A canonical dump of the whole graph: every node (labels, every property with its type) and
//! every relationship (type, both ends by their keys, properties with types), as sorted text
//! lines, plus the counts per label and type. Why: two ways of loading the same extract (`load`
//! and the bulk path, `crate::bulk_load`) must end in the same graph, and comparing two dumps
//! line by line shows exactly where they differ. Paged by node key (`graph_dump_page.cypher`);
//! meant for test-sized graphs (the dump is held in memory).

use super::{cypher, Store, StoreResult};
use neo4rs::query;
use serde_json::Value;
use std::collections::BTreeMap;

/// The graph as sorted lines, and its counts (`node:Label`, `rel:TYPE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphDump {
    pub nodes: Vec<String>,
    pub relationships: Vec<String>,
    pub counts: BTreeMap<String, i64>,
}

/// A value with its type: `string "…"`, `int 5`, `float 1.5`, `bool true`, `list [...]`.
pub fn typed(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("bool {b}"),
        Value::Number(n) if n.is_f64() => format!("float {n}"),
        Value::Number(n) => format!("int {n}"),
        Value::String(s) => format!("string {}", Value::String(s.clone())),
        Value::Array(a) => format!(
            "list [{}]",
            a.iter().map(typed).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!("map {}", properties(m)),
    }
}

/// Properties in name order, each typed.
fn properties(m: &serde_json::Map<String, Value>) -> String {
    let sorted: BTreeMap<&String, &Value> = m.iter().collect();
    let parts: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("{k}: {}", typed(v)))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

impl Store {
    /// The whole graph, `page` nodes per round trip.
    pub async fn graph_dump(&self, page: i64) -> StoreResult<GraphDump> {
        let mut nodes = vec![];
        let mut relationships = vec![];
        let mut after = String::new();
        loop {
            let q = query(cypher::GRAPH_DUMP_PAGE)
                .param("after", after.as_str())
                .param("limit", page);
            let rows = self
                .fetch_rows(q, &["key", "labels", "properties", "out"])
                .await?;
            let Some(last) = rows.last() else { break };
            after = last["key"].as_str().unwrap_or_default().to_string();
            for r in &rows {
                let key = r["key"].as_str().unwrap_or_default();
                let mut labels: Vec<String> = r["labels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect();
                labels.sort();
                let empty = serde_json::Map::new();
                let props = r["properties"].as_object().unwrap_or(&empty);
                nodes.push(format!(
                    "({key}) labels [{}] {}",
                    labels.join(", "),
                    properties(props)
                ));
                for o in r["out"].as_array().into_iter().flatten() {
                    let props = o[2].as_object().unwrap_or(&empty);
                    relationships.push(format!(
                        "({key})-[{} {}]->({})",
                        o[0].as_str().unwrap_or_default(),
                        properties(props),
                        o[1].as_str().unwrap_or_default()
                    ));
                }
            }
            if (rows.len() as i64) < page {
                break;
            }
        }
        nodes.sort();
        relationships.sort();
        Ok(GraphDump {
            nodes,
            relationships,
            counts: self.counts().await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_with_their_types() {
        let v = serde_json::json!({"b": 5, "a": "5", "c": 5.0, "d": [true, null]});
        assert_eq!(
            typed(&v),
            r#"map {a: string "5", b: int 5, c: float 5.0, d: list [bool true, null]}"#
        );
    }
}
