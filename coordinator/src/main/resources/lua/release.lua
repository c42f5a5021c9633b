-- The lease holder gives a package back without a verdict (the drone is shutting down, or never
-- got it): queued again at once, in its old place. Not a failure, and not a loss.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 reason
-- Returns {1} or {-1, reason}.
init(ARGV[1])
local id, drone, token, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local refused, lease = check_lease(id, drone, token, now, 'release')
if refused then
  return {-1, refused}
end
local state = lease[L_STATE]
to_queued(id, state, now)
event(now, 'type', 'released', 'id', id, 'atom', lease[L_ATOM],
  'drone', drone, 'token', token, 'reason', ARGV[6])
return {1}
