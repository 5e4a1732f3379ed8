import { byId, h, hueOf, relaySocketUrl } from '../common.js';

/**
 * Space duel over the Spacewar ws-relay protocol. Like the original client, the room is this
 * page's path and query (/demo/game/?room=abc plays in /ws-relay/demo/game/?room=abc). Every
 * player simulates its own ship and broadcasts it with `* report {json}`; each player decides
 * whether it was hit and tells the shooter with `<id> score`, as spacewar does. The relay only
 * relays: it sends `self`, `join` and `quit` itself.
 */

const W = 960;
const H = 720;
const REPORT_MS = 80;
const TURN = 3.6; // rad/s
const THRUST = 340; // units/s²
const DRAG = 0.55; // share of speed kept after one second
const MAX_SPEED = 460;
const BULLET_SPEED = 620;
const BULLET_LIFE = 1.1; // s
const MAX_BULLETS = 6;
const FIRE_EVERY = 0.22; // s
const HIT_RADIUS = 22;
const RESPAWN_AFTER = 1.4; // s
/** How far ahead a remote ship is drawn from its last report, so late reports don't jump too far. */
const MAX_EXTRAPOLATE = 0.3; // s

/** What a player reports, rounded to keep frames small. */
interface Report {
  x: number;
  y: number;
  a: number;
  vx: number;
  vy: number;
  /** Thrusting (draws the flame). */
  t: boolean;
  /** Exploded, waiting to respawn. */
  d: boolean;
  s: number;
  /** Bullets as [x, y, vx, vy]. */
  b: [number, number, number, number][];
}

interface Player {
  id: string;
  report?: Report;
  at: number;
}

interface Particle {
  x: number;
  y: number;
  vx: number;
  vy: number;
  life: number;
  hue: number;
}

const canvas = byId<HTMLCanvasElement>('arena');
const arena = canvas.parentElement!;
const ctx = canvas.getContext('2d')!;
const playerList = byId('players');
const status = byId('status');
const banner = byId('banner');

const params = new URLSearchParams(location.search);
byId('room-name').textContent = params.get('room') ?? 'public';
byId<HTMLAnchorElement>('new-room').href = `?room=${Math.random().toString(36).slice(2, 7)}`;

const players = new Map<string, Player>();
let particles: Particle[] = [];
/** The same sky for every player: a small seeded generator rather than Math.random. */
let seed = 7;
const rand = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
const stars = Array.from({ length: 160 }, () => ({ x: rand() * W, y: rand() * H, r: rand() * 1.8 + 1 }));

let selfId = '';
const me = {
  x: 0,
  y: 0,
  a: -Math.PI / 2,
  vx: 0,
  vy: 0,
  thrust: false,
  dead: false,
  respawnIn: 0,
  score: 0,
  cooldown: 0,
  bullets: [] as { x: number; y: number; vx: number; vy: number; life: number }[],
};
spawn();

// ---- the relay -----------------------------------------------------------------------------

const socket = new WebSocket(relaySocketUrl('/ws-relay' + location.pathname + location.search));
socket.addEventListener('open', () => setStatus('open', 'connected'));
socket.addEventListener('close', (e) => {
  setStatus('closed', 'disconnected');
  announce(`Disconnected${e.reason ? `: ${e.reason}` : ''}. Reload to play again.`, 0);
});
socket.addEventListener('message', (e: MessageEvent<string>) => {
  // As ws-relay.js reads a frame: the source, one space, the type, one space, the rest.
  const [source = '', type = ''] = e.data.split(' ', 2);
  receive(source, type, e.data.substring(source.length + type.length + 2));
});

function send(target: string, message: string): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(`${target} ${message}`);
}

