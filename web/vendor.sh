#!/usr/bin/env bash
# Reproduces web/vendor/ from web/package-lock.json: installs the pinned packages with `npm ci`
# and copies the browser bundles the pages load (byte for byte, no build step), then records
# their SHA-256 in vendor/SHA256SUMS. `bash vendor.sh --check` re-installs and fails if the
# committed files differ from what the lock file yields.
# Only needed to bump a version; the Rust build embeds the committed files and never runs npm.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --silent
out=vendor
if [ "${1:-}" = "--check" ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi
mkdir -p "$out"
cp node_modules/react/umd/react.production.min.js "$out/"
cp node_modules/react-dom/umd/react-dom.production.min.js "$out/"
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css "$out/"
# The dashboard's charts: ECharts' "common" UMD bundle (global `echarts`; line, bar, pie, scatter,
# canvas and SVG renderers, zrender inside; no map loader, so no `new Function`).
cp node_modules/echarts/dist/echarts.common.min.js "$out/"
# The explorer's graph: Cytoscape.js' UMD bundle (global `cytoscape`; no dependencies, no eval;
# the built-in cose/breadthfirst/concentric layouts draw compound nodes).
cp node_modules/cytoscape/dist/cytoscape.min.js "$out/"
cp node_modules/react/LICENSE "$out/LICENSE.react"
cp node_modules/react-dom/LICENSE "$out/LICENSE.react-dom"
cp node_modules/graphiql/LICENSE "$out/LICENSE.graphiql"
cp node_modules/echarts/LICENSE "$out/LICENSE.echarts"
cp node_modules/echarts/NOTICE "$out/NOTICE.echarts"
cp node_modules/zrender/LICENSE "$out/LICENSE.zrender"  # bundled inside echarts.common.min.js
cp node_modules/cytoscape/LICENSE "$out/LICENSE.cytoscape"
node -e '
  const v = (p) => require("./node_modules/" + p + "/package.json").version;
  for (const p of ["react", "react-dom", "graphiql", "graphql", "echarts", "cytoscape"]) console.log(p + " " + v(p));
' > "$out/VERSIONS"
(cd "$out" && sha256sum LICENSE.* NOTICE.* VERSIONS *.js *.css > SHA256SUMS)
if [ "$out" != vendor ]; then
  diff -r vendor "$out" && echo "web/vendor matches web/package-lock.json"
fi
