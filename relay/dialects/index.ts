import type { ProtocolName } from '../config/schema.js';
import { createChannelstream } from './channelstream/index.js';
import { createCompendium } from './compendium/index.js';
import { createIntercessor } from './intercessor/index.js';
import { createMsgRelay } from './msg-relay/index.js';
import { createSpacewar } from './spacewar/index.js';
import type { Dialect, DialectContext } from './types.js';

/** Every protocol the relay speaks. The order is the order paths are tried on a shared port. */
const FACTORIES: ((ctx: DialectContext) => Dialect)[] = [createMsgRelay, createCompendium, createSpacewar, createIntercessor, createChannelstream];

export function createDialects(ctx: DialectContext): Map<ProtocolName, Dialect> {
  return new Map(FACTORIES.map((make) => {
    const d = make(ctx);
    return [d.protocol, d];
  }));
}
