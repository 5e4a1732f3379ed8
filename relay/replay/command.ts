import { readCapture } from '../capture/read.js';
import { formatReport } from './report.js';
import { replay, type ReplayOptions } from './run.js';

export const REPLAY_USAGE = `Usage: switchboard replay FILE --url ws://HOST:PORT [options]

Re-creates each client of a capture (made with switchboard serve --record, or from the console)
as a real client of its protocol, sends its frames with the recorded timing, and reports, for
each client, the frames it received against the capture: missing, extra, reordered. Ids the
relay assigns are mapped from the capture to the replay. Exits 0 when nothing differed, 1 when
something did, 2 on a usage error or a capture that cannot be read.

  --url URL                    the relay to replay into (ws:// or wss://)
  --speed N                    play N times faster (0.5 is half speed); default 1
  --room R                     only the clients that were in room R (a msg-relay group, a spacewar
                               room such as /ws-relay/abc, an intercessor server id, a channel)
  --channelstream-secret S     signs channelstream's REST calls, as the capture's backend did
  --access-token T             the relay's access token, sent as Authorization: Bearer T
  --json                       the report as JSON instead of text
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

interface ReplayArgs extends ReplayOptions {
  file: string;
  json: boolean;
}

const VALUE_FLAGS = new Set(['--url', '--speed', '--room', '--channelstream-secret', '--access-token']);

export function parseReplayArgs(argv: readonly string[]): ReplayArgs {
  const values = new Map<string, string>();
  const files: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--json') json = true;
    else if (VALUE_FLAGS.has(flag)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`flag "${flag}" needs a value`);
      values.set(flag, v);
    } else if (flag.startsWith('-')) throw new UsageError(`unknown flag "${flag}" (see switchboard replay --help)`);
    else files.push(a);
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'name the capture file to replay' : `one capture file at a time, not ${files.length}`);
  const url = values.get('--url');
  if (!url) throw new UsageError('--url is needed: the relay to replay into, such as ws://127.0.0.1:8765');
  if (!/^wss?:\/\/[^/]+\/?$/.test(url)) throw new UsageError(`--url: expected ws://HOST:PORT or wss://HOST:PORT, got "${url}"`);
  const speedText = values.get('--speed') ?? '1';
  const speed = Number(speedText);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1000) throw new UsageError(`--speed: expected a number above 0 and at most 1000, got "${speedText}"`);
  return {
    file: files[0]!,
    json,
    url,
    speed,
    room: values.get('--room'),
    channelstreamSecret: values.get('--channelstream-secret'),
    accessToken: values.get('--access-token'),
  };
}

/** `switchboard replay`: returns the exit code. */
export async function replayCommand(argv: readonly string[], out: (text: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(REPLAY_USAGE);
    return 0;
  }
  const args = parseReplayArgs(argv);
  const capture = await readCapture(args.file);
  const report = await replay(capture, args);
  out(args.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return report.differed ? 1 : 0;
}
