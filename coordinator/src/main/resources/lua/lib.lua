-- Shared by every script: prepended to each one when loaded (see LuaScripts.java).
--
-- Keys: every key of a swarm starts with the hash-tagged prefix bs:{swarm}: (ARGV[1] of every
-- script). Scripts derive the keys they touch from it, so all of them live in one Cluster slot;
-- KEYS[1] is always one key of the swarm, for routing. See docs/redis-keys.md.

local P = {}

local function init(prefix)
  P.prefix = prefix
  P.ready = prefix .. 'ready'
  P.leases = prefix .. 'leases'
  P.delayed = prefix .. 'delayed'
  P.active = prefix .. 'active'
  P.counts = prefix .. 'counts'
  P.events = prefix .. 'events'
  P.fence = prefix .. 'fence'
  P.seq = prefix .. 'seq'
  P.history = prefix .. 'history'
  P.history_n = prefix .. 'history_n'
  P.paused = prefix .. 'paused'
  P.built = prefix .. 'built'
  P.marked = prefix .. 'drones_marked'
end

local function pkg_key(id) return P.prefix .. 'pkg:' .. id end
-- deps:<id> is a hash: id of each unfinished dependency -> its atom (the atom outlives the id).
local function deps_key(id) return P.prefix .. 'deps:' .. id end
local function dependents_key(id) return P.prefix .. 'dependents:' .. id end
-- Build output of one attempt of a package.
local function log_key(id, attempt) return P.prefix .. 'log:' .. id .. ':' .. attempt end
local function terminal_key(state) return P.prefix .. 'state:' .. state end
-- A drone's state bucket (see drone_bucket.lua). Scripts other than drone_bucket.lua touch only its
-- operator-facing fields: grounded, grounded_reason, grounded_ms, draining and the failure streaks.
local function drone_key(name) return P.prefix .. 'drone:' .. name end

-- Ready members are zero-padded ids: members with equal scores sort by id, i.e. queue order.
-- Numbers and strings: a Lua number turned into a string (tostring, or concatenated) costs about
-- as much as a Redis command, a string into a number half that, so the hot path keeps ids,
-- tokens, times and counts as the strings Redis holds and converts only what it computes with.
local PAD = {[0] = '', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000',
  '0000000000', '00000000000', '000000000000'}
