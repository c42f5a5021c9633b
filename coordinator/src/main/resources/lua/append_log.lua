-- Append build output from the lease holder to its attempt's log, keeping the last entries.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 text, 7 entries kept
-- Returns {1} or {-1, reason}.
init(ARGV[1])
local id, drone, token = ARGV[2], ARGV[3], ARGV[4]
local refused, lease = check_lease(id, drone, token, ARGV[5], 'log')
if refused then
  return {-1, refused}
end
local key = log_key(id, lease[L_ATTEMPT])
-- Chunks ever appended to this attempt's log: with the list's length it tells readers which
-- chunk the list starts at after trimming, so a follower's cursor stays exact.
redis.call('HINCRBY', pkg_key(id), 'log_chunks:' .. lease[L_ATTEMPT], 1)
redis.call('RPUSH', key, ARGV[6])
redis.call('LTRIM', key, -tonumber(ARGV[7]), -1)
return {1}
