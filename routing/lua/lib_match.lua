-- lib_match.lua: choosing a call and an agent, the decision trace and the reservation.

-- Best idle agent for step s: grades in the direction's order, then the strategy's order.
local function pick_agent(c, s, rnd)
  local st = c.steps[s]
  local first, last, inc = st.hi, st.lo, -1
  if c.dir == 'cheapest_first_escalate_up' then first, last, inc = st.lo, st.hi, 1 end
  for g = first, last, inc do
    local ik, i = K.idle(c.name, g), 0
    if c.strat == 'random' then
      local n = redis.call('ZCARD', ik)
      i = math.floor(rnd * n)
      if i >= n then i = n - 1 end
    end
    local r = i == 0 and '0' or int(i)
    local a = redis.call('ZRANGE', ik, r, r)[1]
    if a then return a, g end
  end
  return nil
end

-- The states of agents names[first..last] as set_state writes them in `astate` (older
-- records: from the agent hash), into STATE (lib_call.lua): the offers a batch makes in
-- one queue sample the same agents, and read them once.
local function read_states(names, first, last)
  local missing, nm = MISSING, 0
  for i = first, last do
    if STATE[names[i]] == nil then nm = nm + 1; missing[nm] = names[i] end
  end
  if nm == 0 then return end
  local v = redis.call('HMGET', K.agent_states(), unpack(missing, 1, nm))
  for i = 1, nm do
    local a, s = missing[i], v[i]
    if not s then
      local av = redis.call('HMGET', K.agent(a), 'st', 'bo')
      s = av[1] == 'ready' and (av[2] or '0') or (av[1] or 'offline')
    end
    STATE[a] = s
  end
end

-- The first agents of a queue's grade, as the census keeps them (filled in for a census
-- written before it kept them).
local function first_staff(q, cen, g)
  return cen[FIRST[g]] or refresh_first(q, g)
end

-- The offer's reply: the offer and its decision trace, each field at the place OFFER and
-- OFFER_GRADE give it (generated from routing/contract.py, OFFER_REPLY, which says what
-- each field is). The sample's two texts (agent ids hold no spaces) come only when any
-- agent was sampled; agents of grades outside the step were passed over for their grade
-- whatever they were doing, so only the step's agents' states are read. Python turns a
-- state into the reason. A grade with nobody logged in, or everyone on break, has no
-- idle agent to count.
local function offer_reply(c, b, cen, now, sample, tok, lease)
  local st, n = c.steps[b.s], b.new
  if not n then
    local cv = redis.call('HMGET', K.routed_call(b.call), 'so', 'skips', 'enq')
    n = {so = num(cv[1]), skips = cv[2] or '', enq = num(cv[3])}
  end
  local lo, hi = st.lo, st.hi
  local out, F = offer_slots(), OFFER
  out[F.call], out[F.agent], out[F.queue], out[F.token] = b.call, b.a, c.name, tok
  out[F.lease], out[F.offered], out[F.step], out[F.opened] = lease, now, b.s - 1, n.so
  out[F.lo], out[F.hi], out[F.floor], out[F.direction] = lo, hi, c.floor, c.dir
  out[F.strategy], out[F.skips], out[F.waited], out[F.grade] = c.strat, n.skips, now - n.enq, b.g
  local names, nn, first, last = NAMES, 0, 1, 0
  for g = 1, 4 do
    local m, br, idle = cen[LOGGED[g]] or 0, cen[PAUSED[g]] or 0, 0
    if m > br then
      local ik = K.idle(c.name, g)
      idle = idle_count(ik)
      if g == b.g and (b.idle or redis.call('ZSCORE', ik, b.a)) then idle = idle - 1 end
    end
    if g == lo then first = nn + 1 end
    if sample > 0 and m > 0 then
      local taken = 0
      for a in string.gmatch(first_staff(c.name, cen, g), '%S+') do
        if taken == sample then break end
        if a ~= b.a then taken = taken + 1; nn = nn + 1; names[nn] = a end
      end
    end
    if g == hi then last = nn end
    local G = OFFER_GRADE[g]
    out[G.logged_in], out[G.on_break], out[G.idle], out[G.sampled_upto] = m, br, idle, nn
  end
  if nn > 0 then
    local how = ''
    if first <= last then
      read_states(names, first, last)
      local parts = PARTS
      for i = first, last do parts[i - first + 1] = STATE[names[i]] end
      how = table.concat(parts, ' ', 1, last - first + 1)
    end
    out[F.sampled], out[F.states] = table.concat(names, ' ', 1, nn), how
  end
  return out
