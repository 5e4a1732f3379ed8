/**
 * The console's Content-Security-Policy, the same whether the relay serves it to a browser at
 * /console/ or the desktop app's window loads it: scripts and styles only from the bundle, no
 * eval, no plugins, and network only back to its own origin (the browser console's API socket;
 * CSP Level 3 lets 'self' match ws: and wss: on the same host). Inline style attributes are
 * allowed because they cannot run code and UI libraries set them. No page may frame it, so no
 * other site can overlay the console's buttons (clickjacking).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every console page and asset: the CSP, and the same refusal to be framed for browsers without CSP 2. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
