-- lib_agent.lua: agent presence, idle sets and reservations; prepended after lib.lua.

local function skills(a) return redis.call('HGETALL', K.skills(a)) end

-- Score in a queue's idle set: lower is offered first, per the queue's strategy.
-- av: the agent's idle since, calls, talk time and fixed-order rank, as stored (text).
local function idle_score(q, a, av)
  local c = config(q)
  local st = c and c.strat
  if st == 'fewest_calls' then return av[2]
  elseif st == 'least_talk_time' then return av[3]
  elseif st == 'fixed_order' then return av[4]
  elseif st == 'random' then return '0'
  elseif st == 'round_robin' then return redis.call('HGET', K.agent(a), 'rr:' .. q) or '0' end
  return av[1]
end

-- Change presence; keeps each queue's census (logged in / on break per grade) and leaves
-- every idle set. A drop in census may make a step skippable: wake the queue at once.
-- Extra field/value pairs are written to the agent's hash with the state.
-- The agent's state is also kept in one hash, agent -> state (when ready: the instant its
-- back-off ends, a number), so the decision trace reads all its sampled agents at once.
-- change_state is set_state for an agent known to be in state old (bo: its back-off end).
local function change_state(a, old, bo, new, now, reason, ...)
  local ak = K.agent(a)
  local dm = (new ~= 'offline' and 1 or 0) - (old ~= 'offline' and 1 or 0)
  local db = (new == 'break' and 1 or 0) - (old == 'break' and 1 or 0)
  local sk = skills(a)
  for i = 1, #sk, 2 do
    local q, g = sk[i], sk[i + 1]
    local ik = K.idle(q, g)
    idle_changed(ik, redis.call('ZREM', ik, a), -1)
    if dm ~= 0 then
      count(q, 'm' .. g, dm)
      if dm > 0 then redis.call('ZADD', K.staff(q, g), '0', a)
      else redis.call('ZREM', K.staff(q, g), a) end
      refresh_first(q, tonumber(g))
    end
    if db ~= 0 then count(q, 'b' .. g, db) end
    if dm < 0 or db > 0 then redis.call('ZADD', K.schedule(), int(now), 'q:' .. q) end
  end
  redis.call('HSET', ak, 'st', new, 'since', int(now), 'rsn', reason or '', ...)
  if new == 'offline' then redis.call('HDEL', K.agent_states(), a); state_changed(a, 'offline')
  else
    local state = new == 'ready' and (bo or '0') or new
    redis.call('HSET', K.agent_states(), a, state)
    state_changed(a, state)
  end
  return old
end
local function set_state(a, new, now, reason, ...)
  local cur = redis.call('HMGET', K.agent(a), 'st', 'bo')
  return change_state(a, cur[1] or 'offline', cur[2], new, now, reason, ...)
end

-- A ready agent past any back-off joins the idle sets; otherwise wake it later.
local function make_idle(a, now)
  local v = redis.call('HMGET', K.agent(a), 'st', 'bo', 'idle', 'calls', 'talk', 'ord')
  if v[1] ~= 'ready' then return false end
  if num(v[2]) > now then redis.call('ZADD', K.schedule(), v[2], 'a:' .. a); return false end
  local av = {v[3] or '0', v[4] or '0', v[5] or '0', v[6] or '0'}
  local sk = skills(a)
  for i = 1, #sk, 2 do
    local ik = K.idle(sk[i], sk[i + 1])
    idle_changed(ik, redis.call('ZADD', ik, idle_score(sk[i], a, av), a), 1)
  end
  return true
end

-- Causes of an offer withdrawn by us rather than missed by the agent (no back-off for any).
local WITHDRAWN = {lease_expired = true, agent_left = true, superseded = true}

-- Undo a reservation: the call returns at its old score and step; the agent is freed with
-- the cause's back-off, or put on break after max_no_answer misses in a row.
local function unreserve(call, now, cause)
  local ck = K.routed_call(call)
  local v = redis.call('HMGET', ck, 'q', 'agent', 'sc', 'step', 'so', 'off')
  local c = config(v[1])
  redis.call('ZREM', K.leases(), call)
  redis.call('HSET', ck, 'st', 'waiting', 'agent', '', 'tok', '')
  redis.call('ZADD', K.waiting(v[1]), v[3], call)
  place(call, c, num(v[4]), num(v[5]), v[3])
  reschedule(v[1])
  local ev = WITHDRAWN[cause] and 'RINGCANCELED' or 'RINGNOANSWER'
  emit(ev, now, call, v[1], v[2], 'cause', cause, 'ring_ms', int(now - num(v[6])))
  local a, ak = v[2], K.agent(v[2])
  local av = redis.call('HMGET', ak, 'st', 'call')
  if av[1] ~= 'reserved' or av[2] ~= call then return v[1] end
  local bo = num(c['bo_' .. cause]) * 1000
  local na = num(redis.call('HGET', ak, 'na'))
  if cause == 'no_answer' then na = redis.call('HINCRBY', ak, 'na', 1) end
  redis.call('HSET', ak, 'call', '', 'tok', '', 'idle', int(now), 'bo', int(now + bo))
  if cause == 'no_answer' and na >= c.max_na then
    set_state(a, 'break', now, 'no_answer')
    emit('PAUSE', now, call, v[1], a, 'reason', 'no_answer')
  else
    set_state(a, 'ready', now)
    make_idle(a, now)
  end
  return v[1]
end
