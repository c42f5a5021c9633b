-- The build succeeded: -> done (terminal; leaves every index; releases dependents). Records the
-- duration in the package name's history (exponentially weighted mean).
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 duration ms
-- Returns {1} or {-1, reason}.
init(ARGV[1])
local id, drone, token, now, duration = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if already_finished(id, drone, token) then
  return {1}
end
local refused, state = refuse_unless_owner(id, drone, token, now, 'complete')
if refused then
  return {-1, refused}
end
local pk = pkg_key(id)
redis.call('HSET', pk, 'duration_ms', duration)
record_duration(redis.call('HGET', pk, 'key'), duration)
to_terminal(id, state, 'done', now, nil)
event(now, {'type', 'done', 'id', id, 'atom', redis.call('HGET', pk, 'atom'), 'drone', drone,
  'token', token, 'duration_ms', duration})
return {1}
