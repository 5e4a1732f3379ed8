import WebSocket from 'ws';
import { pool } from './load.js';

/**
 * One load-generator process of the cluster's idle scenario: argv port, count, group prefix.
 * It opens `count` msg-relay clients (groups of ten) to 127.0.0.1:port, waits for each greeting,
 * reports {connected, failures} over IPC, and closes them all when told to exit.
 */

const [port, count, group] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]!];
const sockets: WebSocket[] = [];
let failures = 0;

function connect(i: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/msg-relay?group=${group}-${Math.floor(i / 10)}`, { perMessageDeflate: false });
    const timer = setTimeout(() => fail(), 30_000);
    const fail = (): void => {
      clearTimeout(timer);
      failures++;
      ws.terminate();
      resolve();
    };
    ws.once('message', () => {
      clearTimeout(timer);
      sockets.push(ws);
      resolve();
    });
    ws.once('error', fail);
  });
}

await pool(count, 200, connect, 280_000);
process.send!({ connected: sockets.length, failures });
process.on('message', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));