function receive(source: string, type: string, rest: string): void {
  switch (type) {
    case 'self':
      selfId = source;
      break;
    case 'join':
      players.set(source, { id: source, at: performance.now() });
      announce(`${label(source)} joined`);
      break;
    case 'quit':
      players.delete(source);
      announce(`${label(source)} left`);
      break;
    case 'report': {
      const report = parseReport(rest);
      if (!report) return;
      const player = players.get(source) ?? { id: source, at: 0 };
      if (report.d && !player.report?.d) explode(player.report ?? report, hueOf(source));
      player.report = report;
      player.at = performance.now();
      players.set(source, player);
      return; // The scoreboard catches up on the next report tick.
    }
    case 'score':
      me.score++;
      announce(`You hit ${label(source)}!`);
      break;
    case 'chat':
      announce(`${source === '0' ? 'operator' : label(source)}: ${rest}`, 5000);
      return;
    default:
      return;
  }
  renderPlayers();
}

function parseReport(text: string): Report | undefined {
  try {
    const r = JSON.parse(text) as Partial<Report>;
    const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
    if (![r.x, r.y, r.a, r.vx, r.vy, r.s].every(finite)) return undefined;
    const b = Array.isArray(r.b) ? r.b.filter((x) => Array.isArray(x) && x.length === 4 && x.every(finite)).slice(0, MAX_BULLETS) : [];
    return { ...(r as Report), t: r.t === true, d: r.d === true, b };
  } catch {
    return undefined;
  }
}

function report(): void {
  const r = (n: number): number => Math.round(n);
  const state: Report = {
    x: r(me.x),
    y: r(me.y),
    a: Math.round(me.a * 100) / 100,
    vx: r(me.vx),
    vy: r(me.vy),
    t: me.thrust,
    d: me.dead,
    s: me.score,
    b: me.bullets.map((b) => [r(b.x), r(b.y), r(b.vx), r(b.vy)]),
  };
  send('*', `report ${JSON.stringify(state)}`);
}

// ---- input ---------------------------------------------------------------------------------

const held = { left: false, right: false, thrust: false, fire: false };
type Control = keyof typeof held;
const KEYS: Record<string, Control> = {
  ArrowLeft: 'left',
  KeyA: 'left',
  ArrowRight: 'right',
  KeyD: 'right',
  ArrowUp: 'thrust',
  KeyW: 'thrust',
  Space: 'fire',
};

function onKey(e: KeyboardEvent, down: boolean): void {
  const control = KEYS[e.code];
  if (!control) return;
  e.preventDefault();
  held[control] = down;
}
addEventListener('keydown', (e) => onKey(e, true));
addEventListener('keyup', (e) => onKey(e, false));
addEventListener('blur', () => (Object.keys(held) as Control[]).forEach((k) => (held[k] = false)));

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-control]')) {
  const control = button.dataset.control as Control;
  const press = (down: boolean) => (e: PointerEvent): void => {
    e.preventDefault();
    held[control] = down;
    button.toggleAttribute('data-pressed', down);
  };
  button.addEventListener('pointerdown', (e) => {
    button.setPointerCapture(e.pointerId);
    press(true)(e);
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) button.addEventListener(type, press(false));
  button.addEventListener('contextmenu', (e) => e.preventDefault());
}

// ---- simulation ----------------------------------------------------------------------------

function spawn(): void {
  me.x = 100 + Math.random() * (W - 200);
  me.y = 100 + Math.random() * (H - 200);
  me.vx = 0;
  me.vy = 0;
  me.a = -Math.PI / 2;
  me.dead = false;
}

const wrap = (v: number, size: number): number => ((v % size) + size) % size;

