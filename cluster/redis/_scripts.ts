/**
 * The Lua scripts of the Redis engine. Each runs atomically in Redis and
 * first checks the node's fencing token: a node that was declared dead
 * (its liveness key expired, or holds another epoch) is told `fenced`
 * before it can change anything, so it never overwrites a newer
 * registration.
 *
 * Keys, under a prefix P:
 * - `P:node:ID` the node's epoch, with the node TTL; `P:nodes` the node ids.
 * - `P:names` name → owner (`ID|EPOCH|SESSION`); `P:held:ID` a node's names.
 * - `P:state` name → the state watchers were last told, with its version.
 * - `P:watch:NAME` the nodes that watch a name; `P:watching:ID` a node's.
 * Channels: `P:events` (broadcasts, lost nodes) and `P:to:ID` (one node's:
 * messages, replacements, interest, and the presence changes of the names
 * it watches, so that a change nobody watches costs no traffic at all).
 *
 * @module
 */

// Shared head of every script: the fencing check and the version clock.
// Versions come from Redis's clock (microseconds), kept above the name's
// last one, so that they grow across a Redis restart that lost the data.
const HEAD = `
local P, me, epoch = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', P .. ':node:' .. me) ~= epoch then return {'fenced'} end
local function version(name)
  local t = redis.call('TIME')
  local v = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local cur = redis.call('HGET', P .. ':state', name)
  if cur then
    local last = tonumber(cjson.decode(cur).version)
    if last and last >= v then v = last + 1 end
  end
  return string.format('%d', v)
end
local function nodeOf(owner) return string.match(owner, '^([^|]*)|') end
local function tellWatchers(name, change)
  local text = cjson.encode(change)
  for _, node in ipairs(redis.call('SMEMBERS', P .. ':watch:' .. name)) do
    if node ~= me then redis.call('PUBLISH', P .. ':to:' .. node, text) end
  end
end
`;

// Shared by JOIN and REAP: a node's names and watches are let go of. The
// names it still owns (not taken by another node since) are released and
// announced lost to every node at once, in one event.
const RELEASE = `
local function release(P, node, origin)
  local lost = {}
  for _, name in ipairs(redis.call('SMEMBERS', P .. ':held:' .. node)) do
    local owner = redis.call('HGET', P .. ':names', name)
    if owner and string.match(owner, '^([^|]*)|') == node then
      redis.call('HDEL', P .. ':names', name)
      redis.call('HDEL', P .. ':state', name)
      lost[#lost + 1] = name
    end
  end
  redis.call('DEL', P .. ':held:' .. node)
  for _, name in ipairs(redis.call('SMEMBERS', P .. ':watching:' .. node)) do
    redis.call('SREM', P .. ':watch:' .. name, node)
  end
  redis.call('DEL', P .. ':watching:' .. node)
  if #lost > 0 then
    local t = redis.call('TIME')
    redis.call('PUBLISH', P .. ':events', cjson.encode({t = 'lost', node = node,
      names = lost, version = string.format('%d', tonumber(t[1]) * 1000000 + tonumber(t[2])),
      origin = origin}))
  end
  return #lost
end
`;

/**
 * Joins for the first time under this id (no fencing check: it is the way
 * in): the names a previous run of the same node id left behind are lost,
 * and its watches forgotten.
 */
export const JOIN = RELEASE + `
local P, me, epoch, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('SET', P .. ':node:' .. me, epoch, 'PX', ttl)
redis.call('SADD', P .. ':nodes', me)
release(P, me, me)
return {'ok'}
`;

/** Registers the node again under a new epoch, keeping what it held. */
export const REGISTER = `
local P, me, epoch, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('SET', P .. ':node:' .. me, epoch, 'PX', ttl)
redis.call('SADD', P .. ':nodes', me)
return {'ok'}
`;

/** Extends the node's liveness key, if its epoch is still the node's. */
export const REFRESH = HEAD + `
redis.call('PEXPIRE', P .. ':node:' .. me, ARGV[4])
return {'ok'}
`;

/**
 * Claims a name for a session of this node (ARGV[4] name, ARGV[5] owner,
 * ARGV[6] only if free or ours: "1" when re-asserting). Tells the node
 * that held it to replace its session; publishes `online`.
 */
