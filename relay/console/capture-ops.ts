import { CaptureError } from '../capture/captures.js';
import { readCapture } from '../capture/read.js';
import type { Relay } from '../relay.js';
import { replay } from '../replay/run.js';
import type { ConsoleEvent, ConsoleOps } from './types.js';

type CaptureOp = 'captures' | 'startCapture' | 'stopCapture' | 'replayCapture';
type Ops = { [K in CaptureOp]: (params: ConsoleOps[K]['params']) => ConsoleOps[K]['result'] | Promise<ConsoleOps[K]['result']> };

/**
 * The console's capture requests: record, stop, list, and replay a capture into this relay
 * itself. `fail` turns a refusal into the console's own error type.
 */
export function captureOps(relay: Relay, broadcast: (event: ConsoleEvent) => void, fail: (message: string) => Error): Ops {
  const refused = (err: unknown): never => {
    throw err instanceof CaptureError ? fail(err.message) : err;
  };
  return {
    captures: () => relay.captures.overview(),
    startCapture: ({ maxBytes, maxSeconds }) => relay.captures.start({ by: 'console', maxBytes, maxSeconds }).catch(refused),
    stopCapture: () => relay.captures.stop(),
    // The parameters are checked (params.ts): a name, a speed in 0.01..1000, a room.
    replayCapture: ({ name, speed = 1, room }) => {
      const file = relay.captures.path(name);
      if (!file) throw fail(`no capture named "${name}" in this run`);
      if (relay.config.tlsCert) throw fail('the console replays only into a relay without TLS: run switchboard replay with --url wss://...');
      const main = relay.listeners.find((l) => l.main);
      if (!main) throw fail('the relay is not listening');
      relay.log.add('info', 'replay', `replaying ${name} into this relay at speed ${speed}`);
      readCapture(file)
        .then((capture) =>
          replay(capture, {
            // The first URL reaches the listener from this machine (127.0.0.1 when it is shared).
            url: main.urls[0]!.replace(/\/$/, ''),
            speed,
            room: room || undefined,
            channelstreamSecret: relay.config.channelstreamSecret,
            accessToken: relay.config.accessToken || undefined,
          }),
        )
        .then(
          (report) => broadcast({ type: 'replay', name, report }),
          (err: Error) => broadcast({ type: 'replay', name, error: err.message }),
        );
      return { started: true };
    },
  };
}
