import { byId, clock, h, hueOf, relaySocketUrl } from '../common.js';

/**
 * A group chat over msg-relay. The room is the peer group and the nickname the peer metadata
 * (both set in the query: browsers cannot send the original's x-peer-* headers). The relay names
 * senders only by connection id, so members are tracked from list_peers, peer_connect and
 * peer_disconnect to show nicknames. The relay lowercases both, so the page does too.
 */

interface PeerInfo {
  connection_id: string;
  peer_meta: string;
}

interface Frame {
  message_type?: string;
  from?: string;
  connection_id?: string;
  peer?: PeerInfo;
  peer_list?: PeerInfo[];
  msg?: unknown;
}

const joinForm = byId<HTMLFormElement>('join');
const nickInput = byId<HTMLInputElement>('nick');
const roomInput = byId<HTMLInputElement>('room');
const joinError = byId('join-error');
const chat = byId('chat');
const status = byId('status');
const roomLabel = byId('room-label');
const memberList = byId('members');
const memberCount = byId('member-count');
const messages = byId('messages');
const composer = byId<HTMLFormElement>('composer');
const textInput = byId<HTMLInputElement>('text');

const NICK_KEY = 'switchboard-demo-nick';

let socket: WebSocket | undefined;
let selfId = '';
/** Connection id to nickname, in the order peers were seen. */
const members = new Map<string, string>();

nickInput.value = localStorage.getItem(NICK_KEY) ?? '';
roomInput.value = new URLSearchParams(location.search).get('room') ?? 'lobby';

joinForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const nick = nickInput.value.trim().toLowerCase();
  const room = roomInput.value.trim().toLowerCase();
  if (!nick || !room) return;
  localStorage.setItem(NICK_KEY, nick);
  const url = new URL(location.href);
  url.searchParams.set('room', room);
  history.replaceState(null, '', url);
  join(nick, room);
});

composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = textInput.value.trim();
  if (!text || socket?.readyState !== WebSocket.OPEN) return;
  // "*" matches every nickname; the relay sends a group message to everyone in it but the sender.
  socket.send(JSON.stringify({ to: 'group', meta_filter: '*', msg: text }));
  showMessage(selfId, text, true);
  textInput.value = '';
  textInput.focus();
});

byId('leave').addEventListener('click', () => {
  socket?.close(1000, 'left the chat');
  socket = undefined;
  chat.hidden = true;
  joinForm.hidden = false;
  setStatus('idle', 'not joined');
  roomLabel.textContent = '';
});

function join(nick: string, room: string): void {
  members.clear();
  messages.replaceChildren();
  selfId = '';
  joinError.textContent = '';
  joinForm.hidden = true;
  chat.hidden = false;
  roomLabel.textContent = `#${room}`;
  setStatus('connecting', 'connecting…');
  renderMembers();

  const ws = new WebSocket(relaySocketUrl(`/msg-relay?group=${encodeURIComponent(room)}&meta=${encodeURIComponent(nick)}`));
  socket = ws;
  ws.addEventListener('open', () => setStatus('open', 'connected'));
  ws.addEventListener('message', (e: MessageEvent<string>) => {
    let frame: Frame;
    try {
      frame = JSON.parse(e.data) as Frame;
    } catch {
      return; // "pong", the relay's answer to a text "ping", is the one frame that is not JSON.
    }
    receive(ws, frame, nick);
  });
  ws.addEventListener('close', (e) => {
    if (socket !== ws) return;
    setStatus('closed', 'disconnected');
    notice(`Disconnected${e.reason ? `: ${e.reason}` : ''}. Leave and join again to reconnect.`);
  });
}

function receive(ws: WebSocket, frame: Frame, nick: string): void {
  switch (frame.message_type) {
    case 'connection_id':
      selfId = frame.connection_id ?? '';
      members.set(selfId, nick);
      ws.send(JSON.stringify({ to: 'host', command: 'list_peers', meta_filter: '*' }));
      break;
    case 'peer_list':
      for (const p of frame.peer_list ?? []) members.set(p.connection_id, p.peer_meta);
      break;
    case 'peer_connect':
      if (!frame.peer) return;
      members.set(frame.peer.connection_id, frame.peer.peer_meta);
      notice(`${frame.peer.peer_meta} joined`);
      break;
    case 'peer_disconnect':
      if (!frame.peer) return;
      members.delete(frame.peer.connection_id);
      notice(`${frame.peer.peer_meta} left`);
      break;
    case 'peer_communication':
      showMessage(frame.from ?? '', typeof frame.msg === 'string' ? frame.msg : JSON.stringify(frame.msg ?? frame), false);
      return;
    default:
      return;
  }
  renderMembers();
}

function nameOf(id: string): string {
  // The operator's messages come from "host" (sent from the relay's console).
  return members.get(id) ?? (id === 'host' ? 'operator' : `${id.slice(0, 6)}…`);
}

function renderMembers(): void {
  const items = [...members].map(([id, name]) =>
    h('li', { 'data-peer-id': id, 'data-self': id === selfId }, h('span', { class: 'dot', style: `background:hsl(${hueOf(name)} 70% 60%)` }), id === selfId ? `${name} (you)` : name),
  );
  memberList.replaceChildren(...items);
  memberCount.textContent = members.size ? `(${members.size})` : '';
}

function showMessage(from: string, text: string, mine: boolean): void {
  const name = nameOf(from);
  const now = new Date();
  append(
    h(
      'li',
      { class: mine ? 'msg mine' : 'msg', 'data-from': name },
      h('span', { class: 'who', style: `color:hsl(${hueOf(name)} 70% 68%)` }, mine ? 'you' : name),
      h('time', { datetime: now.toISOString() }, clock(now)),
      h('span', { class: 'text' }, text),
    ),
  );
}

function notice(text: string): void {
  append(h('li', { class: 'notice' }, text));
}

/** Keeps the view at the newest message unless the reader scrolled up to read older ones. */
function append(item: HTMLElement): void {
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  messages.append(item);
  // A long chat keeps only its latest messages: the page stays light on a phone.
  while (messages.childElementCount > 500) messages.firstElementChild?.remove();
  if (atBottom) messages.scrollTop = messages.scrollHeight;
}

function setStatus(state: string, text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}
