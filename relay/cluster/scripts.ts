/**
 * The cluster's state changes, as Lua scripts. Redis runs each one alone, so a change and the
 * event that announces it (PUBLISH on the events channel) happen at one instant: every node
 * hears the events in the order the state changed. Every event carries `s`, the value of the
 * cluster's sequence counter after it, which orders it against a snapshot.
 *
 * Keys (P is the prefix, ARGV[1] of every script):
 *   P seq                     the sequence counter
 *   P nodes                   SET of registered node names
 *   P node:<node>             the node's heartbeat: its info JSON, with a TTL
 *   P peers:<node>            HASH peer key -> peer record JSON (the registry of that node)
 *   P room:<protocol>:<room>  ZSET peer key, scored by join sequence (order across nodes)
 *   P next:<protocol>:<room>  the last number a room gave out (spacewar's ids)
 *   P holds:<protocol>:<room> ZSET numbers given out whose peer has not entered yet, by expiry
 *   P ids:<protocol>          HASH wire id -> peer key, for ids unique in the protocol
 *   P names:<protocol>        HASH claimed name -> peer key (compendium's addresses)
 *   P events                  channel of registry events
 *   P to:<node>               channel of frames and requests for one node
 *
 * A peer record is {k key, n node, p protocol, i id, r [[room, seq]...], x [names...],
 * q (its id is a room's number), m meta JSON, a address, t connected at}.
 */

const COMMON = `
local P = ARGV[1]
local function roomKey(p, room) return P .. 'room:' .. p .. ':' .. room end
local function list(t) if type(t) ~= 'table' then return {} end return t end
local function emit(event)
  event.s = redis.call('INCR', P .. 'seq')
  redis.call('PUBLISH', P .. 'events', cjson.encode(event))
  return event.s
end
local function exitRoom(rec, room)
  local rk = roomKey(rec.p, room)
  redis.call('ZREM', rk, rec.k)
  if redis.call('ZCARD', rk) == 0 and redis.call('ZCARD', P .. 'holds:' .. rec.p .. ':' .. room) == 0 then
    redis.call('DEL', P .. 'next:' .. rec.p .. ':' .. room)
  end
end
local function enterRoom(rec, room, s)
  redis.call('ZADD', roomKey(rec.p, room), s, rec.k)
  if rec.q then redis.call('ZREM', P .. 'holds:' .. rec.p .. ':' .. room, rec.i) end
end
local function purgePeer(rec)
  for _, pair in ipairs(list(rec.r)) do exitRoom(rec, pair[1]) end
  for _, name in ipairs(list(rec.x)) do
    local nk = P .. 'names:' .. rec.p
    if redis.call('HGET', nk, name) == rec.k then redis.call('HDEL', nk, name) end
  end
  if not rec.q then
    local ik = P .. 'ids:' .. rec.p
    if redis.call('HGET', ik, rec.i) == rec.k then redis.call('HDEL', ik, rec.i) end
  end
end
local function purgeNode(node)
  local pk = P .. 'peers:' .. node
  for _, v in ipairs(redis.call('HVALS', pk)) do purgePeer(cjson.decode(v)) end
  redis.call('DEL', pk)
end
local function nodeGone(node)
  purgeNode(node)
  redis.call('SREM', P .. 'nodes', node)
  redis.call('DEL', P .. 'node:' .. node)
  emit({e = 'gone', n = node})
end
local function registered(node)
  if redis.call('SISMEMBER', P .. 'nodes', node) == 0 then return false end
  return true
end
`;

/** Reads a peer's record, changes it, stores it: for the scripts that change one peer. */
const ONE_PEER = `${COMMON}
local node, key = ARGV[2], ARGV[3]
local pk = P .. 'peers:' .. node
local stored = redis.call('HGET', pk, key)
if not stored then return 0 end
local rec = cjson.decode(stored)
rec.r = list(rec.r)
rec.x = list(rec.x)
local function save() redis.call('HSET', pk, key, cjson.encode(rec)) end
`;

