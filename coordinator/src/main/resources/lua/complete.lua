-- Successful builds, one or more drones' verdicts in one call (group commit: the coordinator
-- sends together the verdicts that arrived while its previous call ran; see GroupCommit.java).
-- Each verdict is applied exactly as if it came alone, in the order given: the build -> done
-- (terminal; leaves every index; releases dependents), its duration recorded in the package
-- name's history, and with a next drone, that drone's next package claimed in the same step.
-- Writes many verdicts make to one key are sent once, at the end (B in lib.lua).
-- KEYS: 1 any key of the swarm (routing)
-- ARGV: 1 prefix, 2 number of verdicts N, then 8 per verdict: id, drone, token, now ms,
--       duration ms, drone to claim for next ('' for none), lease ttl ms, artifacts the drone
--       uploaded for it (a count; they must have been stored under this lease)
-- Returns, for each verdict in order, the length of its reply and then the reply: {1, 'done',
-- [claim reply]}, {1, 'duplicate'}, {-1, reason}, or {-2, error} when applying it raised one.
init(ARGV[1])
local n = tonumber(ARGV[2])

local function complete_one(id, drone, token, now, duration, next_drone, ttl, artifacts)
  local refused, lease, verdict = check_lease(id, drone, token, now, 'complete')
  if refused == 'duplicate' then
    return {1, 'duplicate'}
  elseif refused then
    return {-1, refused}
  end
  if artifacts ~= '0' and redis.call('HGET', pkg_key(id), 'artifacts_token') ~= token then
    return {-1, 'artifacts not stored under this lease'}
  end
  local atom = lease[L_ATOM]
  local built = B.built
  built[#built + 1] = atom
  built[#built + 1] = id
  -- A success on the drone: its failures since were not the host's fault in a row.
  local d = drone_fields(drone)
  if d.streak then
    redis.call('HSET', drone_key(drone), 'drone_failure_streak', '0', 'failure_streak', '0')
    remark(drone)
    d.streak = false
  end
  started_before_verdict(id, lease[L_STATE], drone, token, now, duration)
  record_duration(lease[L_KEY], duration)
  to_terminal(id, lease[L_STATE], 'done', now, nil, atom, lease[L_EXPECTED] or '0',
    'duration_ms', duration, 'verdict', verdict)
  -- One event for the build done and the next package its drone claimed in the same step: the
  -- claim's fields ride along as next_* (readers expand it into 'done' then 'claimed', see
  -- EventEntries.java). Its line is written by hand: the one event of every build.
  local reply = reply_then_claim('done', next_drone, now, ttl, true)
  if reply[3] == 1 then
    -- {1, 'done', 1, id, atom, attempt, token}
    grouped_line('ts\t' .. now .. '\ttype\tdone\tid\t' .. id .. '\tatom\t' .. atom .. '\tdrone\t' .. drone
      .. '\ttoken\t' .. token .. '\tduration_ms\t' .. duration .. '\tnext_id\t' .. reply[4] .. '\tnext_atom\t'
      .. reply[5] .. '\tnext_token\t' .. reply[7] .. '\tnext_attempt\t' .. reply[6])
  else
    grouped_line('ts\t' .. now .. '\ttype\tdone\tid\t' .. id .. '\tatom\t' .. atom .. '\tdrone\t' .. drone
      .. '\ttoken\t' .. token .. '\tduration_ms\t' .. duration)
  end
  if next_drone ~= '' then
    B.claims_left = B.claims_left - 1
  end
  return reply
end

batch_begin()
local latest = ''
B.claims_left = 0
for i = 0, n - 1 do
  local a = 3 + 8 * i
  -- Times in ms, compared as strings of digits: a longer one is later.
  local t = ARGV[a + 3]
  if #t > #latest or (#t == #latest and t > latest) then
    latest = t
  end
  if ARGV[a + 5] ~= '' then
    B.claims_left = B.claims_left + 1
  end
end
B.now = latest

-- Read before applying anything, with one command for all where Redis has one: each package's
-- record (check_lease), the history of their names, and whether any of them has dependents.
B.pre, B.hist_old = {}, {}
local dependents, names = {}, {}
for i = 0, n - 1 do
  local id = ARGV[3 + 8 * i]
  if B.pre[id] == nil then
    B.pre[id] = lease_record(id)
    dependents[#dependents + 1] = dependents_key(id)
    local key = B.pre[id][5]
    if key and B.hist_old[key] == nil then
      B.hist_old[key] = false
      names[#names + 1] = key
    end
  end
end
if #names > 0 then
  local means = redis.call('HMGET', P.history, unpack(names))
  for i, key in ipairs(names) do
    B.hist_old[key] = means[i]
  end
end
if #dependents > 0 and redis.call('EXISTS', unpack(dependents)) == 0 then
  B.no_dependents = {}
  for i = 0, n - 1 do
    B.no_dependents[ARGV[3 + 8 * i]] = true
  end
end

local out, k = {}, 0
for i = 0, n - 1 do
  local a = 3 + 8 * i
  local ok, reply = pcall(complete_one, ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4],
    ARGV[a + 5], ARGV[a + 6], ARGV[a + 7])
  if not ok then
    -- What it wrote before the error stands, as for any script; the other verdicts are applied.
    reply = {-2, type(reply) == 'table' and tostring(reply.err) or tostring(reply)}
  end
  local length = #reply
  out[k + 1] = length
  for j = 1, length do
    out[k + 1 + j] = reply[j]
  end
  k = k + 1 + length
end
batch_end()
return out
