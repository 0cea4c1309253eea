-- lib_match.lua: choosing a call and an agent, the decision trace and the reservation.

-- Best idle agent for step s: grades in the direction's order, then the strategy's order.
local function pick_agent(c, s, rnd)
  local st = c.steps[s]
  local first, last, inc = st.hi, st.lo, -1
  if c.dir == 'cheapest_first_escalate_up' then first, last, inc = st.lo, st.hi, 1 end
  for g = first, last, inc do
    local ik, i = key('idle', c.name, g), 0
    if c.strat == 'random' then
      local n = redis.call('ZCARD', ik)
      i = math.floor(rnd * n)
      if i >= n then i = n - 1 end
    end
    local a = redis.call('ZRANGE', ik, i, i)[1]
    if a then return a, g end
  end
  return nil
end

local function why_passed(m, in_range, now)
  if not in_range then return 'grade' end
  local v = redis.call('HMGET', key('agent', m), 'st', 'bo')
  if v[1] == 'ready' then return (num(v[2]) > now) and 'back_off' or 'ranked_lower' end
  return v[1] or 'offline'
end

local function trace(c, b, cen, now, sample)
  local st = c.steps[b.s]
  local cv = redis.call('HMGET', key('rcall', b.call), 'so', 'skips', 'enq')
  local t = {call = b.call, queue = c.name, step = b.s - 1, step_opened_ms = num(cv[1]),
    grades = {st.lo, st.hi}, floor = c.floor, direction = c.dir, strategy = c.strat,
    skipped = cv[2] or '', waited_ms = now - num(cv[3]), decided_ms = now,
    chosen = {agent = b.a, grade = b.g}, candidates = {}, passed_over = {}}
  for g = 1, 4 do
    local in_range = g >= st.lo and g <= st.hi
    local ik = key('idle', c.name, g)
    local idle = redis.call('ZCARD', ik)
    if g == b.g and redis.call('ZSCORE', ik, b.a) then idle = idle - 1 end
    t.candidates[g] = {grade = g, in_range = in_range, logged_in = cen['m' .. g] or 0,
      on_break = cen['b' .. g] or 0, idle = idle}
    if sample > 0 then
      local n = 0
      for _, m in ipairs(redis.call('ZRANGE', key('staff', c.name, g), 0, sample)) do
        if m ~= b.a and n < sample then
          n = n + 1
          t.passed_over[#t.passed_over + 1] = {agent = m, grade = g, why = why_passed(m, in_range, now)}
        end
      end
    end
  end
  return cjson.encode(t)
end

-- Reserve: both leave their sets, the reservation gets a lease and a fencing token.
local function offer(c, b, cen, now, sample)
  local q, tr = c.name, trace(c, b, cen, now, sample)
  redis.call('ZREM', key('waiting', q), b.call)
  redis.call('ZREM', key('wstep', q, b.s), b.call)
  redis.call('ZREM', key('esc', q), b.call)
  reschedule(q)
  set_state(b.a, 'reserved', now)
  local tok = redis.call('INCR', key('fence'))
  local lease = now + c.lease
  redis.call('HSET', key('rcall', b.call), 'st', 'reserved', 'agent', b.a, 'tok', tok,
    'lease', lease, 'off', now, 'grade', b.g)
  redis.call('HSET', key('agent', b.a), 'call', b.call, 'tok', tok)
  if c.strat == 'round_robin' then
    redis.call('HSET', key('agent', b.a), 'rr:' .. q, redis.call('HINCRBY', key('queue', q), 'rr', 1))
  end
  redis.call('ZADD', key('leases'), lease, b.call)
  redis.call('HINCRBY', key('stats', q), 'offered', 1)
  emit('OFFER', now, b.call, q, b.a, 'token', tok, 'step', b.s - 1, 'grade', b.g)
  return {b.call, b.a, q, tok, lease, now, tr}
end

-- The lowest-scored waiting call of queue c that some idle agent may take, with that agent.
local function match_queue(c, now, rnd, sample, lim)
  local cen = census(c.name)
  promote(c, cen, now, lim)
  local best
  for s = 1, #c.steps do
    local h = redis.call('ZRANGE', key('wstep', c.name, s), 0, 0, 'WITHSCORES')
    if h[1] and (not best or tonumber(h[2]) < best.score) then
      local a, g = pick_agent(c, s, rnd)
      if a then best = {call = h[1], score = tonumber(h[2]), s = s, a = a, g = g} end
    end
  end
  if not best then return false end
  return offer(c, best, cen, now, sample)
end
