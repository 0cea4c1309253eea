-- leave.lua: a call leaves before being connected: caller hung up (ABANDON), waited too long
-- (EXITWITHTIMEOUT), pressed a key (EXITWITHKEY) or the queue emptied (EXITEMPTY). A
-- reserved agent is freed without back-off.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] call, ARGV[2] now (ms), ARGV[3] event (its name), ARGV[4] pressed (the key, or
-- ''), ARGV[5] ttl_ms (of the finished call's record)
-- Returns {result, queue, agent}: removed | connected | unknown; agent is the freed one.
local ck = K.routed_call(call)
local v = redis.call('HMGET', ck, 'st', 'q', 'agent', 'step', 'enq', 'sc')
if not v[1] or v[1] == 'done' then return {'unknown', '', ''} end
if v[1] == 'connected' then return {'connected', v[2], v[3]} end
local q, a, freed = v[2], v[3], ''
local pos = redis.call('ZRANK', K.waiting(q), call)
if v[1] == 'reserved' then
  redis.call('ZREM', K.leases(), call)
  emit('RINGCANCELED', now, call, q, a, 'cause', 'caller_left')
  local av = redis.call('HMGET', K.agent(a), 'st', 'call')
  if av[1] == 'reserved' and av[2] == call then
    redis.call('HSET', K.agent(a), 'call', '', 'tok', '', 'idle', int(now))
    set_state(a, 'ready', now)
    make_idle(a, now)
    freed = a
  end
end
redis.call('ZREM', K.waiting(q), call)
redis.call('ZREM', K.waiting_step(q, num(v[4])), call)
redis.call('ZREM', K.escalations(q), call)
reschedule(q)
if event == 'ABANDON' then redis.call('HINCRBY', K.stats(q), 'abandoned', '1') end
emit(event, now, call, q, '', 'position', int(pos and pos + 1 or 0), 'wait_ms', int(now - num(v[5])),
  'key', pressed)
redis.call('HSET', ck, 'st', 'done', 'end', int(now))
redis.call('PEXPIRE', ck, int(ttl_ms))
return {'removed', q, freed}
