-- Record build durations per package name (category/package), in the order given: an
-- exponentially weighted mean, as complete.lua records each build (record_duration in lib.lua).
-- KEYS: 1 history (routing)
-- ARGV: 1 prefix, then pairs (cat/pkg, duration ms)
-- Returns the number of durations recorded.
init(ARGV[1])
local n = 0
for i = 2, #ARGV, 2 do
  record_duration(ARGV[i], ARGV[i + 1])
  n = n + 1
end
return n