function step(dt: number): void {
  me.cooldown = Math.max(0, me.cooldown - dt);
  if (me.dead) {
    me.respawnIn -= dt;
    if (me.respawnIn <= 0) spawn();
  } else {
    me.a += ((held.right ? 1 : 0) - (held.left ? 1 : 0)) * TURN * dt;
    me.thrust = held.thrust;
    if (me.thrust) {
      me.vx += Math.cos(me.a) * THRUST * dt;
      me.vy += Math.sin(me.a) * THRUST * dt;
    }
    const keep = Math.pow(DRAG, dt);
    const speed = Math.hypot(me.vx, me.vy);
    const cap = speed > MAX_SPEED ? MAX_SPEED / speed : 1;
    me.vx *= keep * cap;
    me.vy *= keep * cap;
    me.x = wrap(me.x + me.vx * dt, W);
    me.y = wrap(me.y + me.vy * dt, H);
    if (held.fire && me.cooldown === 0 && me.bullets.length < MAX_BULLETS) {
      me.cooldown = FIRE_EVERY;
      const cos = Math.cos(me.a);
      const sin = Math.sin(me.a);
      me.bullets.push({ x: me.x + cos * 24, y: me.y + sin * 24, vx: me.vx + cos * BULLET_SPEED, vy: me.vy + sin * BULLET_SPEED, life: BULLET_LIFE });
    }
  }
  for (const b of me.bullets) {
    b.x = wrap(b.x + b.vx * dt, W);
    b.y = wrap(b.y + b.vy * dt, H);
    b.life -= dt;
  }
  me.bullets = me.bullets.filter((b) => b.life > 0);
  for (const p of particles) {
    p.x += p.vx * dt;
    p.y += p.vy * dt;
    p.life -= dt;
  }
  particles = particles.filter((p) => p.life > 0);
  if (!me.dead) checkHits();
}

/** Each player judges hits on its own ship: the shooter learns of it by `<id> score`. */
function checkHits(): void {
  const now = performance.now();
  for (const p of players.values()) {
    if (!p.report) continue;
    const age = Math.min(MAX_EXTRAPOLATE, (now - p.at) / 1000);
    for (const [x, y, vx, vy] of p.report.b) {
      const dx = wrap(x + vx * age - me.x + W / 2, W) - W / 2;
      const dy = wrap(y + vy * age - me.y + H / 2, H) - H / 2;
      if (Math.hypot(dx, dy) > HIT_RADIUS) continue;
      me.dead = true;
      me.respawnIn = RESPAWN_AFTER;
      me.bullets = [];
      explode(me, hueOf(selfId));
      send(p.id, 'score');
      announce(`${label(p.id)} got you`);
      return;
    }
  }
}

function explode(at: { x: number; y: number }, hue: number): void {
  for (let i = 0; i < 36; i++) {
    const angle = Math.random() * Math.PI * 2;
    const speed = 60 + Math.random() * 220;
    particles.push({ x: at.x, y: at.y, vx: Math.cos(angle) * speed, vy: Math.sin(angle) * speed, life: 0.4 + Math.random() * 0.6, hue });
  }
}

// ---- drawing -------------------------------------------------------------------------------

