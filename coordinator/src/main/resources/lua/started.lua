-- The drone started the build it was assigned: claimed -> building. Renews the lease.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 lease ttl ms
-- Returns {1} or {-1, reason}.
init(ARGV[1])
local id, drone, token, now, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local refused, lease = check_lease(id, drone, token, ARGV[5], 'started')
local state = lease.state
if refused then
  return {-1, refused}
end
local until_ms = now + ttl
redis.call('HSET', pkg_key(id), 'state', 'building', 'started_ms', now, 'updated_ms', now)
redis.call('ZADD', P.leases, until_ms, id)
if state ~= 'building' then
  count(state, 'building')
  event(ARGV[5], 'type', 'building', 'id', id, 'drone', drone, 'token', token)
end
return {1}
