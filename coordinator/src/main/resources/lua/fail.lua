-- The build failed: -> failed with its reason, a terminal state, which leaves every index.
-- (Classified retries with backoff come with the queue engine; see docs/architecture.md.)
-- KEYS: 1 package, 2 leases, 3 active atoms, 4 state counts, 5 events
-- ARGV: 1 id, 2 drone, 3 token, 4 now ms, 5 duration ms, 6 reason
-- Returns {1} or {-1, reason}.
local id, drone, token, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if already_finished(KEYS[1], drone, token) then
  return {1}
end
local refused, state = refuse_unless_owner(KEYS[1], KEYS[5], now, id, drone, token, 'fail')
if refused then
  return {-1, refused}
end
local atom = redis.call('HGET', KEYS[1], 'atom')
redis.call('HSET', KEYS[1], 'state', 'failed', 'duration_ms', ARGV[5], 'reason', ARGV[6],
  'finished_ms', now, 'updated_ms', now, 'lease_until', '')
redis.call('ZREM', KEYS[2], id)
redis.call('HDEL', KEYS[3], atom)
count(KEYS[4], state, 'failed')
event(KEYS[5], now, {'type', 'failed', 'id', id, 'atom', atom, 'drone', drone, 'token', token,
  'reason', ARGV[6]})
return {1}
