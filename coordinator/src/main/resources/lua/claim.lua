-- Compare-and-claim: take the best queued package for a drone in one step.
-- KEYS: 1 ready, 2 leases, 3 state counts, 4 events, 5 fencing tokens
-- ARGV: 1 prefix, 2 now ms, 3 lease ttl ms, 4 drone name
-- Returns {1, id, atom, attempt, token} or {0} when nothing is ready.
local prefix, now, ttl, drone = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
for _ = 1, 32 do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #head == 0 then
    return {0}
  end
  local id = head[1]
  local pk = pkg_key(prefix, id)
  local state = redis.call('HGET', pk, 'state')
  redis.call('ZREM', KEYS[1], id)
  if state == 'queued' then
    local token = redis.call('INCR', KEYS[5])
    local attempt = redis.call('HINCRBY', pk, 'attempt', 1)
    local until_ms = now + ttl
    redis.call('HSET', pk, 'state', 'claimed', 'owner', drone, 'token', token,
      'lease_until', until_ms, 'drone', drone, 'updated_ms', now)
    redis.call('ZADD', KEYS[2], until_ms, id)
    count(KEYS[3], 'queued', 'claimed')
    local atom = redis.call('HGET', pk, 'atom')
    event(KEYS[4], now, {'type', 'claimed', 'id', id, 'atom', atom, 'drone', drone,
      'token', token, 'attempt', attempt})
    return {1, id, atom, attempt, token}
  end
  -- An id in the ready index whose package is not queued is an index left behind; it is dropped
  -- (above) and recorded, and the next candidate is tried.
  event(KEYS[4], now, {'type', 'index_repaired', 'id', id, 'index', 'ready',
    'state', tostring(state)})
end
return {0}
