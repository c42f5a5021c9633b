-- Append build output from the lease holder to the package's log, keeping the last lines.
-- KEYS: 1 package, 2 log, 3 events
-- ARGV: 1 id, 2 drone, 3 token, 4 now ms, 5 text, 6 entries kept
-- Returns {1} or {-1, reason}.
local id, drone, token, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local refused = refuse_unless_owner(KEYS[1], KEYS[3], now, id, drone, token, 'log')
if refused then
  return {-1, refused}
end
redis.call('RPUSH', KEYS[2], ARGV[5])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[6]), -1)
return {1}