/**
 * (Re)registers a node with all its peers, replacing whatever Redis held for it: at start and
 * after Redis came back. Counters are raised to the numbers in use, so a Redis that restarted
 * empty never gives out a number a live peer has.
 * ARGV: P, node, info, heartbeat TTL ms, records JSON array, registry TTL ms.
 */
export const REGISTER = `${COMMON}
local node = ARGV[2]
purgeNode(node)
redis.call('SADD', P .. 'nodes', node)
redis.call('SET', P .. 'node:' .. node, ARGV[3], 'PX', ARGV[4])
local pk = P .. 'peers:' .. node
local out = {}
for _, rec in ipairs(cjson.decode(ARGV[5])) do
  local s = redis.call('INCR', P .. 'seq')
  for _, pair in ipairs(list(rec.r)) do
    pair[2] = s
    enterRoom(rec, pair[1], s)
    if rec.q then
      local ck = P .. 'next:' .. rec.p .. ':' .. pair[1]
      if tonumber(rec.i) > tonumber(redis.call('GET', ck) or '0') then redis.call('SET', ck, rec.i) end
    end
  end
  for _, name in ipairs(list(rec.x)) do redis.call('HSET', P .. 'names:' .. rec.p, name, rec.k) end
  if not rec.q then redis.call('HSET', P .. 'ids:' .. rec.p, rec.i, rec.k) end
  local enc = cjson.encode(rec)
  redis.call('HSET', pk, rec.k, enc)
  out[#out + 1] = enc
end
redis.call('PEXPIRE', pk, ARGV[6])
local s = redis.call('INCR', P .. 'seq')
redis.call('PUBLISH', P .. 'events', '{"e":"node","s":' .. s .. ',"n":' .. cjson.encode(node) .. ',"peers":[' .. table.concat(out, ',') .. ']}')
return s
`;

/**
 * A peer joins the cluster, with the rooms it is already in and the names it claimed. An id
 * that is not a room's number must be free in the protocol. ARGV: P, node, record JSON.
 */
export const JOIN = `${COMMON}
local node = ARGV[2]
if not registered(node) then return redis.error_reply('NOREG node ' .. node .. ' is not registered') end
local rec = cjson.decode(ARGV[3])
rec.r = list(rec.r)
if not rec.q and redis.call('HSETNX', P .. 'ids:' .. rec.p, rec.i, rec.k) == 0 then
  return redis.error_reply('TAKEN id ' .. rec.i .. ' is taken')
end
local s = redis.call('INCR', P .. 'seq')
for _, pair in ipairs(rec.r) do
  pair[2] = s
  enterRoom(rec, pair[1], s)
end
for _, name in ipairs(list(rec.x)) do redis.call('HSET', P .. 'names:' .. rec.p, name, rec.k) end
local enc = cjson.encode(rec)
redis.call('HSET', P .. 'peers:' .. node, rec.k, enc)
redis.call('PUBLISH', P .. 'events', '{"e":"join","s":' .. s .. ',"peer":' .. enc .. '}')
return s
`;

/** A peer leaves, with its rooms and names. ARGV: P, node, key, close code, reason. */
export const LEAVE = `${ONE_PEER}
purgePeer(rec)
redis.call('HDEL', pk, key)
return emit({e = 'leave', k = key, c = tonumber(ARGV[4]), w = ARGV[5]})
`;

/** A peer enters a room. ARGV: P, node, key, room. */
export const ENTER = `${ONE_PEER}
local s = redis.call('INCR', P .. 'seq')
rec.r[#rec.r + 1] = {ARGV[4], s}
enterRoom(rec, ARGV[4], s)
save()
redis.call('PUBLISH', P .. 'events', cjson.encode({e = 'enter', s = s, k = key, room = ARGV[4]}))
return s
`;

/** A peer leaves one room. ARGV: P, node, key, room. */
export const EXIT = `${ONE_PEER}
local kept = {}
for _, pair in ipairs(rec.r) do if pair[1] ~= ARGV[4] then kept[#kept + 1] = pair end end
rec.r = kept
exitRoom(rec, ARGV[4])
save()
return emit({e = 'exit', k = key, room = ARGV[4]})
`;

