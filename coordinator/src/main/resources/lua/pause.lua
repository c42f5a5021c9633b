-- Pause or resume the whole queue: while paused, claims return nothing; running builds go on.
-- KEYS: 1 the paused flag (routing)
-- ARGV: 1 prefix, 2 now ms, 3 '1' to pause, '0' to resume
-- Returns 1 when the state changed, 0 when it already was so.
init(ARGV[1])
if ARGV[3] == '1' then
  if redis.call('SET', P.paused, ARGV[2], 'NX') then
    event(ARGV[2], 'type', 'paused')
    return 1
  end
  return 0
end
if redis.call('DEL', P.paused) == 1 then
  event(ARGV[2], 'type', 'resumed')
  return 1
end
return 0
