-- Append build output from the lease holder to the package's log, keeping the last entries.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 text, 7 entries kept
-- Returns {1} or {-1, reason}.
init(ARGV[1])
local id, drone, token = ARGV[2], ARGV[3], ARGV[4]
local refused = check_lease(id, drone, token, ARGV[5], 'log')
if refused then
  return {-1, refused}
end
redis.call('RPUSH', log_key(id), ARGV[6])
redis.call('LTRIM', log_key(id), -tonumber(ARGV[7]), -1)
return {1}
