-- lib.lua: helpers prepended to the router's operations, after lib_call.lua and the
-- generated key builders and fields (routing/lua/prelude.py); never run on its own.

-- Census fields of grades 1..4: logged in, on break, and the names (space-separated) of
-- the first STAFF_SAMPLE agents logged in, in name order, for the decision trace.
local LOGGED, PAUSED = {'m1', 'm2', 'm3', 'm4'}, {'b1', 'b2', 'b3', 'b4'}
local FIRST = {'s1', 's2', 's3', 's4'}
local STAFF_SAMPLE = 9  -- routing/router.py MAX_TRACE_SAMPLE + 1

local function emit(ev, now, call, q, agent, ...)
  redis.call('XADD', K.events(), 'MAXLEN', '~', '100000', '*', 'ev', ev, 't', int(now),
    'call', call or '', 'queue', q or '', 'agent', agent or '', ...)
end

-- Idle agents per idle set, read once per call (IDLE, lib_call.lua).
local function idle_count(ik)
  local n = IDLE[ik]
  if not n then n = redis.call('ZCARD', ik); IDLE[ik] = n end
  return n
end
local function idle_changed(ik, changed, d)
  if changed == 1 and IDLE[ik] then IDLE[ik] = IDLE[ik] + d end
end
-- Sampled agents' states, read by read_states (lib_match.lua).
local function state_changed(a, s)
  if STATE[a] ~= nil then STATE[a] = s end
end

local CFG = {'steps', 'floor', 'dir', 'strat', 'bo_reject', 'bo_busy', 'bo_no_answer',
  'max_na', 'wrap', 'lease', 'weight', 'max_size', 'join'}
