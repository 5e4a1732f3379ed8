// Writes docs/configuration.md and deploy/switchboard.example.json from the config schema.
// Run through `npm run docs:config`, which builds dist/ first.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderExample, renderReference } from '../dist/relay/config/reference.js';

const root = new URL('../', import.meta.url);
const source = readFileSync(new URL('relay/config/schema.ts', root), 'utf8');
writeFileSync(new URL('docs/configuration.md', root), renderReference(source));
writeFileSync(new URL('deploy/switchboard.example.json', root), renderExample(source));
process.stdout.write('wrote docs/configuration.md and deploy/switchboard.example.json\n');
