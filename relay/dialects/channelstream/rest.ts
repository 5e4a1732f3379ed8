import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config/schema.js';
import type { Secrets } from '../../config/secrets.js';
import type { Hub } from '../../core/hub.js';
import { readBody } from '../../net/body.js';
import { remoteAddress } from '../../net/remote.js';
import type { Connection } from './state.js';
import { RoomLimit, type Engine } from './engine.js';
import { adminReport, info as report, type InfoOptions } from './reports.js';
import { BAD_SIGNATURE, CORS, json, pyramidError, send, type Reply } from './http.js';
import { channelConfigBody, connectBody, connIdBody, deleteMessage, editMessage, infoBody, postMessage, subscribeBody, userStateBody } from './schemas.js';
import { sign, unsign } from './signer.js';
import { check, Invalid, list, shortened, type Errors, type Field } from './validate.js';
import { pretty, uuidParse } from './wire.js';
import { nestsDeeper, PYTHON_JSON_DEPTH, tooDeep } from '../json-depth.js';

/** channelstream's REST API: who may call it, and what each path does. */

const MAX_AGE_SECONDS = 60;
const ADMIN_COOKIE = 'channelstream_admin';
const ADMIN_COOKIE_SECONDS = 30 * 24 * 3600;

/** api: signed and from an allowed address; admin: that, or the admin cookie; open: anyone. */
type Access = 'api' | 'admin' | 'open';

interface Call {
  req: IncomingMessage;
  url: URL;
  method: string;
  /** The JSON body; undefined when there is none (or it is a form). */
  body: unknown;
  form: URLSearchParams | undefined;
}

interface Route {
  methods: readonly string[];
  access: Access;
  handle(call: Call): Reply | Promise<Reply>;
}