end

-- The record of a call being enqueued (its fields but st), then extra field/value pairs.
local function new_record(q, n, ...)
  redis.call('HSET', K.routed_call(n.call), 'q', q, 'sc', int(n.score), 'enq', int(n.enq),
    'skips', n.skips, 'step', int(n.s), 'so', int(n.so), ...)
end

-- Reserve: both leave their sets, the reservation gets a lease and a fencing token. b.new
-- is a call being enqueued that was never placed in the waiting sets (nor recorded); then
-- no escalation moved (b.moved false) leaves the queue's schedule as it was. b.more: see
-- promote.
local function offer(c, b, cen, now, sample)
  local q, tok = c.name, redis.call('INCR', K.fence())
  local lease, tok_s = now + c.lease, int(tok)
  local out = offer_reply(c, b, cen, now, sample, tok, lease)
  if not b.new then
    redis.call('ZREM', K.waiting(q), b.call)
    redis.call('ZREM', K.waiting_step(q, b.s), b.call)
    redis.call('ZREM', K.escalations(q), b.call)
  end
  if not b.new or b.moved then reschedule(q, b.more) end
  -- Idle sets hold ready agents only.
  change_state(b.a, 'ready', nil, 'reserved', now, nil, 'call', b.call, 'tok', tok_s)
  local fields = {'st', 'reserved', 'agent', b.a, 'tok', tok_s, 'lease', int(lease), 'off', int(now)}
  if b.new then new_record(q, b.new, unpack(fields))
  else redis.call('HSET', K.routed_call(b.call), unpack(fields)) end
  if c.strat == 'round_robin' then
    redis.call('HSET', K.agent(b.a), 'rr:' .. q, int(redis.call('HINCRBY', K.queue(q), 'rr', '1')))
  end
  redis.call('ZADD', K.leases(), int(lease), b.call)
  redis.call('HINCRBY', K.stats(q), 'offered', '1')
  emit('OFFER', now, b.call, q, b.a, 'token', tok_s, 'step', int(b.s - 1), 'grade', int(b.g))
  return out
end

-- A call being enqueued is recorded as waiting and joins the waiting sets.
local function place_new(c, n)
  new_record(c.name, n, 'st', 'waiting')
  redis.call('ZADD', K.waiting(c.name), int(n.score), n.call)
  place_sets(n.call, c, n.s, n.so, n.score)
end

-- The lowest-scored waiting call of queue c that some idle agent may take, with that agent.
-- n: a call being enqueued, not yet placed; it is placed only if it stays waiting (or ties).
local function match_queue(c, cen, now, rnd, sample, lim, n)
  local more, moved = promote(c, cen, now, lim)
  local best = nil
  for s = 1, #c.steps do
    local h = redis.call('ZRANGE', K.waiting_step(c.name, s), '0', '0', 'WITHSCORES')
    if n and n.s == s and h[1] and tonumber(h[2]) == n.score then
      place_new(c, n); n = nil  -- equal scores go by member order: let the sorted set decide
      h = redis.call('ZRANGE', K.waiting_step(c.name, s), '0', '0', 'WITHSCORES')
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
    best.more, best.moved = more, moved
    return offer(c, best, cen, now, sample)
  end
  if n then place_new(c, n) end
  reschedule(c.name, more)
  return false
end
