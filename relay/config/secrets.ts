import { randomBytes } from 'node:crypto';
import { SCHEMA, type Config } from './schema.js';

/**
 * Shared beyond this machine, nothing runs on a well-known secret. channelstream's signing secret
 * and admin password default to the original's own ("secret", "admin_secret"): harmless on
 * loopback, where the originals' clients and tests expect them, but known to anyone on a LAN.
 * (The console token needs nothing here: left empty, it is random at every start.)
 */

export const SECRET_KEYS = ['channelstreamSecret', 'channelstreamAdminSecret'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
/** The secrets a protocol signs and checks with now: one holder, so a move onto the LAN reaches it at once. */
export type Secrets = { -readonly [K in SecretKey]: string };

export const secretsOf = (config: Config): Secrets => ({ channelstreamSecret: config.channelstreamSecret, channelstreamAdminSecret: config.channelstreamAdminSecret });

export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/** Empty, or the default everyone knows. */
export const isWellKnown = (key: SecretKey, value: string): boolean => value === '' || value === SCHEMA[key].default;

export interface Generated {
  key: SecretKey;
  /** One line for the log: what was replaced, and where to read the new one. */
  notice: string;
}

/**
 * `next` with a generated secret for each key whose running value (what the protocol signs with
 * now) is well known, when `next` binds beyond loopback: the operator's own value where `next`
 * has one, else a fresh random one. `running` defaults to `next` (a relay that is starting).
 */
export function secureForLan(next: Config, running: Secrets = next): { config: Config; generated: Generated[] } {
  if (isLoopback(next.host)) return { config: next, generated: [] };
  const config: Record<string, unknown> & Secrets = { ...next };
  const generated: Generated[] = [];
  for (const key of SECRET_KEYS) {
    if (!isWellKnown(key, running[key]) || !isWellKnown(key, config[key])) continue;
    const was = config[key] === '' ? 'empty' : `the well-known default "${config[key]}"`;
    config[key] = randomBytes(24).toString('base64url');
    generated.push({
      key,
      notice: `${key} was ${was} on a relay shared beyond this machine (${next.host}): using a generated one; read it in the console's Settings (${key}, Show), or set your own`,
    });
  }
  return { config: config as Config, generated };
}

/**
 * Moving a running relay beyond loopback: each well-known secret the protocols run on is replaced
 * by `next`'s (already secured by secureForLan) at once, as the listeners move at once. Other
 * changes of a secret still wait for the next start, like every key but the listeners'.
 */
export function hardenRunning(running: Secrets, next: Config): void {
  if (isLoopback(next.host)) return;
  for (const key of SECRET_KEYS) if (isWellKnown(key, running[key])) running[key] = next[key];
}
