/**
 * The layers of relay/, lowest first; each imports only from the layers below it:
 *   net (facts about an HTTP request) < config < core < dialects < http < console, relay.ts, cli
 * The renderer talks to the relay only through the console contract (relay/console), and the
 * relay is plain Node: it imports nothing of the shells around it. `npm test` checks these
 * rules (npm run layers); test/layers/layers.test.ts shows each one catching a wrong import.
 */
const ABOVE_CONFIG = '^relay/(core|dialects|http|console)/|^relay/[^/]+$';

module.exports = {
  forbidden: [
    {
      name: 'net-imports-no-layer',
      comment: 'relay/net is the floor: facts about an HTTP request that config, dialects and http share.',
      severity: 'error',
      from: { path: '^relay/net/' },
      to: { path: '^relay/(config|core|dialects|http|console)/|^relay/[^/]+$' },
    },
    {
      name: 'config-imports-nothing-above',
      comment: 'Settings are read before anything runs: config knows no part of the running relay.',
      severity: 'error',
      from: { path: '^relay/config/' },
      to: { path: ABOVE_CONFIG },
    },
    {
      name: 'core-imports-nothing-above',
      comment: 'The core routes and delivers for any protocol and any transport: it knows none of them.',
      severity: 'error',
      from: { path: '^relay/core/' },
      to: { path: '^relay/(dialects|http|console)/|^relay/[^/]+$' },
    },
    {
      name: 'dialects-import-nothing-from-http',
      comment: 'A dialect is handed a ready connection (dialects/types.ts); the server is above it.',
      severity: 'error',
      from: { path: '^relay/dialects/' },
      to: { path: '^relay/(http|console)/|^relay/[^/]+$' },
    },
    {
      name: 'renderer-sees-only-the-console',
      comment: 'Every UI talks to the relay through one contract, relay/console.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^relay/', pathNot: '^relay/console/' },
    },
    {
      name: 'relay-is-plain-node',
      comment: 'relay/ runs headless: it imports nothing of the shells around it.',
      severity: 'error',
      from: { path: '^relay/' },
      to: { path: '^(renderer|electron|demo)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
