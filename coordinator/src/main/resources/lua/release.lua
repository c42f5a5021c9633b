-- The lease holder gives a package back without a verdict (the drone is shutting down): it goes
-- back to the queue at once, in its old place. Not a failure, and not a loss.
-- KEYS: 1 package, 2 leases, 3 ready, 4 state counts, 5 events
-- ARGV: 1 id, 2 drone, 3 token, 4 now ms, 5 reason
-- Returns {1} or {-1, reason}.
local id, drone, token, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local refused, state = refuse_unless_owner(KEYS[1], KEYS[5], now, id, drone, token, 'release')
if refused then
  return {-1, refused}
end
local rec = redis.call('HMGET', KEYS[1], 'score', 'atom')
redis.call('HSET', KEYS[1], 'state', 'queued', 'owner', '', 'token', '', 'lease_until', '',
  'updated_ms', now)
redis.call('ZREM', KEYS[2], id)
redis.call('ZADD', KEYS[3], rec[1], id)
count(KEYS[4], state, 'queued')
event(KEYS[5], now, {'type', 'released', 'id', id, 'atom', rec[2], 'drone', drone,
  'token', token, 'reason', ARGV[5]})
return {1}