const invalid = (errors: Errors): Reply => json(422, shortened(errors));
const sorted = (names: Iterable<string>): string[] => [...names].sort();
/** Compares secrets in constant time. */
const same = (a: string, b: string): boolean => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createRest(engine: Engine, hub: Hub, config: Config, secrets: Secrets): (req: IncomingMessage, res: ServerResponse, url: URL) => boolean {
  const conn = (id: string): Connection => {
    const c = engine.connections.get(id);
    if (!c) throw new Invalid({ conn_id: ['Unknown connection'] });
    return c;
  };
  /** conn_id may come from the query string as well as the body. */
  const withConnId = (call: Call): unknown => {
    const q = call.url.searchParams.get('conn_id');
    if (q === null) return call.body ?? {};
    if (call.body === undefined) return { conn_id: q };
    return isObject(call.body) && !('conn_id' in call.body) ? { ...call.body, conn_id: q } : call.body;
  };
  const channelsInfo = (c: Connection, info: InfoOptions & { channels: string[] }) =>
    report(engine, info.channels.length ? info.channels : sorted(c.channels), info);
  /** The messages of one /message call that name a channel or users, at most channelstreamMaxMessagesPerCall of them. */
  const batch = <T extends { channel?: string | null; pm_users: string[] }>(item: Field<T>, body: unknown): T[] =>
    check(list(item, 0, config.channelstreamMaxMessagesPerCall)(body)).filter((m) => m.channel || m.pm_users.length);

  const subscription = (call: Call, verb: 'subscribed_to' | 'unsubscribed_from'): Reply => {
    const b = check(subscribeBody(withConnId(call)));
    const c = conn(b.conn_id);
    const changed = verb === 'subscribed_to' ? engine.subscribe(c, b.channels, b.channel_configs) : engine.unsubscribe(c, b.channels);
    return json(200, { channels: sorted(c.channels), channels_info: channelsInfo(c, b.info), [verb]: changed });
  };

  const routes: Record<string, Route> = {
    '/connect': {
      methods: ['POST'],
      access: 'api',
      handle: (call) => {
        const b = check(connectBody(call.body ?? {}));
        const c = engine.connect(b, call.req);
        const u = c.user;
        return json(200, {
          conn_id: c.id,
          state: u.state,
          username: u.name,
          public_state: u.publicState(),
          channels: sorted(c.channels),
          channels_info: channelsInfo(c, b.info),
        });
      },
    },
    '/subscribe': { methods: ['POST'], access: 'api', handle: (call) => subscription(call, 'subscribed_to') },
    '/unsubscribe': { methods: ['POST'], access: 'api', handle: (call) => subscription(call, 'unsubscribed_from') },
    '/user_state': {
      methods: ['POST'],
      access: 'api',
      handle: (call) => {
        const b = check(userStateBody(call.body ?? {}));
        const user = engine.users.get(b.user);
        if (!user) throw new Invalid({ user: ['Unknown user'] });
        const changed = engine.setUserState(user, b.user_state, b.state_public_keys);
        return json(200, { user_state: user.state, changed_state: changed, public_keys: user.publicKeys });
      },
    },
    '/message': {
      methods: ['POST', 'PATCH', 'DELETE'],
      access: 'api',
      handle: (call) => {
        if (call.method === 'PATCH') {
          const edits = batch(editMessage, call.body);
          for (const e of edits) engine.edit(e);
          return json(200, edits);
        }
        if (call.method === 'DELETE') {
          const deletes = batch(deleteMessage, call.body);
          for (const d of deletes) engine.remove(d);
          return json(200, deletes);
        }
        const accepted = batch(postMessage, call.body).map((m) => ({
          pm_users: m.pm_users,
          exclude_users: m.exclude_users,
          channel: m.channel ?? null,
          no_history: m.no_history,
          uuid: m.uuid,
          timestamp: m.timestamp,
          user: m.user,
          message: m.message,
          edited: null,
        }));
        const reply = json(200, accepted);
        for (const m of accepted) engine.publish(m, 'relay');
        return reply;
      },
    },
    '/channel_config': {
      methods: ['POST'],
      access: 'api',
      handle: (call) => {
        const configs = check(channelConfigBody(call.body ?? {}));
        for (const [name, cfg] of Object.entries(configs)) engine.configure(name, cfg);
        return json(200, report(engine, Object.keys(configs), { include_history: false, include_users: false, return_public_state: false, exclude_channels: [] }));
      },
    },
    '/info': {
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      access: 'api',
      handle: (call) => {
        if (call.body === undefined)
          return json(200, report(engine, sorted(engine.channels.keys()), { include_history: true, include_users: true, return_public_state: false, exclude_channels: [] }));
        const { info } = check(infoBody(call.body));
        return json(200, report(engine, info.channels.length ? info.channels : sorted(engine.channels.keys()), info));
      },
    },
    '/disconnect': {
      methods: ['GET', 'POST'],
      access: 'open',
      handle: (call) => json(200, engine.disconnect(check(connIdBody(call.method === 'GET' ? Object.fromEntries(call.url.searchParams) : withConnId(call))).conn_id)),
    },
    '/listen': {
      methods: ['GET'],
      access: 'open',
      handle: async (call) => {
        const id = uuidParse(call.url.searchParams.get('conn_id'));
        if (!id) return json(422, ['Wrong UUID format']);
        const c = engine.connections.get(id);
        if (!c) return pyramidError(401, call.req);
        const callback = call.url.searchParams.get('callback');
        // A callback is echoed into the page: only a JavaScript name is accepted.
        if (callback !== null && !/^[A-Za-z_$][\w$.]{0,127}$/.test(callback)) return invalid({ callback: ['Not a JavaScript function name.'] });
        const messages = pretty(await engine.listen(c));
        // The original said text/html; the body carries what clients published, so it is served as
        // what it is (JSON, or a script for JSONP) and never sniffed, lest a page render it on this origin.
        const type = callback !== null ? 'application/javascript; charset=UTF-8' : 'application/json; charset=UTF-8';
        return { status: 200, body: callback !== null ? `${callback}(${messages})` : messages, headers: { ...CORS, 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' } };
      },
    },
    '/admin/admin.json': { methods: ['GET', 'POST'], access: 'admin', handle: () => json(200, adminReport(engine)) },
    '/admin/sign_in': {
      methods: ['POST'],
      access: 'open',
      handle: (call) => {
        const user = call.form?.get('username');
        if (!user || !same(user, config.channelstreamAdminUser) || !same(call.form?.get('password') ?? '', secrets.channelstreamAdminSecret)) return pyramidError(403, call.req);
        const cookie = `${ADMIN_COOKIE}=${sign(secrets.channelstreamAdminSecret, user)}; Path=/; Max-Age=${ADMIN_COOKIE_SECONDS}; HttpOnly; SameSite=Lax`;
        return { status: 302, body: '', headers: { Location: '/admin/admin.json', 'Set-Cookie': cookie } };
      },
    },
    '/admin/sign_out': {
      methods: ['GET', 'POST'],
      access: 'open',
      handle: () => ({ status: 302, body: '', headers: { Location: '/admin/admin.json', 'Set-Cookie': `${ADMIN_COOKIE}=; Path=/; Max-Age=0` } }),
    },
  };

  const allowed = (req: IncomingMessage): boolean => {
    const list = config.channelstreamAllowPostingFrom;
    return list.includes('0.0.0.0') || list.includes(remoteAddress(req));
  };
  const adminCookie = (req: IncomingMessage): boolean => {
    const raw = req.headers.cookie?.split(';').map((s) => s.trim()).find((s) => s.startsWith(`${ADMIN_COOKIE}=`));
    if (!raw) return false;
    try {
      return unsign(secrets.channelstreamAdminSecret, raw.slice(ADMIN_COOKIE.length + 1), { maxAgeSeconds: ADMIN_COOKIE_SECONDS }) === config.channelstreamAdminUser;
    } catch {
      return false;
    }
  };

  /** Serves a call and tells the observers of it with its answer (a capture replays a backend's calls). */
  async function serve(route: Route, req: IncomingMessage, url: URL): Promise<Reply> {
    const read = await readBody(req, { maxBytes: config.channelstreamMaxBodyBytes, timeoutMs: config.bodyTimeoutMs });
    // The rest of a refused body is never read, so the connection cannot carry another request.
    if ('over' in read)
      return read.over === 'size'
        ? json(413, { request: `the body is over ${config.channelstreamMaxBodyBytes} bytes` }, { Connection: 'close' })
        : json(408, { request: `the body did not arrive within ${config.bodyTimeoutMs} ms` }, { Connection: 'close' });
    const raw = read.text;
    const reply = await answer(route, req, url, raw);
    if (hub.observers.wants('requested'))
      hub.observers.requested({
        protocol: 'channelstream',
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.search.slice(1),
        remote: remoteAddress(req),
        body: raw,
        status: reply.status,
        response: reply.body,
      });
    return reply;
  }

  async function answer(route: Route, req: IncomingMessage, url: URL, raw: string): Promise<Reply> {
    const form = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(raw) : undefined;
    const header = req.headers['x-channelstream-secret'];
    const token = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('secret') ?? form?.get('secret') ?? undefined;
    let signed = false;
    if (token !== undefined) {
      try {
        unsign(secrets.channelstreamSecret, token, { maxAgeSeconds: config.channelstreamValidateRequests ? MAX_AGE_SECONDS : undefined });
        signed = true;
      } catch {
        return BAD_SIGNATURE();
      }
    }
    const api = signed && allowed(req);
    if ((route.access === 'api' && !api) || (route.access === 'admin' && !api && !adminCookie(req))) return pyramidError(403, req);
    let body: unknown;
    if (!form && raw.trim() !== '') {
      // Python's json gave up here with RecursionError (a 500 in the original).
      if (nestsDeeper(raw, PYTHON_JSON_DEPTH)) return json(400, { request: `the body is not valid JSON: ${tooDeep(PYTHON_JSON_DEPTH)}` });
      try {
        body = JSON.parse(raw);
      } catch (err) {
        return json(400, { request: `the body is not valid JSON: ${(err as Error).message}` });
      }
    }
    try {
      return await route.handle({ req, url, method: req.method ?? 'GET', body, form });
    } catch (err) {
      if (err instanceof Invalid) return invalid(err.errors);
      if (err instanceof RoomLimit) return json(503, { request: err.message });
      throw err;
    }
  }

  return (req, res, url) => {
    const route = routes[url.pathname];
    if (req.method === 'OPTIONS' && (route || url.pathname === '/ws')) {
      send(res, { status: 200, body: '', headers: { ...CORS, 'Content-Type': 'text/plain; charset=UTF-8' } });
      return true;
    }
    if (!route?.methods.includes(req.method ?? '')) return false;
    serve(route, req, url).then(
      (reply) => send(res, reply),
      (err: Error) => {
        hub.log.add('error', 'error', `channelstream ${req.method} ${url.pathname}: ${err.stack ?? err.message}`, { protocol: 'channelstream' });
        send(res, json(500, { request: `internal error: ${err.message}` }));
      },
    );
    return true;
  };
}
