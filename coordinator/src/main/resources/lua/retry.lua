-- Put a failed or cancelled package back: attempts, failures and losses reset. It is blocked
-- again while a dependency is unfinished; a dependency that failed must be retried first.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 now ms
-- Returns {1, new state} or {-1, reason}.
init(ARGV[1])
local id, now = ARGV[2], ARGV[3]
local pk = pkg_key(id)
local rec = redis.call('HMGET', pk, 'state', 'atom')
local state, atom = rec[1], rec[2]
if not state then
  return {-1, 'no package ' .. id}
end
if state ~= 'failed' and state ~= 'cancelled' then
  return {-1, 'package ' .. id .. ' (' .. atom .. ') is ' .. state .. '; only failed or cancelled packages are retried'}
end
local other = redis.call('HGET', P.active, atom)
if other and other ~= id then
  return {-1, atom .. ' is queued again already, as package ' .. other}
end
for _, dep in ipairs(redis.call('SMEMBERS', deps_key(id))) do
  local dep_state = redis.call('HGET', pkg_key(dep), 'state')
  if dep_state == 'failed' or dep_state == 'cancelled' then
    return {-1, 'dependency ' .. redis.call('HGET', pkg_key(dep), 'atom') .. ' is ' .. dep_state .. '; retry it first'}
  end
end
for _, dep in ipairs(redis.call('SMEMBERS', deps_key(id))) do
  if redis.call('HGET', pkg_key(dep), 'state') == 'done' or redis.call('EXISTS', pkg_key(dep)) == 0 then
    redis.call('SREM', deps_key(id), dep)
  else
    redis.call('SADD', dependents_key(dep), id)
  end
end
redis.call('SREM', terminal_key(state), id)
redis.call('HSET', pk, 'attempt', 0, 'failures', 0, 'losses', 0, 'avoid', '', 'reason', '',
  'finished_ms', '')
redis.call('HSET', P.active, atom, id)
local new_state
if redis.call('SCARD', deps_key(id)) > 0 then
  to_blocked(id, state, now)
  new_state = 'blocked'
else
  to_queued(id, state, now)
  new_state = 'queued'
end
event(now, {'type', 'retried', 'id', id, 'atom', atom, 'state', new_state})
return {1, new_state}