local function member(id) return (PAD[12 - #id] or '') .. id end
local function id_of(m) return string.match(m, '^0*(%d+)$') end
-- An integer as Redis writes it (tostring would take the slower way of a fraction).
local function int(n) return string.format('%d', n) end
-- A count held as a string (nil or false: none yet), plus one, without a number where it can:
-- small counts (attempts, builds of a name) by table, others by their last digit.
local NEXT = {[''] = '1', ['0'] = '1', ['1'] = '2', ['2'] = '3', ['3'] = '4', ['4'] = '5', ['5'] = '6',
  ['6'] = '7', ['7'] = '8', ['8'] = '9'}
local function plus_one(count)
  local small = NEXT[count or '']
  if small then
    return small
  end
  local last = string.byte(count, -1)
  if last and last >= 48 and last < 57 then
    return string.sub(count, 1, -2) .. string.char(last + 1)
  end
  return int((tonumber(count) or 0) + 1)
end

local TERMINAL = {done = true, failed = true, cancelled = true}

-- Group commit (complete.lua applies several drones' verdicts in one call): writes that many
-- verdicts of one call make to the same key are put off to the end of the call and sent as one
-- command each (state counts, the lease and ready indexes, the terminal sets, the active and built
-- atoms, history, the fence). Nothing in that call reads them back before the end except through
-- this table. nil outside such a call: every write is then made at once.
local B = nil

-- The stream keeps about the last 100,000 events (trimmed on each XADD, or once per batch).
local EVENTS_KEPT = '100000'

-- A batch's events go to the stream at its end as ONE entry (several past GROUP_LINES events), a
-- group: {type group, events LINES},
-- one event per line, in the order they happened; a line is the event's fields, name and value
-- alternately, separated by tabs, the first pair its ts. In a value, a backslash, tab or newline
-- is written \\, \t or \n. swarm-redis's EventEntries reads it back into the events. One XADD per
-- event cost a batch about as much as the build's record writes (run-script-instructions).
local ESCAPES = {['\\'] = '\\\\', ['\t'] = '\\t', ['\n'] = '\\n'}
-- At most this many lines in one group (a larger batch writes several), and at least this many
-- entries kept: the stream holds at most about 10,000 x 32 events (some 50 MB) however large the
-- batches, and a burst of large ones never trims away fewer than 10,000 entries of history.
local GROUP_LINES, GROUPS_KEPT = 32, 10000

local function batch_begin()
  B = {counts = {}, leases = {}, ready_rm = {}, terminal = {}, active_rm = {}, built = {},
    hist = {}, hist_set = {}, open = 0, drones = {}, lines = {}}
end

-- Members taken from the ready index in this call, removed now: before the index is read afresh.
local function batch_flush_ready()
  if #B.ready_rm > 0 then
    redis.call('ZREM', P.ready, unpack(B.ready_rm))
    B.ready_rm = {}
  end
  B.ready = nil
end

local function batch_end()
  local b = B
  batch_flush_ready()
  B = nil
  local rm, add = {}, {}
  for id, until_ms in pairs(b.leases) do
    if until_ms then
      add[#add + 1] = until_ms
      add[#add + 1] = id
    else
      rm[#rm + 1] = id
    end
  end
  if #rm > 0 then redis.call('ZREM', P.leases, unpack(rm)) end
  if #add > 0 then redis.call('ZADD', P.leases, unpack(add)) end
  for state, delta in pairs(b.counts) do
    if delta ~= 0 then redis.call('HINCRBY', P.counts, state, int(delta)) end
  end
  for state, ids in pairs(b.terminal) do
    redis.call('SADD', terminal_key(state), unpack(ids))
  end
  if #b.active_rm > 0 then redis.call('HDEL', P.active, unpack(b.active_rm)) end
  if #b.built > 0 then redis.call('HSET', P.built, unpack(b.built)) end
  if #b.hist_set > 0 then redis.call('HSET', P.history, unpack(b.hist_set)) end
  if b.open ~= 0 then redis.call('INCRBY', P.prefix .. 'open_expected_ms', int(b.open)) end
  if b.fence then redis.call('SET', P.fence, b.fence) end
  local lines = b.lines
  local n = #lines
  if n > 0 then
    for first = 1, n, GROUP_LINES do
      redis.call('XADD', P.events, '*', 'type', 'group', 'events',
        table.concat(lines, '\n', first, math.min(n, first + GROUP_LINES - 1)))
    end
    -- About EVENTS_KEPT events, taking every entry to hold as many as these: entries are as large
    -- as the batches of the time. Never fewer than GROUPS_KEPT entries, so that one large group
    -- (a package releasing thousands of dependents) cannot wipe out the history before it.
    local kept = math.max(GROUPS_KEPT, math.ceil(EVENTS_KEPT / math.min(n, GROUP_LINES)))
    redis.call('XTRIM', P.events, 'MAXLEN', '~', int(kept))
  end
end

-- The expected build time of every package that has not ended, summed, for the ETA: added when a
-- package is queued or retried, taken away when it ends (sign 1 or -1).
local function open_work(id, sign, expected)
  expected = tonumber(expected or redis.call('HGET', pkg_key(id), 'expected_ms') or '0') or 0
  if expected <= 0 then
    return
  elseif B then
    B.open = B.open + sign * expected
  else
    redis.call('INCRBY', P.prefix .. 'open_expected_ms', sign * expected)
  end
end

local function count(from_state, to_state)
  if B then
    if from_state and from_state ~= '' then
      B.counts[from_state] = (B.counts[from_state] or 0) - 1
    end
    if to_state and to_state ~= '' then
      B.counts[to_state] = (B.counts[to_state] or 0) + 1
    end
    return
  end
  -- Increments as strings: a Lua number passed to redis.call is formatted with sprintf each time.
  if from_state and from_state ~= '' then
    redis.call('HINCRBY', P.counts, from_state, '-1')
  end
  if to_state and to_state ~= '' then
    redis.call('HINCRBY', P.counts, to_state, '1')
  end
end

-- Appends a line to the batch's group of events, in the form event() writes. Only for a line
-- built by hand on a hot path (complete.lua's done), of values that cannot hold a backslash, tab or
-- newline: ids, tokens and times (digits), atoms and drone names (checked where they enter).
local function grouped_line(line)
  local lines = B.lines
  lines[#lines + 1] = line
end

-- One event: now, then its fields, name and value alternately (none nil).
local function event(now, ...)
  if not B then
    return redis.call('XADD', P.events, 'MAXLEN', '~', EVENTS_KEPT, '*', 'ts', now, ...)
  end
  local last = select('#', ...) + 2
  local parts = {'ts', now, ...}
  for i = 2, last, 2 do
    local v = parts[i]
    if v == nil then
      -- As XADD would: a field without a value is the script's bug, not something to record.
      error('event field ' .. tostring(parts[i - 1]) .. ' has no value')
    elseif type(v) == 'string' and string.find(v, '[\\\t\n]') then
      parts[i] = string.gsub(v, '[\\\t\n]', ESCAPES)
    end
  end
  grouped_line(table.concat(parts, '\t', 1, last))
end

-- The fencing check every report (started, renew, log, complete, fail, release) passes before it
-- is applied: the package is leased (claimed or building), to this drone, under this token.
-- lease_record's fields, by their place in its reply (named fields would cost a table per report):
local L_STATE, L_ATOM, L_KEY, L_ATTEMPT, L_EXPECTED = 1, 4, 5, 7, 8
local function lease_record(id)
  return redis.call('HMGET', pkg_key(id), 'state', 'owner', 'token', 'atom', 'key', 'verdict', 'attempt',
    'expected_ms')
end

-- A package's record as a batch read it before applying anything; dropped once the batch writes
-- to the package, so that what is read after that is read afresh.
local function batch_touch(id)
  if B and B.pre then
    B.pre[id] = nil
  end
end

-- Returns, first, nil when the report may be applied, 'duplicate' when it is a verdict sent again
-- for a lease that already ended that way (answered as applied, changing nothing: the first
-- verdict stands), or else the reason it is refused (also recorded); then the package's
-- lease_record (read with the L_ places above); then what the record keeps of this report once
-- applied (its verdict field), to tell it when it comes again.
local function check_lease(id, drone, token, now, report)
  local rec = B and B.pre and B.pre[id] or lease_record(id)
  local state, owner, current = rec[1], rec[2], rec[3]
  local verdict = report .. ':' .. drone .. ':' .. token
  -- Only the very verdict that was applied, under the same token, counts as sent again.
  if rec[6] == verdict then
    return 'duplicate', rec, verdict
  end
  -- A start report applied after its own build's verdict (the coordinator sends the two without
  -- waiting for one another): the lease ended as its holder said; the start changes nothing.
  if report == 'started' and rec[6]
      and (rec[6] == 'complete:' .. drone .. ':' .. token or rec[6] == 'fail:' .. drone .. ':' .. token) then
    return 'duplicate', rec, verdict
  end
  local reason = nil
  if not state then
    reason = 'no such package'
  elseif state ~= 'claimed' and state ~= 'building' then
    reason = 'package is ' .. state
  elseif owner ~= drone then
    reason = 'lease belongs to ' .. tostring(owner)
  elseif current ~= token then
    reason = 'stale token ' .. token .. ' (current ' .. tostring(current) .. ')'
  end
  if reason then
    event(now, 'type', 'refused', 'id', id, 'drone', drone, 'token', token, 'report', report,
      'reason', reason)
  end
  return reason, rec, verdict
end

-- A success applied before its build's start report (see check_lease; the coordinator holds a
-- failure back until the start is stored, as a build that could not start sends none): the build
-- ran, so it is recorded as started, its duration before now, with the event the start would make.
local function started_before_verdict(id, state, drone, token, now, duration)
  if state == 'claimed' then
    redis.call('HSET', pkg_key(id), 'started_ms', math.max(0, tonumber(now) - tonumber(duration)))
    event(now, 'type', 'building', 'id', id, 'drone', drone, 'token', token)
  end
end

-- Takes a package out of the one index its state keeps it in.
local function unindex(id, state)
  if state == 'queued' then
    redis.call('ZREM', P.ready, member(id))
  elseif state == 'claimed' or state == 'building' then
    if B then
      B.leases[id] = false
    else
      redis.call('ZREM', P.leases, id)
    end
  elseif state == 'delayed' then
    redis.call('ZREM', P.delayed, id)
  end
end

-- A package name's history entry, 'mean n' (expected ms, builds recorded), as two strings; nil
-- when there is none. An entry of an older version holds the mean alone, its count in history_n.
local function history_entry(key, value)
  if not value then
    return nil
  end
  local mean, n = string.match(value, '^(%d+) (%d+)$')
  if mean then
    return mean, n
  end
  return value, redis.call('HGET', P.history_n, key) or '0'
end

-- The expected duration of a package name in ms, from its history entry, or nil.
local function expected_of(value)
  return value and tonumber(string.match(value, '^%d+'))
end

-- Learns how long a package name takes: an exponentially weighted mean, 0.7 old + 0.3 new, so
-- recent builds count most but one odd build does not swing it. duration_ms: a string.
local function record_duration(key, duration_ms)
  -- A batch keeps the entries it writes as the pairs of one HSET (hist_set: key, entry, ...), with
  -- where each name's entry is (hist), so a name built twice in one batch reads its first entry.
  local at = B and B.hist[key]
  local value
  if at then
    value = B.hist_set[at]
  elseif B and B.hist_old and B.hist_old[key] ~= nil then
    value = B.hist_old[key] or nil
  else
    value = redis.call('HGET', P.history, key)
  end
  local mean, n = history_entry(key, value)
  -- The first build of a name is its mean as it is: no arithmetic, no conversion.
  local entry = (mean and int(math.floor(tonumber(mean) * 0.7 + tonumber(duration_ms) * 0.3 + 0.5)) or duration_ms)
    .. ' ' .. plus_one(n)
  if not B then
    redis.call('HSET', P.history, key, entry)
  elseif at then
    B.hist_set[at] = entry
  else
    local set = B.hist_set
    set[#set + 1] = key
    set[#set + 1] = entry
    B.hist[key] = #set
  end
end

-- Into the ready index, in its place (priority, expected duration, queue order).
local function to_queued(id, from_state, now)
  local pk = pkg_key(id)
  batch_touch(id)
  redis.call('HSET', pk, 'state', 'queued', 'owner', '', 'token', '', 'ready_at', '', 'updated_ms', now)
  unindex(id, from_state)
  if B then
    -- The ready index changes under the candidates this call has read: read it afresh.
    batch_flush_ready()
  end
  redis.call('ZADD', P.ready, redis.call('HGET', pk, 'score'), member(id))
  count(from_state, 'queued')
end

local function to_blocked(id, from_state, now)
  redis.call('HSET', pkg_key(id), 'state', 'blocked', 'owner', '', 'token', '', 'ready_at', '', 'updated_ms', now)
  unindex(id, from_state)
  count(from_state, 'blocked')
end

-- Sets a terminal state and leaves every index. Dependents follow: released when the package is
-- done (if it was their last unfinished dependency), failed with a reason naming it otherwise.
-- expected: its expected_ms when the caller has read it already; ...: more field/value pairs for
-- the package's record, written in the same HSET.
local function to_terminal(id, from_state, state, now, reason, atom, expected, ...)
  local pk = pkg_key(id)
  atom = atom or redis.call('HGET', pk, 'atom')
  batch_touch(id)
  if reason then
    redis.call('HSET', pk, 'state', state, 'finished_ms', now, 'updated_ms', now, 'reason', reason, ...)
  else
    redis.call('HSET', pk, 'state', state, 'finished_ms', now, 'updated_ms', now, ...)
  end
  if from_state == 'delayed' then
    redis.call('HSET', pk, 'ready_at', '')
  end
  unindex(id, from_state)
  open_work(id, -1, expected)
  -- A package that has not ended always holds its atom's entry (enqueue and retry see to that).
  if B and state == 'done' then
    B.active_rm[#B.active_rm + 1] = atom
    local ids = B.terminal[state] or {}
    ids[#ids + 1] = id
    B.terminal[state] = ids
  else
    redis.call('HDEL', P.active, atom)
    redis.call('SADD', terminal_key(state), id)
  end
  count(from_state, state)

  if state == 'done' then
    if (B and B.no_dependents and B.no_dependents[id]) or redis.call('EXISTS', dependents_key(id)) == 0 then
      return
    end
    for _, d in ipairs(redis.call('SMEMBERS', dependents_key(id))) do
      redis.call('HDEL', deps_key(d), id)
      if redis.call('HLEN', deps_key(d)) == 0 and redis.call('HGET', pkg_key(d), 'state') == 'blocked' then
        to_queued(d, 'blocked', now)
        event(now, 'type', 'unblocked', 'id', d, 'after', id)
      end
    end
    redis.call('DEL', dependents_key(id))
    return
  end
  -- Failed or cancelled: every package waiting on it, directly or not, cannot be built.
  local stack = {id}
  while #stack > 0 do
    local x = table.remove(stack)
    local x_atom = redis.call('HGET', pkg_key(x), 'atom')
    for _, d in ipairs(redis.call('SMEMBERS', dependents_key(x))) do
      local dk = pkg_key(d)
      if redis.call('HGET', dk, 'state') == 'blocked' then
        local why = 'dependency ' .. tostring(x_atom) .. ' ' .. (x == id and state or 'failed')
        if x == id and reason then
          why = why .. ': ' .. reason
        end
        local d_atom = redis.call('HGET', dk, 'atom')
        redis.call('HSET', dk, 'state', 'failed', 'reason', why, 'finished_ms', now,
          'updated_ms', now)
        if redis.call('HGET', P.active, d_atom) == d then
          redis.call('HDEL', P.active, d_atom)
        end
        redis.call('SADD', terminal_key('failed'), d)
        count('blocked', 'failed')
        open_work(d, -1)
        event(now, 'type', 'failed', 'id', d, 'atom', d_atom, 'reason', why)
        stack[#stack + 1] = d
      end
    end
  end
end

-- A failure on a drone counts towards grounding it (the host may be broken, not the packages):
-- DRONE-class failures with no success between, or TRANSIENT and DRONE failures with no success
-- between within a window (a PERMANENT failure is the package's fault and does not count; a
-- success on the drone resets both). Grounds the
-- drone, with an event, when either streak reaches its limit (0 = that rule is off).
-- Returns the reason it was grounded, or nil.
local function count_drone_failure(drone, class, reason, atom, now, limit_drone, limit_any, window_ms)
  if class == 'PERMANENT' then
    return nil
  end
  local dk = drone_key(drone)
  local b = redis.call('HMGET', dk, 'grounded', 'drone_failure_streak', 'failure_streak', 'failure_streak_since')
  if b[1] and b[1] ~= '' then
    return nil
  end
  local drone_streak = (tonumber(b[2]) or 0) + (class == 'DRONE' and 1 or 0)
  local streak, since = (tonumber(b[3]) or 0) + 1, tonumber(b[4]) or tonumber(now)
  if streak == 1 or tonumber(now) - since > window_ms then
    streak, since = 1, tonumber(now)
  end
  local why = nil
  if limit_drone > 0 and drone_streak >= limit_drone then
    why = drone_streak .. ' drone failures in a row; last: ' .. atom .. ': ' .. reason
  elseif limit_any > 0 and streak >= limit_any then
    why = streak .. ' failures in a row within ' .. math.floor(window_ms / 60000) .. ' min; last: '
      .. atom .. ' (' .. class .. '): ' .. reason
  end
  if why then
    redis.call('HSET', dk, 'grounded', why, 'grounded_ms', now, 'drone_failure_streak', '0',
      'failure_streak', '0', 'failure_streak_since', '')
    event(now, 'type', 'grounded', 'drone', drone, 'reason', why)
  else
    redis.call('HSET', dk, 'drone_failure_streak', drone_streak, 'failure_streak', streak,
      'failure_streak_since', since)
  end
  redis.call('SADD', P.marked, drone)
  return why
end

-- Whether a drone's grounded, draining, drone_failure_streak, failure_streak fields (in that
-- order) hold anything: an operator's hold or a failure streak running.
local function is_marked(r)
  return (r[1] and r[1] ~= '') or (r[2] and r[2] ~= '') or (r[3] and r[3] ~= '' and r[3] ~= '0')
    or (r[4] and r[4] ~= '' and r[4] ~= '0')
end

-- Keeps drones_marked, the index of drones whose bucket is marked (is_marked), true for this one
-- after a script changed those fields. drone_bucket.lua refreshes it at every bucket write too.
local function remark(drone)
  local r = redis.call('HMGET', drone_key(drone), 'grounded', 'draining', 'drone_failure_streak', 'failure_streak')
  redis.call(is_marked(r) and 'SADD' or 'SREM', P.marked, drone)
end

-- What drone_fields gives for every drone a batch knows to hold none (shared: never written to).
local UNMARKED = {grounded = false, draining = false, streak = false}

-- A drone's grounded and draining fields, and whether a failure streak is running. A batch reads
-- them once per drone: nothing it applies grounds, ungrounds or drains a drone; and only for the
-- drones in drones_marked (read once per batch: usually empty), the others have none to read.
local function drone_fields(drone)
  local d = B and B.drones[drone]
  if not d and B then
    if not B.marked then
      B.marked = {}
      for _, m in ipairs(redis.call('SMEMBERS', P.marked)) do
        B.marked[m] = true
      end
    end
    if not B.marked[drone] then
      return UNMARKED
    end
  end
  if not d then
    local r = redis.call('HMGET', drone_key(drone), 'grounded', 'draining', 'drone_failure_streak', 'failure_streak')
    d = {grounded = r[1], draining = r[2],
      streak = (r[3] and r[3] ~= '' and r[3] ~= '0') or (r[4] and r[4] ~= '' and r[4] ~= '0')}
    if B then
      B.drones[drone] = d
    end
  end
  return d
end

-- The k-th best member of the ready index (k from 1) that this batch has not taken yet, and its
-- place in B.ready. The index is read once for the batch's claims (and again when it changes).
local function batch_ready(k)
  while true do
    if B.ready then
      local seen = 0
      for i = B.ready_pos, #B.ready do
        if not B.taken[i] then
          seen = seen + 1
          if seen == k then
            return B.ready[i], i
          end
        end
      end
      if not B.ready_full then
        return nil
      end
    end
    batch_flush_ready()
    local n = math.max(B.claims_left or 1, 1) + 15 + k
    B.ready = redis.call('ZRANGE', P.ready, 0, n - 1)
    B.ready_full, B.ready_pos, B.taken = #B.ready == n, 1, {}
  end
end

-- A ready member's record (avoid, state, atom, attempt), its id and its key, kept for the claim.
local function candidate(m)
  local id = id_of(m)
  local pk = pkg_key(id)
  return redis.call('HMGET', pk, 'avoid', 'state', 'atom', 'attempt'), id, pk
end

-- Takes the best ready member for a drone out of the ready index, preferring among the best
-- sixteen one whose last failure was not on this drone. Returns it, as candidate() does; nil when
-- nothing is ready.
local function take_ready(drone)
  if B then
    local chosen, at = batch_ready(1)
    if not chosen then
      return nil
    end
    local rec, id, pk = candidate(chosen)
    if rec[1] == drone then
      for k = 2, 16 do
        local m, i = batch_ready(k)
        if not m then
          break
        end
        local r, r_id, r_pk = candidate(m)
        if r[1] ~= drone then
          chosen, at, rec, id, pk = m, i, r, r_id, r_pk
          break
        end
      end
    end
    B.taken[at] = true
    B.ready_rm[#B.ready_rm + 1] = chosen
    while B.taken[B.ready_pos] do
      B.ready_pos = B.ready_pos + 1
    end
    return chosen, rec, id, pk
  end
  -- The best candidate alone first: it is almost always the one taken, and a range of one is
  -- cheaper to read than the sixteen looked at when its last failure was on this drone.
  local candidates = redis.call('ZRANGE', P.ready, 0, 0)
  if #candidates == 0 then
    return nil
  end
  local chosen = candidates[1]
  local rec, id, pk = candidate(chosen)
  if rec[1] == drone then
    for _, m in ipairs(redis.call('ZRANGE', P.ready, 1, 15)) do
      local r, r_id, r_pk = candidate(m)
      if r[1] ~= drone then
        chosen, rec, id, pk = m, r, r_id, r_pk
        break
      end
    end
  end
  redis.call('ZREM', P.ready, chosen)
  return chosen, rec, id, pk
end

-- A fresh fencing token, as a string. A batch reads the counter once and writes it back at its end.
local function next_token()
  if not B then
    return int(redis.call('INCR', P.fence))
  end
  B.fence = plus_one(B.fence or redis.call('GET', P.fence))
  return B.fence
end

-- When a lease taken now ends, as a string. A batch's verdicts mostly share their millisecond and
-- TTL, so the last one is kept.
local function lease_until(now, ttl)
  if B and B.until_now == now and B.until_ttl == ttl then
    return B.until_ms
  end
  local until_ms = int(tonumber(now) + tonumber(ttl))
  if B then
    B.until_now, B.until_ttl, B.until_ms = now, ttl, until_ms
  end
  return until_ms
end

-- Compare-and-claim: the best ready package for a drone, in this same step. First moves delayed
-- packages whose backoff is over into the ready index. Prefers, among the best candidates, one
-- whose last failure was not on this drone. Returns 1, id, atom, attempt, token or 0, why (values,
-- not a table: a verdict's reply puts them after its own). unrecorded: no 'claimed' event (the
-- caller records the claim in its own).
local function claim_for(drone, now, ttl, unrecorded)
  local paused
  if B and B.paused ~= nil then
    paused = B.paused
  else
    paused = redis.call('EXISTS', P.paused) == 1
    if B then
      B.paused = paused
    end
  end
  if paused then
    return 0, 'paused'
  end
  -- A grounded drone claims nothing until an operator ungrounds it; a draining one finishes what it
  -- runs and takes nothing new. Checked here, in the claim itself, so no entry point can skip it.
  local held = drone_fields(drone)
  if held.grounded and held.grounded ~= '' then
    return 0, 'grounded'
  elseif held.draining and held.draining ~= '' then
    return 0, 'draining'
  end
  -- A batch moves them once, as of the latest time among its verdicts.
  if not (B and B.delayed_moved) then
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', P.delayed, '-inf', B and B.now or now, 'LIMIT', 0, 100)) do
      if redis.call('HGET', pkg_key(id), 'state') == 'delayed' then
        to_queued(id, 'delayed', now)
      else
        redis.call('ZREM', P.delayed, id)
      end
    end
    if B then
      B.delayed_moved = true
    end
  end
  for _ = 1, 32 do
    local chosen, rec, id, pk = take_ready(drone)
    if not chosen then
      return 0, 'empty'
    end
    if rec[2] == 'queued' then
      batch_touch(id)
      local token = next_token()
      local attempt = plus_one(rec[4])
      local until_ms = lease_until(now, ttl)
      redis.call('HSET', pk, 'state', 'claimed', 'owner', drone, 'token', token, 'attempt', attempt,
        'drone', drone, 'updated_ms', now)
      if B then
        B.leases[id] = until_ms
      else
        redis.call('ZADD', P.leases, until_ms, id)
      end
      count('queued', 'claimed')
      if not unrecorded then
        event(now, 'type', 'claimed', 'id', id, 'atom', rec[3], 'drone', drone, 'token', token, 'attempt', attempt)
      end
      return 1, id, rec[3], attempt, token
    end
    -- An id in the ready index whose package is not queued is an index left behind; it is
    -- dropped (above) and recorded, and the next candidate is tried.
    event(now, 'type', 'index_repaired', 'id', id, 'index', 'ready', 'state', tostring(rec[2]))
  end
  return 0, 'empty'
end

-- A verdict's reply, with the drone's next package claimed in the same step when asked for
-- (one round trip per build in steady state): {1, outcome, claimed 1|0, id, atom, attempt, token}.
-- unrecorded: the caller writes the claim into its own event (complete.lua's done), not claim_for.
local function reply_then_claim(outcome, next_drone, now, ttl, unrecorded)
  if next_drone and next_drone ~= '' then
    return {1, outcome, claim_for(next_drone, now, ttl, unrecorded)}
  end
  return {1, outcome}
end
