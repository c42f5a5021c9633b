-- The drone started the build it was assigned: claimed -> building. Renews the lease.
-- KEYS: 1 package, 2 leases, 3 state counts, 4 events
-- ARGV: 1 id, 2 drone, 3 token, 4 now ms, 5 lease ttl ms
-- Returns {1} or {-1, reason}.
local id, drone, token, now, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local refused, state = refuse_unless_owner(KEYS[1], KEYS[4], now, id, drone, token, 'started')
if refused then
  return {-1, refused}
end
local until_ms = now + ttl
redis.call('HSET', KEYS[1], 'state', 'building', 'lease_until', until_ms,
  'started_ms', now, 'updated_ms', now)
redis.call('ZADD', KEYS[2], until_ms, id)
if state ~= 'building' then
  count(KEYS[3], state, 'building')
  event(KEYS[4], now, {'type', 'building', 'id', id, 'drone', drone, 'token', token})
end
return {1}
