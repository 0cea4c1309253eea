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

-- Appends the decision trace to out as flat fields (routing/trace.py, from_flat): step,
-- opened, lo, hi, floor, direction, strategy, skips, waited, grade; logged in, on break,
-- idle for grades 1..4; then agent, grade, why for each sampled agent passed over.
local function trace(out, c, b, cen, now, sample)
  local st, n = c.steps[b.s], b.new
  if not n then
    local cv = redis.call('HMGET', key('rcall', b.call), 'so', 'skips', 'enq')
    n = {so = num(cv[1]), skips = cv[2] or '', enq = num(cv[3])}
  end
  local t = {b.s - 1, n.so, st.lo, st.hi, c.floor, c.dir, c.strat, n.skips, now - n.enq, b.g}
  for _, x in ipairs(t) do out[#out + 1] = x end
  for g = 1, 4 do
    local ik = key('idle', c.name, g)
    local idle = redis.call('ZCARD', ik)
    if g == b.g and (b.idle or redis.call('ZSCORE', ik, b.a)) then idle = idle - 1 end
    out[#out + 1] = cen['m' .. g] or 0; out[#out + 1] = cen['b' .. g] or 0; out[#out + 1] = idle
  end
  for g = 1, 4 do
    local in_range, k = g >= st.lo and g <= st.hi, 0
    if sample > 0 then
      for _, m in ipairs(redis.call('ZRANGE', key('staff', c.name, g), 0, sample)) do
        if m ~= b.a and k < sample then
          k = k + 1
          out[#out + 1] = m; out[#out + 1] = g; out[#out + 1] = why_passed(m, in_range, now)
        end
      end
    end
  end
  return out
end

-- Reserve: both leave their sets, the reservation gets a lease and a fencing token. b.new
-- is a call being enqueued that was never placed in the waiting sets.
local function offer(c, b, cen, now, sample)
  local q, tok = c.name, redis.call('INCR', key('fence'))
  local lease = now + c.lease
  local out = trace({b.call, b.a, q, tok, lease, now}, c, b, cen, now, sample)
  if not b.new then
    redis.call('ZREM', key('waiting', q), b.call)
    redis.call('ZREM', key('wstep', q, b.s), b.call)
    redis.call('ZREM', key('esc', q), b.call)
  end
  reschedule(q)
  set_state(b.a, 'reserved', now, nil, 'call', b.call, 'tok', tok)
  redis.call('HSET', key('rcall', b.call), 'st', 'reserved', 'agent', b.a, 'tok', tok,
    'lease', lease, 'off', now, 'grade', b.g)
  if c.strat == 'round_robin' then
    redis.call('HSET', key('agent', b.a), 'rr:' .. q, redis.call('HINCRBY', key('queue', q), 'rr', 1))
  end
  redis.call('ZADD', key('leases'), lease, b.call)
  redis.call('HINCRBY', key('stats', q), 'offered', 1)
  emit('OFFER', now, b.call, q, b.a, 'token', tok, 'step', b.s - 1, 'grade', b.g)
  return out
end

-- A call being enqueued joins the waiting sets (its record already holds step and so).
local function place_new(c, n)
  redis.call('ZADD', key('waiting', c.name), n.score, n.call)
  place_sets(n.call, c, n.s, n.so, n.score)
end

-- The lowest-scored waiting call of queue c that some idle agent may take, with that agent.
-- n: a call being enqueued, not yet placed; it is placed only if it stays waiting (or ties).
local function match_queue(c, cen, now, rnd, sample, lim, n)
  local more, best = promote(c, cen, now, lim), nil
  for s = 1, #c.steps do
    local h = redis.call('ZRANGE', key('wstep', c.name, s), 0, 0, 'WITHSCORES')
    if n and n.s == s and h[1] and tonumber(h[2]) == n.score then
      place_new(c, n); n = nil  -- equal scores go by member order: let the sorted set decide
      h = redis.call('ZRANGE', key('wstep', c.name, s), 0, 0, 'WITHSCORES')
    end
    local call, score, new = h[1], tonumber(h[2]), nil
    if n and n.s == s and (not call or n.score < score) then call, score, new = n.call, n.score, n end
    if call and (not best or score < best.score) then
      local a, g = pick_agent(c, s, rnd)
      if a then best = {call = call, score = score, s = s, a = a, g = g, idle = true, new = new} end
    end
  end
  if best then
    if n and not best.new then place_new(c, n) end
    return offer(c, best, cen, now, sample)
  end
  if n then place_new(c, n) end
  reschedule(c.name, more)
  return false
end
