-- accept.lua: the agent answered; the reservation with this fencing token becomes a connection.
-- A lapsed lease does not refuse it: the carrier's word that the agent answered is the truth
-- the lease check waits for (switchboard/lease_checks.py).
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] call, ARGV[2] token (fencing), ARGV[3] now (ms)
-- Returns {result, queue, agent}: accepted | stale | unknown.
local ck = K.routed_call(call)
local v = redis.call('HMGET', ck, 'st', 'tok', 'agent', 'q', 'enq', 'off')
if not v[1] or v[1] == 'done' then return {'unknown', '', ''} end
if v[2] ~= token then return {'stale', v[4], ''} end
if v[1] == 'connected' then return {'accepted', v[4], v[3]} end
redis.call('HSET', ck, 'st', 'connected', 'ans', int(now))
redis.call('ZREM', K.leases(), call)
set_state(v[3], 'busy', now)
redis.call('HSET', K.agent(v[3]), 'na', '0')
redis.call('HINCRBY', K.stats(v[4]), 'answered', '1')
emit('CONNECT', now, call, v[4], v[3], 'hold_ms', int(now - num(v[5])), 'ring_ms', int(now - num(v[6])))
return {'accepted', v[4], v[3]}
