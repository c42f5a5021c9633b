-- The build failed. PERMANENT: -> failed at once with the reason. TRANSIENT and DRONE: counted;
-- below max attempts -> delayed for an exponential backoff with jitter (then queued again, a
-- different drone preferred); at max attempts -> failed. Failed is terminal and fails dependents.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 duration ms, 7 reason, 8 class
--       (TRANSIENT|PERMANENT|DRONE), 9 max attempts, 10 backoff base ms, 11 backoff cap ms,
--       12 jitter fraction (0..1), 13 a random number in [0, 1)
--       14 drone to claim for next ('' for none), 15 lease ttl ms, 16 drone failures in a row
--       that ground a drone, 17 failures in a row that ground it (0 = off), 18 their window ms
-- Returns {1, 'failed' | 'delayed', [claim reply]} or {-1, reason}.
init(ARGV[1])
local id, drone, token, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local reason, class = ARGV[7], ARGV[8]
local next_drone, ttl = ARGV[14], tonumber(ARGV[15])
local verdict, lease, applied = check_lease(id, drone, token, now, 'fail')
if verdict == 'duplicate' then
  return {1, 'duplicate'}
elseif verdict then
  return {-1, verdict}
end
local state, atom = lease[L_STATE], lease[L_ATOM]
local pk = pkg_key(id)
redis.call('HSET', pk, 'duration_ms', ARGV[6], 'last_class', class, 'last_reason', reason,
  'verdict', applied)
count_drone_failure(drone, class, reason, atom, now, tonumber(ARGV[16]), tonumber(ARGV[17]),
  tonumber(ARGV[18]))
if class == 'PERMANENT' then
  to_terminal(id, state, 'failed', now, reason, atom)
  event(now, 'type', 'failed', 'id', id, 'atom', atom, 'drone', drone, 'token', token,
    'class', class, 'reason', reason)
  return reply_then_claim('failed', next_drone, now, ttl)
end
local failures = redis.call('HINCRBY', pk, 'failures', 1)
local max_attempts = tonumber(ARGV[9])
if failures >= max_attempts then
  local why = reason .. ' (' .. class .. ', gave up after ' .. failures .. ' attempts)'
  to_terminal(id, state, 'failed', now, why, atom)
  event(now, 'type', 'failed', 'id', id, 'atom', atom, 'drone', drone, 'token', token,
    'class', class, 'reason', why)
  return reply_then_claim('failed', next_drone, now, ttl)
end
local delay = math.min(tonumber(ARGV[11]), tonumber(ARGV[10]) * 2 ^ (failures - 1))
delay = math.floor(delay * (1 - tonumber(ARGV[12]) * tonumber(ARGV[13])))
local ready_at = tonumber(now) + delay
redis.call('HSET', pk, 'state', 'delayed', 'ready_at', ready_at, 'avoid', drone, 'owner', '',
  'token', '', 'updated_ms', now)
unindex(id, state)
redis.call('ZADD', P.delayed, ready_at, id)
count(state, 'delayed')
event(now, 'type', 'retry_scheduled', 'id', id, 'atom', atom, 'drone', drone, 'token', token,
  'class', class, 'reason', reason, 'failures', failures, 'ready_at', ready_at)
return reply_then_claim('delayed', next_drone, now, ttl)
