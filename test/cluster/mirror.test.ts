import { describe, expect, it } from 'vitest';
import { ClusterMirror, type PeerRecord } from '../../relay/cluster/mirror.js';

/** The mirror's "when this peer is known" hook, which a name lookup waits on (RedisBus.named). */

const record = (node: string, local: string): PeerRecord => ({ k: `${node}/${local}`, n: node, p: 'compendium', i: local, r: [], x: ['svc'], m: '""', a: '127.0.0.1', t: 1 });

/** Whether the promise has settled once the microtasks queued so far have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('ClusterMirror.whenKnown', () => {
  it('answers at once with a peer it already has', async () => {
    const mirror = new ClusterMirror();
    mirror.apply({ e: 'join', s: 1, peer: record('node2', 'p1') });
    expect((await mirror.whenKnown('node2/p1', 2000))?.id).toBe('p1');
  });

  it('waits for the join that brings the peer, then answers with it', async () => {
    const mirror = new ClusterMirror();
    const known = mirror.whenKnown('node2/p7', 2000);
    const other = mirror.whenKnown('node2/p8', 2000);
    expect(await settled(known)).toBe(false);
    mirror.apply({ e: 'join', s: 1, peer: record('node2', 'p6') });
    expect(await settled(known)).toBe(false);
    mirror.apply({ e: 'join', s: 2, peer: record('node2', 'p7') });
    const peer = await known;
    expect(peer?.key).toBe('node2/p7');
    expect(peer?.names.has('svc')).toBe(true);
    expect(await settled(other)).toBe(false);
  });

  it('hears of the peer from a node registering again and from a snapshot too', async () => {
    const mirror = new ClusterMirror();
    const fromNode = mirror.whenKnown('node3/p1', 2000);
    const fromSnapshot = mirror.whenKnown('node4/p1', 2000);
    mirror.apply({ e: 'node', s: 1, n: 'node3', peers: [record('node3', 'p1')] });
    expect((await fromNode)?.node).toBe('node3');
    mirror.load({ seq: 5, nodes: [{ name: 'node4', info: undefined, peers: [record('node4', 'p1')] }] });
    expect((await fromSnapshot)?.node).toBe('node4');
  });

  it('gives up with undefined after its bound, and a later join answers only the lookups still waiting', async () => {
    const mirror = new ClusterMirror();
    expect(await mirror.whenKnown('node2/p9', 30)).toBeUndefined();
    const later = mirror.whenKnown('node2/p9', 2000);
    mirror.apply({ e: 'join', s: 1, peer: record('node2', 'p9') });
    expect((await later)?.key).toBe('node2/p9');
  });
});
