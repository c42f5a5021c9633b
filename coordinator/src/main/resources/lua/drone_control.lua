-- An operator's order to one drone: ground (claims nothing until ungrounded), unground, drain
-- (finishes what it runs, takes nothing new), undrain. Stored in the drone's bucket, so it holds
-- across reconnects and on every coordinator; claim_for reads it in every claim.
-- KEYS: 1 the drone's bucket (routing)
-- ARGV: 1 prefix, 2 drone name, 3 order (ground|unground|drain|undrain), 4 reason, 5 now ms
-- Returns {1, changed 1|0, grounded reason or '', draining '1' or ''}, or {-1, why} for an unknown
-- drone.
init(ARGV[1])
local drone, order, reason, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('SISMEMBER', P.prefix .. 'drones', drone) == 0 then
  return {-1, 'no drone named ' .. drone .. ' has registered with this swarm'}
end
local dk = drone_key(drone)
local b = redis.call('HMGET', dk, 'grounded', 'draining')
local grounded, draining = b[1] or '', b[2] or ''
local changed = 0
if order == 'ground' then
  if grounded == '' then
    grounded = reason ~= '' and reason or 'grounded by an operator'
    redis.call('HSET', dk, 'grounded', grounded, 'grounded_ms', now)
    changed = 1
  end
elseif order == 'unground' then
  if grounded ~= '' then
    grounded = ''
    redis.call('HSET', dk, 'grounded', '', 'grounded_ms', '', 'drone_failure_streak', '0',
      'failure_streak', '0', 'failure_streak_since', '')
    changed = 1
  end
elseif order == 'drain' then
  if draining == '' then
    draining = '1'
    redis.call('HSET', dk, 'draining', '1')
    changed = 1
  end
elseif order == 'undrain' then
  if draining ~= '' then
    draining = ''
    redis.call('HSET', dk, 'draining', '')
    changed = 1
  end
else
  return {-1, 'unknown order ' .. order .. ' (ground, unground, drain or undrain)'}
end
if changed == 1 then
  remark(drone)
  event(now, 'type', order == 'drain' and 'draining' or order .. 'ed', 'drone', drone, 'reason', reason)
end
return {1, changed, grounded, draining}
