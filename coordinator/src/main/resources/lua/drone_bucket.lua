-- Write fields of one drone's own state bucket and index the drone, in one step.
-- KEYS: 1 the drone's bucket, 2 drone index
-- ARGV: 1 drone name, then field/value pairs
-- Returns 1.
local args = {'HSET', KEYS[1]}
for i = 2, #ARGV do
  args[#args + 1] = ARGV[i]
end
redis.call(unpack(args))
redis.call('SADD', KEYS[2], ARGV[1])
return 1
