/**
 * The layers of relay/, lowest first; each imports only from the layers below it:
 *   net (facts about an HTTP request) < config < core < dialects < http < console, relay.ts, cli
 * Beside them: capture (an observer of core) and cluster (a Bus of core) see only core and config;
 * replay is a client of the relay from outside: it reads captures and speaks the wire, so it sees
 * capture, config and the dialects' wire helpers, and nothing of the running relay.
 * The renderer talks to the relay only through the console contract (relay/console), and the
 * relay is plain Node: it imports nothing of the shells around it. `npm test` checks these
 * rules (npm run layers); test/layers/layers.test.ts shows each one catching a wrong import.
 */
const ABOVE_CONFIG = '^relay/(core|dialects|http|console|capture|cluster|replay)/|^relay/[^/]+$';

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
      to: { path: '^relay/(dialects|http|console|capture|cluster|replay)/|^relay/[^/]+$' },
    },
    {
      name: 'dialects-import-nothing-from-http',
      comment: 'A dialect is handed a ready connection (dialects/types.ts); the server is above it.',
      severity: 'error',
      from: { path: '^relay/dialects/' },
      to: { path: '^relay/(http|console|capture|cluster|replay)/|^relay/[^/]+$' },
    },
    {
      name: 'capture-sees-only-core',
      comment: 'A capture is an observer of what core routes: it knows no protocol, server or console.',
      severity: 'error',
      from: { path: '^relay/capture/' },
      to: { path: '^relay/(dialects|http|console|cluster|replay)/|^relay/[^/]+$' },
    },
    {
      name: 'cluster-sees-only-core',
      comment: 'The Redis bus implements core\'s Bus: what crosses nodes is core\'s, never a protocol\'s or the server\'s.',
      severity: 'error',
      from: { path: '^relay/cluster/' },
      to: { path: '^relay/(dialects|http|console|capture|replay)/|^relay/[^/]+$' },
    },
    {
      name: 'replay-is-a-client',
      comment: 'Replay drives a relay over the network, as its clients do: it never reaches into a running one.',
      severity: 'error',
      from: { path: '^relay/replay/' },
      to: { path: '^relay/(core|http|console|cluster)/|^relay/[^/]+$' },
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
