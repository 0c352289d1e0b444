//! Abuse limits, checked before async-graphql sees a document, plus the per-principal rate limit.
//!
//! async-graphql's parser recurses on nested values and selections, and its validation expands
//! fragments: a 4 KB list literal nested 2,000 deep overflows a worker's stack, and a 900-byte
//! chain of doubling fragments costs seconds and hundreds of MB. So, in this order:
//! 1. the query text's length ([`Limits::max_query_bytes`]);
//! 2. the nesting of brackets (`{ [ (`) outside strings and comments, by a linear scan with no
//!    recursion ([`Limits::max_nesting`]) — after this the parser's recursion is bounded;
//! 3. after parsing: fragment cycles, aliases, and the number of fields the operation would
//!    have with every fragment expanded, counted with memoised fragment sizes (linear in the
//!    document, never expanding anything) ([`Limits::max_aliases`], [`Limits::max_fields`]).
//!
//! Depth and complexity (with per-field costs that follow database loads) are then left to
//! async-graphql's own limits, set in `graphql::build_schema`.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body (413 above).
    pub max_body_bytes: usize,
    pub max_query_bytes: usize,
    pub max_nesting: usize,
    pub max_aliases: usize,
    /// Fields of the operation with fragments expanded.
    pub max_fields: usize,
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Time budget of one request.
    pub request_timeout: Duration,
    /// Requests per second per principal, sustained …
    pub rate_per_second: f64,
    /// … and in a burst.
    pub rate_burst: f64,
    /// Introspection and "did you mean" suggestions.
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 * 1024,
            max_query_bytes: 16 * 1024,
            max_nesting: 24,
            max_aliases: 30,
            max_fields: 1_000,
            max_depth: 15,
            max_complexity: 1_000,
            request_timeout: Duration::from_secs(15),
            rate_per_second: 50.0,
            rate_burst: 100.0,
            introspection: false,
        }
    }
}

/// A document refused before execution; the message names the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

/// Steps 1 and 2 of the module doc, on the raw text.
pub fn check_text(query: &str, l: &Limits) -> Result<(), Refusal> {
    if query.len() > l.max_query_bytes {
        return Err(Refusal(format!(
            "the query is {} bytes; at most {} are accepted",
            query.len(),
            l.max_query_bytes
        )));
    }
    let depth = max_bracket_nesting(query);
    if depth > l.max_nesting {
        return Err(Refusal(format!(
            "the query nests {{, [ or ( {depth} deep; at most {} levels are accepted",
            l.max_nesting
        )));
    }
    Ok(())
}

