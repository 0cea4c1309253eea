-- complete.lua: a connected call ended; counters and handle time are kept, the agent enters
-- wrap-up (woken by the schedule at its end) or is ready at once when wrap-up is zero.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] call, ARGV[2] token (fencing), ARGV[3] now (ms), ARGV[4] event (COMPLETECALLER |
-- COMPLETEAGENT), ARGV[5] ttl_ms (of the finished call's record: repeated webhooks stay
-- harmless)
-- Returns {result, queue, agent}: completed | stale | unknown.
local ck = K.routed_call(call)
local v = redis.call('HMGET', ck, 'st', 'tok', 'agent', 'q', 'ans', 'enq')
if not v[1] then return {'unknown', '', ''} end
if v[1] == 'done' and v[2] == token then return {'completed', v[4], v[3]} end
if v[2] ~= token or v[1] ~= 'connected' then return {'stale', v[4] or '', ''} end
local a, q, c = v[3], v[4], config(v[4])
local talk = now - num(v[5])
local wrap = c and c.wrap * 1000 or 0
local ak, sk = K.agent(a), K.stats(q)
redis.call('HINCRBY', ak, 'calls', '1')
redis.call('HINCRBY', ak, 'talk', int(talk))
local aht = num(redis.call('HGET', sk, 'aht'))
if aht == 0 then aht = talk + wrap else aht = math.floor(aht * 0.8 + (talk + wrap) * 0.2) end
redis.call('HSET', sk, 'aht', int(aht))
redis.call('HINCRBY', sk, 'completed', '1')
redis.call('HSET', ck, 'st', 'done', 'end', int(now))
redis.call('PEXPIRE', ck, int(ttl_ms))
local av = redis.call('HMGET', ak, 'st', 'call')
local entered = (av[1] == 'busy' and av[2] == call) and wrap or 0
-- wrap_ms: the wrap-up the agent enters now (0: ready at once, or on break since the call);
-- the reports count it up to the agent's next offer, break or sign-out (docs/metrics.md).
emit(event, now, call, q, a, 'hold_ms', int(num(v[5]) - num(v[6])), 'talk_ms', int(talk),
  'wrap_ms', int(entered))
if av[1] == 'busy' and av[2] == call then
  redis.call('HSET', ak, 'call', '', 'tok', '', 'idle', int(now))
  if wrap > 0 then
    set_state(a, 'wrap_up', now)
    redis.call('HSET', ak, 'wu', int(now + wrap))
    redis.call('ZADD', K.schedule(), int(now + wrap), 'a:' .. a)
  else
    set_state(a, 'ready', now)
    make_idle(a, now)
  end
elseif av[2] == call then  -- on break (or offline) since the call: it no longer holds it
  redis.call('HSET', ak, 'call', '', 'tok', '')
end
return {'completed', q, a}
