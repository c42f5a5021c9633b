-- Forget ended packages: their record, log and dependency sets. Packages that have not ended must
-- be cancelled first. With a state instead of an id, forgets up to a batch of that terminal state.
-- KEYS: 1 state counts (routing)
-- ARGV: 1 prefix, 2 now ms, 3 'id' or 'state', 4 the id or the state, 5 batch limit
-- Returns {number removed} or {-1, reason}.
init(ARGV[1])
local now = ARGV[2]

local function forget(id, state)
  local rec = redis.call('HMGET', pkg_key(id), 'atom', 'attempt')
  local atom = rec[1]
  if atom and redis.call('HGET', P.built, atom) == id then
    redis.call('HDEL', P.built, atom)
  end
  for attempt = 1, tonumber(rec[2] or '0') do
    redis.call('DEL', log_key(id, attempt))
  end
  redis.call('DEL', pkg_key(id), deps_key(id), dependents_key(id))
  redis.call('SREM', terminal_key(state), id)
  count(state, nil)
end

if ARGV[3] == 'id' then
  local id = ARGV[4]
  local rec = redis.call('HMGET', pkg_key(id), 'state', 'atom')
  if not rec[1] then
    return {-1, 'no package ' .. id}
  end
  if not TERMINAL[rec[1]] then
    return {-1, 'package ' .. id .. ' (' .. rec[2] .. ') is ' .. rec[1] .. '; cancel it first'}
  end
  forget(id, rec[1])
  event(now, 'type', 'removed', 'id', id, 'atom', rec[2])
  return {1}
end
local state = ARGV[4]
if not TERMINAL[state] then
  return {-1, 'only ended packages are cleared (done, failed, cancelled), not ' .. state}
end
local ids = redis.call('SRANDMEMBER', terminal_key(state), tonumber(ARGV[5]))
for _, id in ipairs(ids) do
  forget(id, state)
end
if #ids > 0 then
  event(now, 'type', 'cleared', 'state', state, 'count', #ids)
end
return {#ids}
