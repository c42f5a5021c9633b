-- Queue atoms, all in one step, or none: every dependency is checked before anything is written.
-- Dedupe: an atom already in the swarm in a state that is not terminal is not queued again (and its
-- dependencies are not changed); the caller is told its id and state. A package with unfinished
-- dependencies is blocked; a dependency built already (its atom's last package is done) is met.
-- KEYS: 1 state counts (routing)
-- ARGV: 1 prefix, 2 now ms, 3 priority, 4 default expected ms, 5 number of atoms, then per atom:
--       atom, cat/pkg key, its own priority ('' for the request's), number of dependencies,
--       dependency atoms... (dependencies come earlier
--       in the request or are in the swarm already; the caller orders the request)
-- Returns {-1, reason} when a dependency is unknown, else a flat list of (queued 1|0, package id,
-- state) per atom, in order.
init(ARGV[1])
local now, priority, default_ms = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local n = tonumber(ARGV[5])

local items = {}
local pos = 6
local in_request = {}
for i = 1, n do
  local item = {atom = ARGV[pos], key = ARGV[pos + 1], deps = {},
    priority = ARGV[pos + 2] ~= '' and tonumber(ARGV[pos + 2]) or priority}
  local ndeps = tonumber(ARGV[pos + 3])
  pos = pos + 4
  for j = 1, ndeps do
    local dep = ARGV[pos]
    pos = pos + 1
    if not in_request[dep] and not redis.call('HGET', P.active, dep) and not redis.call('HGET', P.built, dep) then
      return {-1, 'dependency ' .. dep .. ' of ' .. item.atom .. ' is neither in this request, nor queued, nor built'}
    end
    item.deps[#item.deps + 1] = dep
  end
  in_request[item.atom] = true
  items[i] = item
end

local out = {}
for _, item in ipairs(items) do
  local existing = redis.call('HGET', P.active, item.atom)
  if existing then
    local state = redis.call('HGET', pkg_key(existing), 'state')
    out[#out + 1] = 0; out[#out + 1] = existing; out[#out + 1] = state or 'unknown'
  else
    local id = tostring(redis.call('INCR', P.seq))
    local expected = expected_of(redis.call('HGET', P.history, item.key)) or default_ms
    -- Lower score is claimed first: higher priority, then longer expected build; equal scores go
    -- in queue order (ready members are zero-padded ids). Bounded in Java to stay exact.
    local score = string.format('%.0f', -(item.priority * 100000000 + math.floor(expected / 1000)))
    local dep_ids = {}
    for _, dep in ipairs(item.deps) do
      -- A dependency that is neither active nor in the request was built already: satisfied.
      local dep_id = redis.call('HGET', P.active, dep)
      if dep_id then
        dep_ids[#dep_ids + 1] = dep_id
        dep_ids[#dep_ids + 1] = dep
      end
    end
    local state = #dep_ids > 0 and 'blocked' or 'queued'
    -- The fields a build's claim and verdict read and write come first, the most used first, and
    -- exist from the start: Redis finds a field of a small hash by walking it from the front (a
    -- missing one by walking all of it), the largest single cost of claim and complete.
    redis.call('HSET', pkg_key(id), 'state', state, 'attempt', '0', 'owner', '', 'token', '',
      'atom', item.atom, 'verdict', '', 'updated_ms', now, 'avoid', '', 'key', item.key,
      'expected_ms', expected, 'drone', '', 'finished_ms', '', 'duration_ms', '', 'ready_at', '',
      'id', id, 'priority', item.priority, 'score', score, 'failures', '0', 'losses', '0',
      'enqueued_ms', now)
    redis.call('HSET', P.active, item.atom, id)
    open_work(id, 1, expected)
    for i = 1, #dep_ids, 2 do
      redis.call('HSET', deps_key(id), dep_ids[i], dep_ids[i + 1])
      redis.call('SADD', dependents_key(dep_ids[i]), id)
    end
    count(nil, state)
    if state == 'queued' then
      redis.call('ZADD', P.ready, score, member(id))
    end
    event(now, 'type', 'queued', 'id', id, 'atom', item.atom, 'state', state)
    out[#out + 1] = 1; out[#out + 1] = id; out[#out + 1] = state
  end
end
return out
