/**
 * "Share on LAN": the addresses other machines can reach the relay at, each with a QR code a
 * phone can scan. It lives in the relay (not in a UI shell) so the desktop app and the browser
 * console show the same thing.
 */
import QRCode from 'qrcode';
import { pageOrigin, type ListenerInfo } from '../http/server.js';

export interface ShareAddress {
  /** A LAN address of this machine. */
  host: string;
  /** What a relay client connects to. */
  wsUrl: string;
  /** The browser console at this address, with the token it needs; the QR code holds it. */
  consoleUrl: string;
  /** The QR code of consoleUrl, as a standalone SVG document. */
  qrSvg: string;
}

const isLoopback = (host: string): boolean => host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';

/**
 * Every non-loopback address the main listener is reachable at (none while it is bound to
 * 127.0.0.1). `consoleUrl` turns an origin such as http://192.168.1.5:8765 into the console's URL.
 */
export async function lanShare(main: ListenerInfo, consoleUrl: (origin: string) => string): Promise<ShareAddress[]> {
  const out: ShareAddress[] = [];
  for (const wsUrl of main.urls) {
    const url = new URL(wsUrl);
    if (isLoopback(url.hostname)) continue;
    const link = consoleUrl(pageOrigin(wsUrl));
    out.push({ host: url.hostname, wsUrl, consoleUrl: link, qrSvg: await qrSvg(link) });
  }
  return out;
}

/** A QR code as SVG; medium error correction survives a phone camera at an angle. */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A self-contained page listing the shared addresses with their QR codes. It runs no script and
 * loads nothing, and says so in its Content-Security-Policy.
 */
export function sharePage(addresses: readonly ShareAddress[]): string {
  const body = addresses.length
    ? addresses
        .map(
          (a) => `<section>
<div class="qr">${a.qrSvg}</div>
<div><h2>${escapeHtml(a.host)}</h2>
<p>Relay clients: <code>${escapeHtml(a.wsUrl)}</code></p>
<p>Console (scan with a phone): <code>${escapeHtml(a.consoleUrl)}</code></p></div>
</section>`,
        )
        .join('\n')
    : '<p>This machine has no LAN address: connect it to a network, then share again.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Switchboard on the LAN</title>
<style>
body { font: 15px system-ui, sans-serif; margin: 24px; color: #1d2330; }
section { display: flex; gap: 20px; align-items: center; margin-bottom: 24px; }
.qr svg { width: 180px; height: 180px; }
code { user-select: all; word-break: break-all; }
</style></head>
<body><h1>Switchboard is shared on the LAN</h1>
${body}
</body></html>`;
}
