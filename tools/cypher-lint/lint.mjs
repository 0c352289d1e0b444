// Lints every cypher/*.cypher file with Neo4j's own parser (@neo4j-cypher/language-support).
// Statements are split on ';'. Parameters are declared from the `$name`s each statement uses, so
// only syntax and semantic errors are reported. Exit code 1 when any file has an error.
import { lintCypherQuery } from '@neo4j-cypher/language-support';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '../../cypher';
const files = readdirSync(dir).filter((f) => f.endsWith('.cypher')).sort();
let failed = 0;
for (const f of files) {
  const text = readFileSync(join(dir, f), 'utf8');
  const statements = text
    .split('\n')
    .filter((l) => !l.trim().startsWith('//'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const stmt of statements) {
    const parameters = {};
    for (const m of stmt.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) parameters[m[1]] = '';
    const { diagnostics } = await lintCypherQuery(stmt, { parameters });
    const errors = diagnostics.filter((d) => d.severity === 1);
    for (const d of errors) {
      failed++;
      console.log(`${f}: ${d.message} at line ${d.range.start.line + 1}, column ${d.range.start.character + 1}`);
    }
  }
}
console.log(`${files.length} files checked, ${failed} errors`);
process.exit(failed > 0 ? 1 : 0);
