#!/usr/bin/env node
// Writes docs/risk-catalogue.md from the risk tables in the compiled code (run `npm run build` first).
// Run: node scripts/gen-risk-doc.mjs [--check]   (--check: exit 1 when the committed file is not current)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'docs', 'risk-catalogue.md');
const dist = process.env.TRACEWALL_DIST ?? path.join(root, 'dist');

let mod;
try {
  mod = await import(path.join(dist, 'diff', 'catalogue-doc.js'));
} catch (err) {
  console.error(
    `gen-risk-doc: cannot load ${path.join(dist, 'diff', 'catalogue-doc.js')} (${err.code ?? err.message}); run \`npm run build\` first`,
  );
  process.exit(3);
}
const text = mod.riskCatalogueMarkdown();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  if (current !== text) {
    console.error(
      'gen-risk-doc: docs/risk-catalogue.md is not current; run `npm run build && node scripts/gen-risk-doc.mjs`',
    );
    process.exit(1);
  }
  console.log('gen-risk-doc: docs/risk-catalogue.md is current');
} else {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  console.log(`gen-risk-doc: wrote ${path.relative(root, out)}`);
}
