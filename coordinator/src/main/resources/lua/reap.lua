-- Return packages whose lease expired (the drone was lost) to the queue. A lost drone is not the
-- package's failed attempt, but a lost build (one that had started) is counted: a package whose
-- build was lost max_losses times fails (poison pill). Safe to run from every coordinator at once:
-- the check and the change happen in this one script, so each lease is reaped exactly once.
-- KEYS: 1 leases (routing)
-- ARGV: 1 prefix, 2 now ms, 3 batch limit, 4 max losses
-- Returns the number of leases reaped.
init(ARGV[1])
local now, limit, max_losses = ARGV[2], ARGV[3], tonumber(ARGV[4])
local expired = redis.call('ZRANGEBYSCORE', P.leases, '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  local pk = pkg_key(id)
  redis.call('ZREM', P.leases, id)
  local rec = redis.call('HMGET', pk, 'state', 'owner', 'atom', 'losses')
  local state, owner, atom = rec[1], rec[2], rec[3]
  if state == 'claimed' or state == 'building' then
    local losses = tonumber(rec[4] or 0)
    if state == 'building' then
      losses = redis.call('HINCRBY', pk, 'losses', 1)
    end
    if state == 'building' and losses >= max_losses then
      local reason = 'lost ' .. losses .. ' times (drone ' .. tostring(owner) .. ' last)'
      -- The lease is gone: a late verdict from that drone is refused, not taken as a duplicate.
      redis.call('HSET', pk, 'owner', '', 'token', '')
      to_terminal(id, state, 'failed', now, reason)
      event(now, 'type', 'failed', 'id', id, 'atom', atom, 'drone', tostring(owner),
        'reason', reason)
    else
      to_queued(id, state, now)
      event(now, 'type', 'lease_expired', 'id', id, 'atom', atom, 'drone', tostring(owner),
        'losses', losses)
    end
  end
end
return #expired
