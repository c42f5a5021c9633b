-- Heartbeat: extend the lease of a build the drone still runs.
-- KEYS: 1 package, 2 leases, 3 events
-- ARGV: 1 id, 2 drone, 3 token, 4 now ms, 5 lease ttl ms
-- Returns {1} or {-1, reason}.
local id, drone, token, now, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local refused = refuse_unless_owner(KEYS[1], KEYS[3], now, id, drone, token, 'renew')
if refused then
  return {-1, refused}
end
local until_ms = now + ttl
redis.call('HSET', KEYS[1], 'lease_until', until_ms)
redis.call('ZADD', KEYS[2], until_ms, id)
return {1}
