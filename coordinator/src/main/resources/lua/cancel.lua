-- Cancel a package that has not ended: -> cancelled (terminal; fails its dependents). A running
-- build loses its lease at once; its drone is told to stop (by the caller, and by the refusal of
-- its next heartbeat).
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 now ms, 4 reason
-- Returns {1, previous state, owner, token} or {-1, reason}.
init(ARGV[1])
local id, now = ARGV[2], ARGV[3]
local rec = redis.call('HMGET', pkg_key(id), 'state', 'owner', 'token', 'atom')
local state, owner, token, atom = rec[1], rec[2], rec[3], rec[4]
if not state then
  return {-1, 'no package ' .. id}
end
if TERMINAL[state] then
  return {-1, 'package ' .. id .. ' (' .. atom .. ') is already ' .. state}
end
to_terminal(id, state, 'cancelled', now, ARGV[4])
event(now, 'type', 'cancelled', 'id', id, 'atom', atom, 'was', state, 'reason', ARGV[4])
return {1, state, owner or '', token or ''}
