-- Compare-and-claim: take the best ready package for a drone in one step. First moves delayed
-- packages whose backoff is over into the ready index. Prefers, among the best candidates, one
-- whose last failure was not on this drone.
-- KEYS: 1 ready (routing)
-- ARGV: 1 prefix, 2 now ms, 3 lease ttl ms, 4 drone name
-- Returns {1, id, atom, attempt, token}, or {0, why} when nothing is ready (or the queue is paused).
init(ARGV[1])
local now, ttl, drone = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if redis.call('EXISTS', P.paused) == 1 then
  return {0, 'paused'}
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P.delayed, '-inf', now, 'LIMIT', 0, 100)) do
  if redis.call('HGET', pkg_key(id), 'state') == 'delayed' then
    to_queued(id, 'delayed', ARGV[2])
  else
    redis.call('ZREM', P.delayed, id)
  end
end
for _ = 1, 32 do
  local candidates = redis.call('ZRANGE', P.ready, 0, 15)
  if #candidates == 0 then
    return {0, 'empty'}
  end
  local chosen = candidates[1]
  for _, m in ipairs(candidates) do
    if redis.call('HGET', pkg_key(id_of(m)), 'avoid') ~= drone then
      chosen = m
      break
    end
  end
  local id = id_of(chosen)
  local pk = pkg_key(id)
  local state = redis.call('HGET', pk, 'state')
  redis.call('ZREM', P.ready, chosen)
  if state == 'queued' then
    local token = redis.call('INCR', P.fence)
    local attempt = redis.call('HINCRBY', pk, 'attempt', 1)
    local until_ms = now + ttl
    redis.call('HSET', pk, 'state', 'claimed', 'owner', drone, 'token', token,
      'lease_until', until_ms, 'drone', drone, 'updated_ms', now)
    redis.call('ZADD', P.leases, until_ms, id)
    count('queued', 'claimed')
    local atom = redis.call('HGET', pk, 'atom')
    event(ARGV[2], {'type', 'claimed', 'id', id, 'atom', atom, 'drone', drone, 'token', token,
      'attempt', attempt})
    return {1, id, atom, attempt, token}
  end
  -- An id in the ready index whose package is not queued is an index left behind; it is dropped
  -- (above) and recorded, and the next candidate is tried.
  event(ARGV[2], {'type', 'index_repaired', 'id', id, 'index', 'ready', 'state', tostring(state)})
end
return {0, 'empty'}