/** The largest arena of the world's shape that fits its box, drawn at the screen's own pixel density. */
function fit(): void {
  const box = arena.getBoundingClientRect();
  const width = Math.max(1, Math.min(box.width, (box.height * W) / H));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${(width * H) / W}px`;
  canvas.width = Math.round(width * devicePixelRatio);
  canvas.height = Math.round(((width * H) / W) * devicePixelRatio);
  // Resizing cleared the canvas after this frame was drawn: draw again, or it shows blank.
  draw();
}
new ResizeObserver(fit).observe(arena);

function drawShip(x: number, y: number, a: number, hue: number, thrust: boolean, name: string): void {
  ctx.save();
  ctx.translate(x, y);
  // The name keeps a readable size on a small screen: it is drawn in screen pixels.
  const scale = canvas.width / W;
  ctx.save();
  ctx.scale(1 / scale, 1 / scale);
  ctx.fillStyle = 'rgba(230,235,242,0.8)';
  ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.fillText(name, 0, 30 * scale + 14 * devicePixelRatio);
  ctx.restore();
  ctx.rotate(a);
  if (thrust) {
    ctx.fillStyle = `hsl(${30 + Math.random() * 20} 100% 60%)`;
    ctx.beginPath();
    ctx.moveTo(-12, -7);
    ctx.lineTo(-28 - Math.random() * 12, 0);
    ctx.lineTo(-12, 7);
    ctx.fill();
  }
  ctx.shadowColor = `hsl(${hue} 90% 60%)`;
  ctx.shadowBlur = 14;
  ctx.fillStyle = `hsl(${hue} 80% 62%)`;
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(24, 0);
  ctx.lineTo(-16, -15);
  ctx.lineTo(-9, 0);
  ctx.lineTo(-16, 15);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.restore();
}

function drawBullet(x: number, y: number, hue: number): void {
  ctx.fillStyle = `hsl(${hue} 100% 75%)`;
  ctx.beginPath();
  ctx.arc(x, y, 4, 0, Math.PI * 2);
  ctx.fill();
}

function draw(): void {
  const scale = canvas.width / W;
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = 'rgba(255,255,255,0.55)';
  for (const s of stars) ctx.fillRect(s.x, s.y, s.r, s.r);

  const now = performance.now();
  for (const p of players.values()) {
    const r = p.report;
    if (!r) continue;
    const hue = hueOf(p.id);
    const age = Math.min(MAX_EXTRAPOLATE, (now - p.at) / 1000);
    for (const [x, y, vx, vy] of r.b) drawBullet(wrap(x + vx * age, W), wrap(y + vy * age, H), hue);
    if (!r.d) drawShip(wrap(r.x + r.vx * age, W), wrap(r.y + r.vy * age, H), r.a, hue, r.t, label(p.id));
  }
  const hue = hueOf(selfId);
  for (const b of me.bullets) drawBullet(b.x, b.y, hue);
  if (!me.dead) drawShip(me.x, me.y, me.a, hue, me.thrust, 'you');
  for (const p of particles) {
    ctx.fillStyle = `hsla(${p.hue} 100% 65% / ${Math.min(1, p.life * 2)})`;
    ctx.fillRect(p.x - 1.5, p.y - 1.5, 3, 3);
  }
}

// ---- the page around the arena -------------------------------------------------------------

function label(id: string): string {
  return id === '0' ? 'operator' : `P${id}`;
}

/** The scoreboard; its data-x / data-y also let tests see where each ship is. */
function renderPlayers(): void {
  const row = (id: string, self: boolean, x: number | undefined, y: number | undefined, score: number) =>
    h(
      'li',
      { 'data-player-id': id, 'data-self': self, 'data-x': x, 'data-y': y },
      h('span', { class: 'dot', style: `background:hsl(${hueOf(id)} 80% 62%)` }),
      self ? `you (${label(id)})` : label(id),
      h('span', { class: 'score' }, String(score)),
    );
  const rows = [...players.values()].map((p) => row(p.id, false, p.report?.x, p.report?.y, p.report?.s ?? 0));
  if (selfId) rows.unshift(row(selfId, true, Math.round(me.x), Math.round(me.y), me.score));
  rows.sort((a, b) => Number(b.lastElementChild?.textContent) - Number(a.lastElementChild?.textContent));
  playerList.replaceChildren(...rows);
}

let bannerTimer: ReturnType<typeof setTimeout> | undefined;
/** A short line over the arena; 0 keeps it up. */
function announce(text: string, ms = 2500): void {
  banner.textContent = text;
  banner.hidden = false;
  clearTimeout(bannerTimer);
  if (ms > 0) bannerTimer = setTimeout(() => (banner.hidden = true), ms);
}

function setStatus(state: string, text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

let last = performance.now();
let sinceReport = 0;
function frame(now: number): void {
  const dt = Math.min(0.05, (now - last) / 1000);
  last = now;
  step(dt);
  sinceReport += dt * 1000;
  if (sinceReport >= REPORT_MS) {
    sinceReport = 0;
    report();
    renderPlayers();
  }
  draw();
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
