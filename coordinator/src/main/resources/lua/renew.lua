-- Heartbeat: extend the lease of a build the drone still runs.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 lease ttl ms
-- Returns {1} or {-1, reason}.
init(ARGV[1])
local id, drone, token, now, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local refused = check_lease(id, drone, token, ARGV[5], 'renew')
if refused then
  return {-1, refused}
end
local until_ms = now + ttl
redis.call('ZADD', P.leases, until_ms, id)
return {1}
