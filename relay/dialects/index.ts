import type { ProtocolName } from '../config/schema.js';
import { createChannelstream } from './channelstream/index.js';
import { createMsgRelay } from './msg-relay/index.js';
import type { Dialect, DialectContext } from './types.js';

/** Every protocol the relay speaks. The order is the order paths are tried on a shared port. */
const FACTORIES: ((ctx: DialectContext) => Dialect)[] = [createMsgRelay, createChannelstream];

export function createDialects(ctx: DialectContext): Map<ProtocolName, Dialect> {
  return new Map(FACTORIES.map((make) => {
    const d = make(ctx);
    return [d.protocol, d];
  }));
}
