import type { ProtocolName } from '../config/schema.js';
import type { Capture, FrameContent, HttpRecord, OpenRecord } from '../capture/format.js';

/** What one captured client did and what it was sent, in capture time (microseconds). */
export interface ClientPlan {
  /** The relay's key for it in the capture. */
  key: string;
  protocol: ProtocolName;
  /** Its wire id in the capture. */
  id: string;
  open: OpenRecord;
  /** channelstream: the /connect call that made it (its socket attaches right after). */
  connect?: HttpRecord;
  rooms: Set<string>;
  actions: ClientAction[];
  expected: Expected[];
}

/** A step, with how many of its expected frames the client had received when it took it in the capture. */
export type ClientAction = { t: number; seen: number } & ({ send: FrameContent } | { close: { code: number; reason: string } });

/** A frame the client was sent, or the relay closing it. */
export type Expected = { t: number; frame: string } | { t: number; close: { code: number; reason: string } };

export interface Plan {
  clients: ClientPlan[];
  /** Calls to a protocol's HTTP API other than the /connect that made a client, in order. */
  calls: HttpRecord[];
  /** Time of the last record, for how long the replay runs. */
  lastT: number;
  /** Frames from clients the capture did not see connect: they cannot be replayed. */
  unknownSenders: number;
}

/**
 * Sorts a capture into clients. Only clients whose open is in the capture can be re-created;
 * with `room`, only those that were in that room (a msg-relay group, a spacewar room, an
 * intercessor server's id, a channelstream channel).
 */
export function planReplay(capture: Capture, room?: string): Plan {
  const clients = new Map<string, ClientPlan>();
  const calls: HttpRecord[] = [];
  let lastT = 0;
  let unknownSenders = 0;
  for (const r of capture.records) {
    lastT = Math.max(lastT, r.t);
    switch (r.type) {
      case 'open': {
        const c: ClientPlan = { key: r.peer, protocol: r.protocol, id: r.id, open: r, rooms: new Set(), actions: [], expected: [] };
        if (r.protocol === 'spacewar') c.rooms.add(r.path + (r.query ? `?${r.query}` : ''));
        clients.set(r.peer, c);
        break;
      }
      case 'in': {
        const c = clients.get(r.peer);
        if (!c) {
          unknownSenders++;
          break;
        }
        if (r.room !== null) c.rooms.add(r.room);
        c.actions.push({ t: r.t, seen: c.expected.length, send: r.base64 !== undefined ? { base64: r.base64 } : { text: r.text ?? '' } });
        break;
      }
      case 'out':
        for (const key of r.to) {
          const c = clients.get(key);
          if (!c) continue;
          if (r.room !== null) c.rooms.add(r.room);
          c.expected.push({ t: r.t, frame: r.text ?? '' });
        }
        break;
      case 'close': {
        const c = clients.get(r.peer);
        if (!c) break;
        if (r.by === 'client') c.actions.push({ t: r.t, seen: c.expected.length, close: { code: r.code, reason: r.reason } });
        else c.expected.push({ t: r.t, close: { code: r.code, reason: r.reason } });
        break;
      }
      case 'http':
        if (!claimConnect(r, clients)) calls.push(r);
        break;
      case 'end':
        break;
    }
  }
  const all = [...clients.values()];
  return { clients: room === undefined ? all : all.filter((c) => c.rooms.has(room)), calls, lastT, unknownSenders };
}

/** A channelstream /connect that opened a client in the capture becomes that client's first step. */
function claimConnect(r: HttpRecord, clients: Map<string, ClientPlan>): boolean {
  if (r.protocol !== 'channelstream' || r.path !== '/connect' || r.status !== 200) return false;
  let connId: unknown;
  try {
    connId = (JSON.parse(r.response) as { conn_id?: unknown }).conn_id;
  } catch {
    return false;
  }
  for (const c of clients.values())
    if (c.protocol === 'channelstream' && c.id === connId && !c.connect) {
      c.connect = r;
      return true;
    }
  return false;
}
