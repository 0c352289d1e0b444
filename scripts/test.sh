#!/usr/bin/env bash
# The test command (README): installs what the tests need from the project's own files, then runs
# every test (the browser test needs Chromium at /usr/bin/chromium or $CHROMIUM; .ci/run installs
# it). The local graph database (ArcadeDB, from PyPI) is installed by the tests themselves
# on first use into ~/.cache/family-card (override with FAMILY_CARD_CACHE).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d tools/cypher-lint/node_modules/@neo4j-cypher/language-support ]; then
  npm ci --prefix tools/cypher-lint --no-audit --no-fund --silent
fi
if [ ! -d tools/browser-test/node_modules/puppeteer-core ]; then
  npm ci --prefix tools/browser-test --no-audit --no-fund --silent
fi
cargo test --all-targets "$@"
# The Neo4j-cluster build (`--features cluster`: neo4rs's client-side routing, docs/deployment.md):
# its round-trip and routing tests against the local engine (which answers ROUTE).
if [ "$#" -eq 0 ]; then
  cargo test --features cluster --test api round_trips
fi