export const CLAIM = HEAD + `
local name, owner, gentle = ARGV[4], ARGV[5], ARGV[6]
local old = redis.call('HGET', P .. ':names', name)
if gentle == '1' and old and old ~= owner and nodeOf(old) ~= me then
  return {'taken'}
end
redis.call('HSET', P .. ':names', name, owner)
redis.call('SADD', P .. ':held:' .. me, name)
if old and old ~= owner and nodeOf(old) ~= me then
  redis.call('SREM', P .. ':held:' .. nodeOf(old), name)
  redis.call('PUBLISH', P .. ':to:' .. nodeOf(old),
    cjson.encode({t = 'replace', name = name, owner = old}))
end
local v = version(name)
local cur = redis.call('HGET', P .. ':state', name)
local was = cur and cjson.decode(cur).state or 'offline'
redis.call('HSET', P .. ':state', name, cjson.encode({state = 'online', version = v}))
if was ~= 'online' then
  tellWatchers(name, {t = 'presence', name = name, state = 'online',
    version = v, origin = me})
end
return {'ok', tostring(redis.call('SCARD', P .. ':watch:' .. name))}
`;

/**
 * Publishes a state change of a name this node holds (ARGV[4] name,
 * ARGV[5] owner, ARGV[6] state, ARGV[7] reason or "", ARGV[8] silentMs
 * or ""); `offline` releases the name.
 */
export const PUBLISH = HEAD + `
local name, owner, state, reason, silent = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if redis.call('HGET', P .. ':names', name) ~= owner then return {'stale'} end
local v = version(name)
local change = {t = 'presence', name = name, state = state, version = v, origin = me}
if reason ~= '' then change.reason = reason end
if silent ~= '' then change.silentMs = tonumber(silent) end
if state == 'offline' then
  redis.call('HDEL', P .. ':names', name)
  redis.call('SREM', P .. ':held:' .. me, name)
  redis.call('HDEL', P .. ':state', name)
else
  redis.call('HSET', P .. ':state', name, cjson.encode(change))
end
tellWatchers(name, change)
return {'ok'}
`;

/** Sends a message to the node holding a name (ARGV[4] name, ARGV[5] payload). */
export const SEND = HEAD + `
local owner = redis.call('HGET', P .. ':names', ARGV[4])
if not owner then return {'unknown'} end
local node = nodeOf(owner)
if node == me then return {'unknown'} end
if redis.call('PUBLISH', P .. ':to:' .. node, ARGV[5]) == 0 then return {'unknown'} end
return {'sent'}
`;

/** Publishes a broadcast (ARGV[4] payload). */
export const BROADCAST = HEAD + `
redis.call('PUBLISH', P .. ':events', ARGV[4])
return {'sent'}
`;

/**
 * Watches names from this node (ARGV[4..]): tells their holders a node is
 * interested, and answers their states.
 */
export const WATCH = HEAD + `
local out = {'ok'}
for i = 4, #ARGV do
  local name = ARGV[i]
  local added = redis.call('SADD', P .. ':watch:' .. name, me)
  redis.call('SADD', P .. ':watching:' .. me, name)
  local owner = redis.call('HGET', P .. ':names', name)
  if added == 1 and owner and nodeOf(owner) ~= me then
    redis.call('PUBLISH', P .. ':to:' .. nodeOf(owner),
      cjson.encode({t = 'interest', name = name}))
  end
  local cur = redis.call('HGET', P .. ':state', name)
  if owner and cur then
    out[#out + 1] = cur
  elseif owner then
    out[#out + 1] = cjson.encode({name = name, state = 'online', version = '0'})
  else
    out[#out + 1] = cjson.encode({name = name, state = 'offline', version = '0'})
  end
end
return out
`;

/** Stops watching names from this node (ARGV[4..]). */
export const UNWATCH = HEAD + `
for i = 4, #ARGV do
  redis.call('SREM', P .. ':watch:' .. ARGV[i], me)
  redis.call('SREM', P .. ':watching:' .. me, ARGV[i])
end
return {'ok'}
`;

/**
 * Reaps a dead node (ARGV[4] its id, ARGV[5] the lock's TTL): once, under
 * a lock, if its liveness key is gone: releases its names, forgets its
 * watches, and publishes one `node_lost` for all its names.
 */
export const REAP = HEAD + RELEASE + `
local dead, lockTtl = ARGV[4], ARGV[5]
if redis.call('EXISTS', P .. ':node:' .. dead) == 1 then return {'alive'} end
if not redis.call('SET', P .. ':reap:' .. dead, me, 'NX', 'PX', lockTtl) then
  return {'busy'}
end
redis.call('SREM', P .. ':nodes', dead)
return {'reaped', tostring(release(P, dead, me))}
`;
