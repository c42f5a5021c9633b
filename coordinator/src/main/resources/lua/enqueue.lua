-- Queue atoms, all in one step. Dedupe: an atom already queued, claimed or building (any state but
-- a terminal one) is not queued again; the caller is told its id and state.
-- KEYS: 1 package sequence, 2 active atoms, 3 ready, 4 state counts, 5 events
-- ARGV: 1 prefix, 2 now ms, 3 priority, then pairs (atom, cat/pkg key)
-- Returns a flat list of (queued 1|0, package id, state) per atom, in order.
local prefix, now, priority = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for i = 4, #ARGV, 2 do
  local atom, key = ARGV[i], ARGV[i + 1]
  local existing = redis.call('HGET', KEYS[2], atom)
  if existing then
    local state = redis.call('HGET', pkg_key(prefix, existing), 'state')
    out[#out + 1] = 0; out[#out + 1] = existing; out[#out + 1] = state or 'unknown'
  else
    local id = tostring(redis.call('INCR', KEYS[1]))
    -- Lower score is claimed first: higher priority, then queue order. Priority is bounded in
    -- Java so the score stays an exact double.
    local score = string.format('%.0f', -priority * 10000000000 + tonumber(id))
    redis.call('HSET', pkg_key(prefix, id), 'id', id, 'atom', atom, 'key', key,
      'state', 'queued', 'priority', priority, 'score', score, 'attempt', 0, 'losses', 0,
      'enqueued_ms', now, 'updated_ms', now)
    redis.call('ZADD', KEYS[3], score, id)
    redis.call('HSET', KEYS[2], atom, id)
    count(KEYS[4], nil, 'queued')
    event(KEYS[5], now, {'type', 'queued', 'id', id, 'atom', atom})
    out[#out + 1] = 1; out[#out + 1] = id; out[#out + 1] = 'queued'
  end
end
return out
