-- Reads one attempt's build log from a chunk index on. Reads only.
-- KEYS: 1 package (routing)
-- ARGV: 1 prefix, 2 id, 3 attempt (0 = the last), 4 from (chunk index ever appended, 0-based)
-- Returns {attempt, next index, state, chunks...} or {-1, reason}.
init(ARGV[1])
local id = ARGV[2]
local rec = redis.call('HMGET', pkg_key(id), 'state', 'attempt')
if not rec[1] then
  return {-1, 'no package ' .. id}
end
local attempt = tonumber(ARGV[3])
if attempt == 0 then
  attempt = tonumber(rec[2] or '0')
end
if attempt < 1 or attempt > tonumber(rec[2] or '0') then
  return {-1, 'package ' .. id .. ' has no attempt ' .. ARGV[3] .. ' (it has had ' .. (rec[2] or '0') .. ')'}
end
local key = log_key(id, attempt)
local total = tonumber(redis.call('HGET', pkg_key(id), 'log_chunks:' .. attempt) or '0')
local first = total - redis.call('LLEN', key)
local from = math.max(tonumber(ARGV[4]), first)
local out = {attempt, total, rec[1]}
if from < total then
  for _, chunk in ipairs(redis.call('LRANGE', key, from - first, -1)) do
    out[#out + 1] = chunk
  end
end
return out
