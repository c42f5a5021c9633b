-- Shared by every script: prepended to each one when loaded (see LuaScripts.java).
--
-- Keys: every key of a swarm starts with the hash-tagged prefix bs:{swarm}: (ARGV[1] of every
-- script). Scripts derive the keys they touch from it, so all of them live in one Cluster slot;
-- KEYS[1] is always one key of the swarm, for routing. See docs/redis-keys.md.

local P = {}

local function init(prefix)
  P.prefix = prefix
  P.ready = prefix .. 'ready'
  P.leases = prefix .. 'leases'
  P.delayed = prefix .. 'delayed'
  P.active = prefix .. 'active'
  P.counts = prefix .. 'counts'
  P.events = prefix .. 'events'
  P.fence = prefix .. 'fence'
  P.seq = prefix .. 'seq'
  P.history = prefix .. 'history'
  P.history_n = prefix .. 'history_n'
  P.paused = prefix .. 'paused'
end

local function pkg_key(id) return P.prefix .. 'pkg:' .. id end
local function deps_key(id) return P.prefix .. 'deps:' .. id end
local function dependents_key(id) return P.prefix .. 'dependents:' .. id end
local function log_key(id) return P.prefix .. 'log:' .. id end
local function terminal_key(state) return P.prefix .. 'state:' .. state end

-- Ready members are zero-padded ids: members with equal scores sort by id, i.e. queue order.
local function member(id) return string.format('%012d', tonumber(id)) end
local function id_of(m) return tostring(tonumber(m)) end

local TERMINAL = {done = true, failed = true, cancelled = true}

local function count(from_state, to_state)
  if from_state and from_state ~= '' then
    redis.call('HINCRBY', P.counts, from_state, -1)
  end
  if to_state and to_state ~= '' then
    redis.call('HINCRBY', P.counts, to_state, 1)
  end
end

local function event(now, fields)
  local args = {'XADD', P.events, 'MAXLEN', '~', '100000', '*', 'ts', now}
  for i = 1, #fields do
    args[#args + 1] = fields[i]
  end
  return redis.call(unpack(args))
end

-- The fencing check every report (started, renew, log, complete, fail, release) passes before it
-- is applied: the package is leased (claimed or building), to this drone, under this token.
-- Returns nil when the report may be applied, else the reason it is refused (also recorded).
local function refuse_unless_owner(id, drone, token, now, report)
  local rec = redis.call('HMGET', pkg_key(id), 'state', 'owner', 'token')
  local state, owner, current = rec[1], rec[2], rec[3]
  local reason = nil
  if not state then
    reason = 'no such package'
  elseif state ~= 'claimed' and state ~= 'building' then
    reason = 'package is ' .. state
  elseif owner ~= drone then
    reason = 'lease belongs to ' .. tostring(owner)
  elseif current ~= token then
    reason = 'stale token ' .. token .. ' (current ' .. tostring(current) .. ')'
  end
  if reason then
    event(now, {'type', 'refused', 'id', id, 'drone', drone, 'token', token, 'report', report,
      'reason', reason})
  end
  return reason, state
end

-- A verdict the drone sends again (it was not sure the first one arrived): the package already
-- ended under this very lease. Answered as applied, changing nothing; the first verdict stands.
local function already_finished(id, drone, token)
  local rec = redis.call('HMGET', pkg_key(id), 'state', 'owner', 'token')
  return (rec[1] == 'done' or rec[1] == 'failed') and rec[2] == drone and rec[3] == token
end

-- Learns how long a package name takes: an exponentially weighted mean, 0.7 old + 0.3 new, so
-- recent builds count most but one odd build does not swing it.
local function record_duration(key, duration_ms)
  local old = tonumber(redis.call('HGET', P.history, key))
  local mean = old and math.floor(old * 0.7 + duration_ms * 0.3 + 0.5) or duration_ms
  redis.call('HSET', P.history, key, mean)
  redis.call('HINCRBY', P.history_n, key, 1)
end

-- Into the ready index, in its place (priority, expected duration, queue order).
local function to_queued(id, from_state, now)
  local pk = pkg_key(id)
  redis.call('HSET', pk, 'state', 'queued', 'owner', '', 'token', '', 'lease_until', '',
    'ready_at', '', 'updated_ms', now)
  redis.call('ZREM', P.leases, id)
  redis.call('ZREM', P.delayed, id)
  redis.call('ZADD', P.ready, redis.call('HGET', pk, 'score'), member(id))
  count(from_state, 'queued')
end

local function to_blocked(id, from_state, now)
  redis.call('HSET', pkg_key(id), 'state', 'blocked', 'owner', '', 'token', '', 'lease_until', '',
    'ready_at', '', 'updated_ms', now)
  redis.call('ZREM', P.ready, member(id))
  redis.call('ZREM', P.leases, id)
  redis.call('ZREM', P.delayed, id)
  count(from_state, 'blocked')
end

-- Sets a terminal state and leaves every index. Dependents follow: released when the package is
-- done (if it was their last unfinished dependency), failed with a reason naming it otherwise.
local function to_terminal(id, from_state, state, now, reason)
  local pk = pkg_key(id)
  local atom = redis.call('HGET', pk, 'atom')
  redis.call('HSET', pk, 'state', state, 'finished_ms', now, 'updated_ms', now, 'lease_until', '',
    'ready_at', '')
  if reason then
    redis.call('HSET', pk, 'reason', reason)
  end
  redis.call('ZREM', P.ready, member(id))
  redis.call('ZREM', P.leases, id)
  redis.call('ZREM', P.delayed, id)
  if redis.call('HGET', P.active, atom) == id then
    redis.call('HDEL', P.active, atom)
  end
  redis.call('SADD', terminal_key(state), id)
  count(from_state, state)

  if state == 'done' then
    for _, d in ipairs(redis.call('SMEMBERS', dependents_key(id))) do
      redis.call('SREM', deps_key(d), id)
      if redis.call('SCARD', deps_key(d)) == 0 and redis.call('HGET', pkg_key(d), 'state') == 'blocked' then
        to_queued(d, 'blocked', now)
        event(now, {'type', 'unblocked', 'id', d, 'after', id})
      end
    end
    redis.call('DEL', dependents_key(id))
    return
  end
  -- Failed or cancelled: every package waiting on it, directly or not, cannot be built.
  local stack = {id}
  while #stack > 0 do
    local x = table.remove(stack)
    local x_atom = redis.call('HGET', pkg_key(x), 'atom')
    for _, d in ipairs(redis.call('SMEMBERS', dependents_key(x))) do
      local dk = pkg_key(d)
      if redis.call('HGET', dk, 'state') == 'blocked' then
        local why = 'dependency ' .. tostring(x_atom) .. ' ' .. (x == id and state or 'failed')
        if x == id and reason then
          why = why .. ': ' .. reason
        end
        local d_atom = redis.call('HGET', dk, 'atom')
        redis.call('HSET', dk, 'state', 'failed', 'reason', why, 'finished_ms', now,
          'updated_ms', now)
        if redis.call('HGET', P.active, d_atom) == d then
          redis.call('HDEL', P.active, d_atom)
        end
        redis.call('SADD', terminal_key('failed'), d)
        count('blocked', 'failed')
        event(now, {'type', 'failed', 'id', d, 'atom', d_atom, 'reason', why})
        stack[#stack + 1] = d
      end
    end
  end
end
