import type { Bus } from './bus.js';
import { Delivery, type DeliveryLimits } from './delivery.js';
import { Hub } from './hub.js';
import { Keepalive } from './keepalive.js';
import { InProcessBus } from './local-bus.js';
import type { EventLog } from './log.js';
import { Observers } from './observe.js';
import { Routing } from './routing.js';

export interface CoreOptions extends Partial<DeliveryLimits> {
  /** Rooms in existence, all protocols together. */
  maxRooms?: number;
  /** The bus to route through; the in-process bus when not given. */
  bus?: (hub: Hub, delivery: Delivery) => Bus;
}

/** The relay's core, each part with one job; the dialects and the console are given these. */
export interface Core {
  /** Who watches what the relay does: the traffic tap, a capture, metrics. */
  observers: Observers;
  /** The registry: peers, rooms, presence, closing. */
  hub: Hub;
  /** Counters, the rate limit and the send-queue bound. */
  delivery: Delivery;
  /** Where routed frames go: this process's peers, or a cluster's. */
  bus: Bus;
  /** The one send path. */
  routing: Routing;
  keepalive: Keepalive;
  log: EventLog;
}

export function createCore(log: EventLog, options: CoreOptions = {}): Core {
  const { maxRooms, bus: makeBus, ...limits } = options;
  const observers = new Observers();
  const hub = new Hub(observers, log, maxRooms);
  const delivery = new Delivery(hub, limits);
  const bus = makeBus ? makeBus(hub, delivery) : new InProcessBus(hub, delivery);
  return { observers, hub, delivery, bus, routing: new Routing(hub, bus), keepalive: new Keepalive(hub), log };
}
