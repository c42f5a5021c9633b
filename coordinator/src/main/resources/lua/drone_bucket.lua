-- Write one drone's own state bucket, and index the drone, in one step. Only the drone's current
-- session may write: 'open' makes the calling session the current one; 'update' writes only while
-- it still is, so a stale session (replaced, or on another coordinator) cannot overwrite it.
-- Counters (built, failed) are increments, so they survive reconnects; a stale session's are
-- still added (builds whose verdicts it stored after it was replaced).
-- KEYS: 1 the drone's bucket, 2 drone index, 3 drones_marked (see remark in lib.lua)
-- ARGV: 1 drone name, 2 session id, 3 mode (open|update), 4 built delta, 5 failed delta,
--       then field/value pairs
-- Returns {1, grounded reason or '', draining '1' or ''} when written (what the session tells its
-- drone), {0} when this session is no longer the drone's current one.
-- Counts first: a stale session's builds still ended (their verdicts were stored), so its counts
-- are added; nothing else a stale session says is written.
if tonumber(ARGV[4]) ~= 0 then
  redis.call('HINCRBY', KEYS[1], 'built', ARGV[4])
end
if tonumber(ARGV[5]) ~= 0 then
  redis.call('HINCRBY', KEYS[1], 'failed', ARGV[5])
end
if ARGV[3] == 'update' and redis.call('HGET', KEYS[1], 'session') ~= ARGV[2] then
  return {0}
end
local args = {'HSET', KEYS[1], 'session', ARGV[2]}
for i = 6, #ARGV do
  args[#args + 1] = ARGV[i]
end
redis.call(unpack(args))
redis.call('SADD', KEYS[2], ARGV[1])
local held = redis.call('HMGET', KEYS[1], 'grounded', 'draining', 'drone_failure_streak', 'failure_streak')
-- The bucket's fields are the truth and the index follows them at every write: a hold written by
-- an older version, or by hand, is indexed before the drone's session claims anything.
redis.call(is_marked(held) and 'SADD' or 'SREM', KEYS[3], ARGV[1])
return {1, held[1] or '', held[2] or ''}
