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
 *   P next:<protocol>:<room>  the last id a per-room counter gave out (spacewar)
 *   P ids:<protocol>          HASH wire id -> peer key, for ids unique in the protocol
 *   P events                  channel of registry events
 *   P to:<node>               channel of frames and requests for one node
 *
 * A peer record is {k key, n node, p protocol, i id, r [[room, seq]...], q (id from a room
 * counter), m meta JSON, a address, t connected at}; the scripts read only k, p, i, r and q.
 */

const COMMON = `
local P = ARGV[1]
local function roomKey(rec, room) return P .. 'room:' .. rec.p .. ':' .. room end
local function purgePeer(rec)
  for _, pair in ipairs(rec.r) do
    local rk = roomKey(rec, pair[1])
    redis.call('ZREM', rk, rec.k)
    if redis.call('ZCARD', rk) == 0 then redis.call('DEL', P .. 'next:' .. rec.p .. ':' .. pair[1]) end
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
  local s = redis.call('INCR', P .. 'seq')
  redis.call('PUBLISH', P .. 'events', cjson.encode({e = 'gone', s = s, n = node}))
end
`;

/**
 * (Re)registers a node with all its peers, replacing whatever Redis held for it: at start and
 * after Redis came back. Counters are raised to the ids in use, so a Redis that restarted
 * empty never hands out an id a live peer has.
 * ARGV: P, node, info, heartbeat TTL ms, records JSON array, registry TTL ms.
 */
export const REGISTER = `${COMMON}
local node = ARGV[2]
purgeNode(node)
redis.call('SADD', P .. 'nodes', node)
redis.call('SET', P .. 'node:' .. node, ARGV[3], 'PX', ARGV[4])
local pk = P .. 'peers:' .. node
local out = {}
local s = redis.call('INCR', P .. 'seq')
for _, rec in ipairs(cjson.decode(ARGV[5])) do
  s = redis.call('INCR', P .. 'seq')
  for _, pair in ipairs(rec.r) do
    pair[2] = s
    redis.call('ZADD', roomKey(rec, pair[1]), s, rec.k)
    if rec.q then
      local ck = P .. 'next:' .. rec.p .. ':' .. pair[1]
      if tonumber(rec.i) > tonumber(redis.call('GET', ck) or '0') then redis.call('SET', ck, rec.i) end
    end
  end
  if not rec.q then redis.call('HSET', P .. 'ids:' .. rec.p, rec.i, rec.k) end
  local enc = cjson.encode(rec)
  redis.call('HSET', pk, rec.k, enc)
  out[#out + 1] = enc
end
redis.call('PEXPIRE', pk, ARGV[6])
redis.call('PUBLISH', P .. 'events', '{"e":"node","s":' .. s .. ',"n":' .. cjson.encode(node) .. ',"peers":[' .. table.concat(out, ',') .. ']}')
return s
`;

/**
 * A peer joins the cluster with its rooms. With mode "counter" its id is the next of its
 * room's counter; otherwise its id must be free in the protocol.
 * ARGV: P, node, record JSON, mode. Returns the stored record.
 */
export const JOIN = `${COMMON}
local node = ARGV[2]
if redis.call('SISMEMBER', P .. 'nodes', node) == 0 then return redis.error_reply('NOREG node ' .. node .. ' is not registered') end
local rec = cjson.decode(ARGV[3])
if ARGV[4] == 'counter' then
  rec.i = tostring(redis.call('INCR', P .. 'next:' .. rec.p .. ':' .. rec.r[1][1]))
  rec.q = 1
elseif redis.call('HSETNX', P .. 'ids:' .. rec.p, rec.i, rec.k) == 0 then
  return redis.error_reply('TAKEN id ' .. rec.i .. ' is taken')
end
local s = redis.call('INCR', P .. 'seq')
for _, pair in ipairs(rec.r) do
  pair[2] = s
  redis.call('ZADD', roomKey(rec, pair[1]), s, rec.k)
end
local enc = cjson.encode(rec)
redis.call('HSET', P .. 'peers:' .. node, rec.k, enc)
redis.call('PUBLISH', P .. 'events', '{"e":"join","s":' .. s .. ',"peer":' .. enc .. '}')
return enc
`;

/** A peer leaves. ARGV: P, node, key, close code, reason. Returns the event's sequence, 0 if unknown. */
export const LEAVE = `${COMMON}
local pk = P .. 'peers:' .. ARGV[2]
local v = redis.call('HGET', pk, ARGV[3])
if not v then return 0 end
purgePeer(cjson.decode(v))
redis.call('HDEL', pk, ARGV[3])
local s = redis.call('INCR', P .. 'seq')
redis.call('PUBLISH', P .. 'events', cjson.encode({e = 'leave', s = s, k = ARGV[3], n = ARGV[2], c = tonumber(ARGV[4]), w = ARGV[5]}))
return s
`;

/**
 * Refreshes a node's heartbeat and registry TTLs. Returns 0 when the node is not registered
 * (the others reaped it): it must register again.
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
if redis.call('SISMEMBER', P .. 'nodes', ARGV[2]) == 1 then nodeGone(ARGV[2]) end
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
