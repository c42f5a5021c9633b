-- The build succeeded: -> done (terminal; leaves every index; releases dependents). Records the
-- duration in the package name's history. With a next drone, claims its next package in the
-- same step.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 duration ms, 7 drone to claim for next
--       ('' for none), 8 lease ttl ms, 9 artifacts the drone uploaded for it (a count; they must
--       have been stored under this lease)
-- Returns {1, 'done', [claim reply]} or {-1, reason}.
init(ARGV[1])
local id, drone, token, now, duration = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local verdict, lease = check_lease(id, drone, token, now, 'complete')
if verdict == 'duplicate' then
  return {1, 'duplicate'}
elseif verdict then
  return {-1, verdict}
end
if tonumber(ARGV[9] or '0') > 0 and redis.call('HGET', pkg_key(id), 'artifacts_token') ~= token then
  return {-1, 'artifacts not stored under this lease'}
end
redis.call('HSET', pkg_key(id), 'duration_ms', duration, 'verdict', 'complete:' .. drone .. ':' .. token)
redis.call('HSET', P.built, lease.atom, id)
-- A success on the drone: its failures since were not the host's fault in a row.
redis.call('HSET', drone_key(drone), 'drone_failure_streak', '0', 'failure_streak', '0')
record_duration(lease.key, duration)
to_terminal(id, lease.state, 'done', now, nil, lease.atom)
event(now, {'type', 'done', 'id', id, 'atom', lease.atom, 'drone', drone, 'token', token,
  'duration_ms', duration})
return reply_then_claim('done', ARGV[7], now, tonumber(ARGV[8]))
