-- Lists packages by id, from a cursor, optionally only those in one state or on one drone. Reads
-- only. Looks at no more than ARGV[6] ids per call, so a rare state in a big queue costs several
-- short calls, never one long one; the caller goes on from the cursor returned.
-- KEYS: 1 sequence (routing)
-- ARGV: 1 prefix, 2 first id to look at, 3 state ('' = any), 4 drone ('' = any), 5 limit,
--       6 ids to look at at most
-- Returns {next cursor (0 = no more), then per package: id, atom, state, attempt, drone, reason,
-- updated_ms, expected_ms}.
init(ARGV[1])
local from, state, drone = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local limit, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local last = tonumber(redis.call('GET', P.seq) or '0')
local out = {0}
local found = 0
local id = math.max(from, 1)
while id <= last and budget > 0 and found < limit do
  local r = redis.call('HMGET', pkg_key(id), 'atom', 'state', 'attempt', 'drone', 'reason', 'updated_ms',
    'expected_ms')
  if r[2] and (state == '' or r[2] == state) and (drone == '' or r[4] == drone) then
    local row = {tostring(id), r[1], r[2], r[3] or '0', r[4] or '', r[5] or '', r[6] or '', r[7] or ''}
    for i = 1, #row do
      out[#out + 1] = row[i]
    end
    found = found + 1
  end
  id = id + 1
  budget = budget - 1
end
if id <= last then
  out[1] = id
end
return out
