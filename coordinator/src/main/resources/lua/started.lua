-- Drones started the builds they were assigned: claimed -> building, each lease renewed. One or
-- more reports in one call (group commit, as complete.lua: the coordinator sends together the
-- reports that arrived while its previous call ran; see GroupCommit.java). Each report is checked
-- against its package's owner and fencing token and applied exactly as if it came alone, in the
-- order given; writes many reports make to one key are sent once, at the end (B in lib.lua).
-- KEYS: 1 any key of the swarm (routing)
-- ARGV: 1 prefix, 2 number of reports N, then 5 per report: id, drone, token, now ms, lease ttl ms
-- Returns, for each report in order, two values: 1 and '' when applied, -1 and the reason when
-- refused, -2 and the error when applying it raised one.
init(ARGV[1])
local n = tonumber(ARGV[2])

local function started_one(id, drone, token, now, ttl)
  local refused, lease = check_lease(id, drone, token, now, 'started')
  if refused == 'duplicate' then
    return 1, ''
  elseif refused then
    return -1, refused
  end
  local until_ms = lease_until(now, ttl)
  redis.call('HSET', pkg_key(id), 'state', 'building', 'started_ms', now, 'updated_ms', now)
  B.leases[id] = until_ms
  if lease[L_STATE] ~= 'building' then
    count(lease[L_STATE], 'building')
    event(now, 'type', 'building', 'id', id, 'drone', drone, 'token', token)
  end
  return 1, ''
end

batch_begin()
local out = {}
for i = 0, n - 1 do
  local a = 3 + 5 * i
  local ok, code, reason = pcall(started_one, ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4])
  if not ok then
    -- What it wrote before the error stands, as for any script; the other reports are applied.
    code, reason = -2, type(code) == 'table' and tostring(code.err) or tostring(code)
  end
  out[#out + 1] = code
  out[#out + 1] = reason
end
batch_end()
return out