/** A peer's metadata changed. ARGV: P, node, key, meta JSON. */
export const DESCRIBE = `${ONE_PEER}
rec.m = ARGV[4]
save()
return emit({e = 'meta', k = key, m = ARGV[4]})
`;

/** A peer claims a name, findable from every node. ARGV: P, node, key, name. */
export const CLAIM = `${ONE_PEER}
rec.x[#rec.x + 1] = ARGV[4]
save()
redis.call('HSET', P .. 'names:' .. rec.p, ARGV[4], key)
return emit({e = 'claim', k = key, name = ARGV[4]})
`;

/** A peer gives a name up. ARGV: P, node, key, name. */
export const RELEASE = `${ONE_PEER}
local kept = {}
for _, name in ipairs(rec.x) do if name ~= ARGV[4] then kept[#kept + 1] = name end end
rec.x = kept
save()
local nk = P .. 'names:' .. rec.p
if redis.call('HGET', nk, ARGV[4]) == key then redis.call('HDEL', nk, ARGV[4]) end
return emit({e = 'release', k = key, name = ARGV[4]})
`;

/**
 * The next number of a room: 1 when nobody is in it on any node and no number is on its way
 * to a peer; held until that peer enters (or the hold expires). ARGV: P, protocol, room, hold ms.
 */
export const NUMBER = `
local P, p, room = ARGV[1], ARGV[2], ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hk = P .. 'holds:' .. p .. ':' .. room
local ck = P .. 'next:' .. p .. ':' .. room
redis.call('ZREMRANGEBYSCORE', hk, '-inf', now)
if redis.call('ZCARD', P .. 'room:' .. p .. ':' .. room) == 0 and redis.call('ZCARD', hk) == 0 then redis.call('DEL', ck) end
local n = redis.call('INCR', ck)
redis.call('ZADD', hk, now + tonumber(ARGV[4]), n)
redis.call('PEXPIRE', hk, ARGV[4])
return n
`;

/** Who claimed a name. ARGV: P, protocol, name. Returns the peer's key or false. */
export const NAMED = `
return redis.call('HGET', ARGV[1] .. 'names:' .. ARGV[2], ARGV[3])
`;

/**
 * Refreshes a node's heartbeat and registry TTLs and tells the others its info. Returns 0
 * when the node is not registered (the others reaped it): it must register again.
 * ARGV: P, node, info, heartbeat TTL ms, registry TTL ms.
 */
export const HEARTBEAT = `
local P = ARGV[1]
if redis.call('SISMEMBER', P .. 'nodes', ARGV[2]) == 0 then return 0 end
redis.call('SET', P .. 'node:' .. ARGV[2], ARGV[3], 'PX', ARGV[4])
redis.call('PEXPIRE', P .. 'peers:' .. ARGV[2], ARGV[5])
redis.call('PUBLISH', P .. 'events', '{"e":"beat","n":' .. cjson.encode(ARGV[2]) .. ',"info":' .. ARGV[3] .. '}')
return 1
`;

/** Removes every registered node whose heartbeat expired, with its peers. Returns their names. */
export const REAP = `${COMMON}
local gone = {}
for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if redis.call('EXISTS', P .. 'node:' .. n) == 0 then
    nodeGone(n)
    gone[#gone + 1] = n
  end
end
return gone
`;

/** A node leaves the cluster on purpose. ARGV: P, node. */
export const DEREGISTER = `${COMMON}
if registered(ARGV[2]) then nodeGone(ARGV[2]) end
return 1
`;

/** The whole registry at one instant: [seq, node, info, [records...], node, info, [...], ...]. */
export const SNAPSHOT = `
local P = ARGV[1]
local out = { redis.call('GET', P .. 'seq') or '0' }
for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  out[#out + 1] = n
  out[#out + 1] = redis.call('GET', P .. 'node:' .. n) or ''
  out[#out + 1] = redis.call('HVALS', P .. 'peers:' .. n)
end
return out
`;
