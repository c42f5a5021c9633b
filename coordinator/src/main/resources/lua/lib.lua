-- Shared by every script: it is prepended to each one when loaded (see LuaScripts.java).
-- Keys: every key of a swarm starts with the hash-tagged prefix bs:{swarm}:, so a script that
-- derives a package key from the prefix stays inside one Cluster slot.

local function pkg_key(prefix, id)
  return prefix .. 'pkg:' .. id
end

local function count(counts_key, from_state, to_state)
  if from_state and from_state ~= '' then
    redis.call('HINCRBY', counts_key, from_state, -1)
  end
  if to_state and to_state ~= '' then
    redis.call('HINCRBY', counts_key, to_state, 1)
  end
end

local function event(events_key, now, fields)
  local args = {'XADD', events_key, 'MAXLEN', '~', '100000', '*', 'ts', now}
  for i = 1, #fields do
    args[#args + 1] = fields[i]
  end
  return redis.call(unpack(args))
end

-- The fencing check every report (started, renew, complete, fail) passes before it is applied:
-- the package is leased (claimed or building), to this drone, under this token. Returns nil when
-- the report may be applied, else the reason it is refused (also recorded as an event).
local function refuse_unless_owner(pk, events_key, now, id, drone, token, report)
  local rec = redis.call('HMGET', pk, 'state', 'owner', 'token')
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
    event(events_key, now, {'type', 'refused', 'id', id, 'drone', drone, 'token', token,
      'report', report, 'reason', reason})
  end
  return reason, state
end

-- A verdict the drone sends again (it was not sure the first one arrived): the package already
-- ended under this very lease. Answered as applied, changing nothing; the first verdict stands.
local function already_finished(pk, drone, token)
  local rec = redis.call('HMGET', pk, 'state', 'owner', 'token')
  return (rec[1] == 'done' or rec[1] == 'failed') and rec[2] == drone and rec[3] == token
end