/// The deepest nesting of `{`, `[`, `(` outside string literals and comments (GraphQL lexis:
/// `"…"` with escapes, `"""…"""` block strings, `#` to end of line).
pub fn max_bracket_nesting(q: &str) -> usize {
    let b = q.as_bytes();
    let (mut i, mut depth, mut max) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    if b[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else {
                        i += 1;
                    }
                }
                i += 2; // the closing quotes (the loop's += 1 takes the third)
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

/// Step 3 of the module doc, on the parsed document.
pub fn check_document(doc: &ExecutableDocument, l: &Limits) -> Result<(), Refusal> {
    // Fragment sizes, memoised; cycles refused.
    let mut sizes: HashMap<String, Option<(u64, u64)>> = HashMap::new();
    fn set_size(
        set: &SelectionSet,
        doc: &ExecutableDocument,
        sizes: &mut HashMap<String, Option<(u64, u64)>>,
    ) -> Result<(u64, u64), Refusal> {
        let (mut fields, mut aliases) = (0u64, 0u64);
        for s in &set.items {
            let (f, a) = match &s.node {
                Selection::Field(f) => {
                    let (cf, ca) = set_size(&f.node.selection_set.node, doc, sizes)?;
                    (1 + cf, ca + u64::from(f.node.alias.is_some()))
                }
                Selection::InlineFragment(fr) => set_size(&fr.node.selection_set.node, doc, sizes)?,
                Selection::FragmentSpread(sp) => {
                    let name = sp.node.fragment_name.node.to_string();
                    match sizes.get(&name) {
                        Some(Some(v)) => *v,
                        Some(None) => {
                            return Err(Refusal(format!("fragment {name} spreads itself")))
                        }
                        None => {
                            match doc.fragments.get(&sp.node.fragment_name.node) {
                                None => (0, 0), // unknown fragment: validation names it
                                Some(frag) => {
                                    sizes.insert(name.clone(), None);
                                    let v = set_size(&frag.node.selection_set.node, doc, sizes)?;
                                    sizes.insert(name, Some(v));
                                    v
                                }
                            }
                        }
                    }
                }
            };
            fields = fields.saturating_add(f);
            aliases = aliases.saturating_add(a);
        }
        Ok((fields, aliases))
    }
    let (mut fields, mut aliases) = (0u64, 0u64);
    for (_, op) in doc.operations.iter() {
        let (f, a) = set_size(&op.node.selection_set.node, doc, &mut sizes)?;
        fields = fields.max(f);
        aliases = aliases.max(a);
    }
    for (name, frag) in &doc.fragments {
        if !sizes.contains_key(name.as_str()) {
            set_size(&frag.node.selection_set.node, doc, &mut sizes)?;
        }
    }
    if aliases > l.max_aliases as u64 {
        return Err(Refusal(format!(
            "the operation uses {aliases} aliases; at most {} are accepted",
            l.max_aliases
        )));
    }
    if fields > l.max_fields as u64 {
        return Err(Refusal(format!(
            "the operation selects {fields} fields with its fragments expanded; at most {} are accepted",
            l.max_fields
        )));
    }
    Ok(())
}

/// Documents that passed every check above, by query text, with what was derived from them
/// (`V`: the family load scope). A client's screen sends the same few texts again and again,
/// so each is lexed, parsed and checked once; the executor gets the parsed document
/// (`Request::set_parsed_query`), never the text to parse again. Bounded: at most
/// `capacity` texts (each at most `max_query_bytes`); when full it starts afresh.
pub struct DocumentCache<V> {
    capacity: usize,
    map: Mutex<HashMap<String, Arc<(ExecutableDocument, V)>>>,
}

impl<V> DocumentCache<V> {
    pub fn new(capacity: usize) -> Self {
        DocumentCache {
            capacity,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The checked document of `query`: from the cache, or checked (steps 1–3), parsed and
    /// derived now. A refusal is `(code, message)` and is not cached.
    pub fn checked(
        &self,
        query: &str,
        l: &Limits,
        derive: impl FnOnce(&ExecutableDocument) -> V,
    ) -> Result<Arc<(ExecutableDocument, V)>, (&'static str, String)> {
        if let Some(hit) = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(query)
        {
            return Ok(hit.clone());
        }
        check_text(query, l).map_err(|r| ("GRAPHQL_LIMIT", r.0))?;
        let doc = async_graphql::parser::parse_query(query)
            .map_err(|e| ("GRAPHQL_PARSE_FAILED", e.to_string()))?;
        check_document(&doc, l).map_err(|r| ("GRAPHQL_LIMIT", r.0))?;
        let v = derive(&doc);
        let entry = Arc::new((doc, v));
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(query.to_string(), entry.clone());
        Ok(entry)
    }
}

/// Token buckets per principal (subject). Buckets idle for a minute are dropped.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: f64) -> Self {
        RateLimiter {
            per_second,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` to go on, or the wait until a request would be allowed.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if b.len() > 10_000 {
            b.retain(|_, (_, t)| now.duration_since(*t) < Duration::from_secs(60));
        }
        let (tokens, last) = b.entry(key.to_string()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                ((1.0 - *tokens) / self.per_second).max(0.001),
            ))
        }
    }
}

/// The same text and document limits for requests that do not come through `api::http`'s handler
/// (GraphQL over WebSocket, `/graphql/ws`; only that schema has it: [`super::schema::TextChecks`]): an async-graphql extension that checks the text
/// before the recursive parser sees it, and the parsed document before it runs. A refusal is an
/// error of that operation; the connection and the process stay up.
pub struct LimitsExtension(pub Limits);

impl async_graphql::extensions::ExtensionFactory for LimitsExtension {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        Arc::new(LimitsCheck(self.0.clone()))
    }
}

struct LimitsCheck(Limits);

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for LimitsCheck {
    async fn parse_query(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        query: &str,
        variables: &async_graphql::Variables,
        next: async_graphql::extensions::NextParseQuery<'_>,
    ) -> async_graphql::ServerResult<ExecutableDocument> {
        let refused = |r: Refusal| async_graphql::ServerError::new(r.0, None);
        check_text(query, &self.0).map_err(refused)?;
        let doc = next.run(ctx, query, variables).await?;
        check_document(&doc, &self.0).map_err(refused)?;
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).unwrap()
    }

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert_eq!(max_bracket_nesting("{ a { b } }"), 2);
        assert_eq!(max_bracket_nesting(r#"{ a(x: "{{{{[[[") }"#), 2);
        assert_eq!(max_bracket_nesting("{ a # {{{{{\n }"), 1);
        assert_eq!(max_bracket_nesting(r#"{ a(x: """ {{{ \""" {{ """) }"#), 2);
        let bomb = format!("{{ a(x: {}1{}) }}", "[".repeat(2000), "]".repeat(2000));
        assert!(check_text(&bomb, &Limits::default()).is_err());
        // Unbalanced or odd input never panics.
        for q in ["\"", "\"\"\"", "}}}]]", "\"\\", "#"] {
            max_bracket_nesting(q);
        }
    }

    #[test]
    fn doubling_fragments_are_counted_without_expanding() {
        let mut q = String::from("query { ...F0 }\n");
        for i in 0..40 {
            q += &format!("fragment F{i} on Query {{ ...F{n} ...F{n} }}\n", n = i + 1);
        }
        q += "fragment F40 on Query { benefits { code } }";
        let r = check_document(&doc(&q), &Limits::default());
        assert!(r.unwrap_err().0.contains("fields"), "refused by size");
    }

    #[test]
    fn cycles_and_aliases_are_refused() {
        let q = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert!(check_document(&doc(q), &Limits::default()).is_err());
        let aliases: String = (0..31)
            .map(|i| format!("a{i}: benefits {{ code }} "))
            .collect();
        let r = check_document(&doc(&format!("{{ {aliases} }}")), &Limits::default());
        assert!(r.unwrap_err().0.contains("aliases"));
        let ok = "{ family(iin: \"1\") { familyId members { edges { node { iin } } } } }";
        assert!(check_document(&doc(ok), &Limits::default()).is_ok());
    }

    #[test]
    fn a_checked_document_is_parsed_once_and_refusals_are_not_kept() {
        let cache = DocumentCache::new(2);
        let l = Limits::default();
        let mut derived = 0;
        for _ in 0..3 {
            let d = cache
                .checked("{ a { b } }", &l, |_| {
                    derived += 1;
                })
                .unwrap();
            assert_eq!(d.0.operations.iter().count(), 1);
        }
        assert_eq!(derived, 1, "parsed and derived once");
        let deep = format!("{}{}", "{ a ".repeat(40), "}".repeat(40));
        assert_eq!(
            cache.checked(&deep, &l, |_| ()).unwrap_err().0,
            "GRAPHQL_LIMIT"
        );
        assert_eq!(
            cache.checked("{ a", &l, |_| ()).unwrap_err().0,
            "GRAPHQL_PARSE_FAILED"
        );
        assert_eq!(cache.map.lock().unwrap().len(), 1);
        // Full: starts afresh, still bounded.
        for q in ["{ b }", "{ c }", "{ d }"] {
            cache.checked(q, &l, |_| ()).unwrap();
        }
        assert!(cache.map.lock().unwrap().len() <= 2);
    }

    #[test]
    fn the_rate_limit_refills() {
        let r = RateLimiter::new(1000.0, 2.0);
        assert!(r.check("a").is_ok());
        assert!(r.check("a").is_ok());
        assert!(r.check("a").is_err());
        assert!(r.check("b").is_ok(), "per principal");
        std::thread::sleep(Duration::from_millis(5));
        assert!(r.check("a").is_ok());
    }
}
