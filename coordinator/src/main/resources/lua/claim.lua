-- Compare-and-claim: take the best ready package for a drone in one step (claim_for in lib.lua).
-- KEYS: 1 ready (routing)
-- ARGV: 1 prefix, 2 now ms, 3 lease ttl ms, 4 drone name
-- Returns {1, id, atom, attempt, token}, or {0, why} when nothing is ready (or the queue is paused).
init(ARGV[1])
return {claim_for(ARGV[4], ARGV[2], tonumber(ARGV[3]))}
