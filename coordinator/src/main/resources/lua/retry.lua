-- Put a failed or cancelled package back: attempts, failures and losses reset. It waits again for
-- every dependency that has not been built: one still in the swarm, or, where the dependency's
-- package ended without being built or was removed, the package now queued for the same atom. A
-- dependency with neither is refused: queue or retry it first. Nothing changes when refused.
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

-- Decide every dependency first (no writes), then apply.
local deps = redis.call('HGETALL', deps_key(id))
local drop, keep, relink = {}, {}, {}
for i = 1, #deps, 2 do
  local d, d_atom = deps[i], deps[i + 1]
  local d_state = redis.call('HGET', pkg_key(d), 'state')
  if d_state == 'done' then
    drop[#drop + 1] = d
  elseif d_state and not TERMINAL[d_state] then
    keep[#keep + 1] = d
  else
    local current = redis.call('HGET', P.active, d_atom)
    if current then
      relink[#relink + 1] = {d, current, d_atom}
    elseif redis.call('HGET', P.built, d_atom) then
      drop[#drop + 1] = d
    else
      return {-1, 'dependency ' .. d_atom .. ' is ' .. (d_state or 'removed') ..
        '; retry it or queue it again first'}
    end
  end
end
for _, d in ipairs(drop) do
  redis.call('HDEL', deps_key(id), d)
end
for _, d in ipairs(keep) do
  redis.call('SADD', dependents_key(d), id)
end
for _, r in ipairs(relink) do
  redis.call('HDEL', deps_key(id), r[1])
  redis.call('HSET', deps_key(id), r[2], r[3])
  redis.call('SADD', dependents_key(r[2]), id)
end

redis.call('SREM', terminal_key(state), id)
redis.call('HSET', pk, 'attempt', 0, 'failures', 0, 'losses', 0, 'avoid', '', 'reason', '',
  'finished_ms', '', 'verdict', '')
redis.call('HSET', P.active, atom, id)
open_work(id, 1)
local new_state
if redis.call('HLEN', deps_key(id)) > 0 then
  to_blocked(id, state, now)
  new_state = 'blocked'
else
  to_queued(id, state, now)
  new_state = 'queued'
end
event(now, 'type', 'retried', 'id', id, 'atom', atom, 'state', new_state)
return {1, new_state}
