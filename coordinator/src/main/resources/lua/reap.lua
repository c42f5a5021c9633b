-- Return packages whose lease expired (the drone was lost) to the queue. A lost drone is not the
-- package's failed attempt, but a lost build is counted: a package whose build was lost max_losses
-- times fails (poison pill).
-- Safe to run from every coordinator at once: each expired lease is requeued exactly once, because
-- the check and the change happen in this one script.
-- KEYS: 1 leases, 2 ready, 3 active atoms, 4 state counts, 5 events
-- ARGV: 1 prefix, 2 now ms, 3 batch limit, 4 max losses
-- Returns the number of leases reaped.
local prefix, now, limit, max_losses = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  local pk = pkg_key(prefix, id)
  redis.call('ZREM', KEYS[1], id)
  local rec = redis.call('HMGET', pk, 'state', 'owner', 'score', 'atom')
  local state, owner, score, atom = rec[1], rec[2], rec[3], rec[4]
  if state == 'claimed' or state == 'building' then
    -- Only a build that started counts as a loss: a package merely claimed never ran, so it
    -- cannot be what killed the drone.
    local losses = tonumber(redis.call('HGET', pk, 'losses') or 0)
    if state == 'building' then
      losses = redis.call('HINCRBY', pk, 'losses', 1)
    end
    if state == 'building' and losses >= max_losses then
      local reason = 'lost ' .. losses .. ' times (drone ' .. tostring(owner) .. ' last)'
      redis.call('HSET', pk, 'state', 'failed', 'reason', reason, 'owner', '', 'token', '',
        'lease_until', '', 'finished_ms', now, 'updated_ms', now)
      redis.call('HDEL', KEYS[3], atom)
      count(KEYS[4], state, 'failed')
      event(KEYS[5], now, {'type', 'failed', 'id', id, 'atom', atom, 'drone', tostring(owner),
        'reason', reason})
    else
      redis.call('HSET', pk, 'state', 'queued', 'owner', '', 'token', '', 'lease_until', '',
        'updated_ms', now)
      redis.call('ZADD', KEYS[2], score, id)
      count(KEYS[4], state, 'queued')
      event(KEYS[5], now, {'type', 'lease_expired', 'id', id, 'atom', atom,
        'drone', tostring(owner), 'losses', losses})
    end
  end
end
return #expired
