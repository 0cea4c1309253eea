-- leave.lua: a call leaves before being connected: caller hung up (ABANDON), waited too long
-- (EXITWITHTIMEOUT), pressed a key (EXITWITHKEY) or the queue emptied (EXITEMPTY). A
-- reserved agent is freed without back-off.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] call, ARGV[2] now ms, ARGV[3] event name, ARGV[4] key pressed or '',
-- ARGV[5] TTL ms of the finished call record
-- Returns {result, queue, agent}: removed | connected | unknown; agent is the freed one.
local call, now, ev = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local ck = key('rcall', call)
local v = redis.call('HMGET', ck, 'st', 'q', 'agent', 'step', 'enq', 'sc')
if not v[1] or v[1] == 'done' then return {'unknown', '', ''} end
if v[1] == 'connected' then return {'connected', v[2], v[3]} end
local q, a, freed = v[2], v[3], ''
local pos = redis.call('ZRANK', key('waiting', q), call)
if v[1] == 'reserved' then
  redis.call('ZREM', key('leases'), call)
  emit('RINGCANCELED', now, call, q, a, 'cause', 'caller_left')
  local av = redis.call('HMGET', key('agent', a), 'st', 'call')
  if av[1] == 'reserved' and av[2] == call then
    redis.call('HSET', key('agent', a), 'call', '', 'tok', '', 'idle', ARGV[2])
    set_state(a, 'ready', now)
    make_idle(a, now)
    freed = a
  end
end
redis.call('ZREM', key('waiting', q), call)
redis.call('ZREM', key('wstep', q, num(v[4])), call)
redis.call('ZREM', key('esc', q), call)
reschedule(q)
if ev == 'ABANDON' then redis.call('HINCRBY', key('stats', q), 'abandoned', '1') end
emit(ev, now, call, q, '', 'position', int(pos and pos + 1 or 0), 'wait_ms', int(now - num(v[5])),
  'key', ARGV[4])
redis.call('HSET', ck, 'st', 'done', 'end', ARGV[2])
redis.call('PEXPIRE', ck, ARGV[5])
return {'removed', q, freed}
