-- Records the binary packages stored for a build, under its lease: the complete script checks
-- them before the package is done.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 drone, 4 token, 5 now ms, 6 artifacts ("name size sha256" lines)
-- Returns {1} or {-1, reason}.
init(ARGV[1])
local id, drone, token = ARGV[2], ARGV[3], ARGV[4]
local refused = check_lease(id, drone, token, ARGV[5], 'artifacts')
if refused then
  return {-1, refused}
end
redis.call('HSET', pkg_key(id), 'artifacts', ARGV[6], 'artifacts_token', token, 'updated_ms', ARGV[5])
event(ARGV[5], 'type', 'artifacts_stored', 'id', id, 'drone', drone, 'token', token)
return {1}