-- Numbers read from Redis convert by arithmetic (`+ 0`), which parses the text once, where
-- tonumber() parses it twice; a table built by one constructor is sized once.
local function read_config(q)
  local v = redis.call('HMGET', K.queue(q), unpack(CFG))
  if not v[1] then return false end
  local floor = v[2] + 0
  local c = {name = q, steps = {}, floor = floor, dir = v[3], strat = v[4], bo_reject = v[5] + 0,
    bo_busy = v[6] + 0, bo_no_answer = v[7] + 0, max_na = v[8] + 0, wrap = v[9] + 0,
    lease = v[10] + 0, weight = v[11] + 0, max_size = v[12] + 0, join = v[13]}
  local steps = c.steps
  for lo, hi, dur in string.gmatch(v[1], '(%d+):(%d+):(%d+)') do
    steps[#steps + 1] = {lo = math.max(lo + 0, floor), hi = hi + 0, dur = dur + 0}
  end
  return c
end
local function config(q)
  local c = CONFIGS[q]
  if c == nil then c = read_config(q); CONFIGS[q] = c end
  return c or nil
end

local CENSUS_FIELDS = {'m1', 'm2', 'm3', 'm4', 'b1', 'b2', 'b3', 'b4', 's1', 's2', 's3', 's4'}
local function census(q)
  local t = CENSUS[q]
  if t then return t end
  local v = redis.call('HMGET', K.census(q), unpack(CENSUS_FIELDS))
  -- A field not there yet comes back false: nobody counted (0), no names kept (nil).
  t = {m1 = (v[1] or 0) + 0, m2 = (v[2] or 0) + 0, m3 = (v[3] or 0) + 0, m4 = (v[4] or 0) + 0,
    b1 = (v[5] or 0) + 0, b2 = (v[6] or 0) + 0, b3 = (v[7] or 0) + 0, b4 = (v[8] or 0) + 0,
    s1 = v[9] or nil, s2 = v[10] or nil, s3 = v[11] or nil, s4 = v[12] or nil}
  CENSUS[q] = t
  return t
end
local function count(q, field, d)
  redis.call('HINCRBY', K.census(q), field, int(d))
  local t = CENSUS[q]
  if t then t[field] = (t[field] or 0) + d end
end
-- The census's names of the first agents of grade g (a number), from the staff set.
local function refresh_first(q, g)
  local names = table.concat(redis.call('ZRANGE', K.staff(q, g), '0', int(STAFF_SAMPLE - 1)), ' ')
  redis.call('HSET', K.census(q), FIRST[g], names)
  local t = CENSUS[q]
  if t then t[FIRST[g]] = names end
  return names
end

-- Why step s cannot serve at all (skip it at once), or nil. "All busy" is not a reason.
local function step_block(c, cen, s)
  local st, m, b = c.steps[s], 0, 0
  for g = st.lo, st.hi do m = m + (cen[LOGGED[g]] or 0); b = b + (cen[PAUSED[g]] or 0) end
  if m == 0 then return 'none_logged_in' end
  if m == b then return 'all_on_break' end
  return nil
end

local function reschedule(q, at)
  local h = redis.call('ZRANGE', K.escalations(q), '0', '0', 'WITHSCORES')
  local t = h[2]
  if at and (not t or at < tonumber(t)) then t = int(at) end
  if t then redis.call('ZADD', K.schedule(), t, 'q:' .. q)
  else redis.call('ZREM', K.schedule(), 'q:' .. q) end
end

-- Put a waiting call in step s (opened at so) of its queue, with its escalation instant.
-- A step beyond a plan that was shrunk since is its last step, which routes the call now.
-- Returns the step the call is in.
local function place_sets(call, c, s, so, score)
  s = math.min(s, #c.steps)
  redis.call('ZADD', K.waiting_step(c.name, s), int(score), call)
  if s < #c.steps then redis.call('ZADD', K.escalations(c.name), int(so + c.steps[s].dur), call)
  else redis.call('ZREM', K.escalations(c.name), call) end
  return s
end
local function place(call, c, s, so, score)
  s = place_sets(call, c, s, so, score)
  redis.call('HSET', K.routed_call(call), 'step', int(s), 'so', int(so))
end

-- From step s opened at so, pass elapsed steps and steps that cannot serve; timers count
-- from when the previous step opened, a skipped step hands over at once. No Redis writes.
local function advance(c, cen, s, so, skips, now)
  while s < #c.steps do
    if now >= so + c.steps[s].dur then so = so + c.steps[s].dur; s = s + 1
    else
      local why = step_block(c, cen, s)
      if not why then break end
      skips = skips .. (s - 1) .. ':' .. why .. ':' .. now .. ';'
      so = now; s = s + 1
    end
  end
  return s, so, skips
end

-- Advance a placed waiting call and move it to the step it ends in.
local function settle(call, c, cen, now)
  local ck = K.routed_call(call)
  local v = redis.call('HMGET', ck, 'step', 'so', 'sc', 'skips')
  local s0 = math.min(num(v[1]), #c.steps)
  local s, so, skips = advance(c, cen, s0, num(v[2]), v[4] or '', now)
  if s ~= s0 or s ~= num(v[1]) then
    redis.call('ZREM', K.waiting_step(c.name, num(v[1])), call)
    place(call, c, s, so, v[3])
    redis.call('HSET', ck, 'skips', skips)
  end
end

-- Settle due escalations and calls in steps that can no longer serve (bounded by lim).
-- Returns the instant to pass to reschedule(q, at) (now when a pass hit the limit), which
-- the caller runs once the queue's escalations are final, and whether any call moved.
local function promote(c, cen, now, lim)
  local q, more = c.name, nil
  local due = redis.call('ZRANGE', K.escalations(q), '-inf', int(now), 'BYSCORE', 'LIMIT', '0', int(lim))
  local moved = #due > 0
  for _, call in ipairs(due) do settle(call, c, cen, now) end
  if #due == lim then more = now end
  for s = 1, #c.steps - 1 do
    if step_block(c, cen, s) then
      local calls = redis.call('ZRANGE', K.waiting_step(q, s), '0', int(lim - 1))
      moved = moved or #calls > 0
      for _, call in ipairs(calls) do settle(call, c, cen, now) end
      if #calls == lim then more = now end
    end
  end
  return more, moved
end
