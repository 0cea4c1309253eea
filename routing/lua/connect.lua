-- connect.lua: the carrier bridged an agent's leg of an offer the router no longer holds (an
-- `answered` after the offer was withdrawn by a break, or released): the call is connected to
-- that agent all the same. A waiting call leaves its queue; another agent's offer of it is
-- withdrawn (no back-off); the agent's own offer of another call goes back to its queue.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] call, ARGV[2] agent, ARGV[3] token (of the bridged offer), ARGV[4] now (ms)
-- Returns {result, queue, freed agent or '', queue of the agent's other call or ''}:
-- accepted | stale (connected to another leg, or the agent is on another call) | unknown.
local ck, ak = K.routed_call(call), K.agent(agent)
local v = redis.call('HMGET', ck, 'st', 'tok', 'agent', 'q', 'enq', 'off')
if not v[1] or v[1] == 'done' then return {'unknown', '', '', ''} end
local q = v[4]
if v[1] == 'connected' then
  return {(v[2] == token and v[3] == agent) and 'accepted' or 'stale', q, '', ''}
end
local av = redis.call('HMGET', ak, 'st', 'call')
if (av[2] or '') ~= '' and av[2] ~= call and av[1] ~= 'reserved' then return {'stale', q, '', ''} end
local freed, other_q = '', ''
if v[1] == 'reserved' and v[2] ~= token then freed = v[3]; unreserve(call, now, 'superseded') end
if av[1] == 'reserved' and av[2] ~= call then other_q = unreserve(av[2], now, 'agent_left') end
local step = redis.call('HGET', ck, 'step')
redis.call('ZREM', K.waiting(q), call)
redis.call('ZREM', K.waiting_step(q, num(step)), call)
redis.call('ZREM', K.escalations(q), call)
reschedule(q)
redis.call('ZREM', K.leases(), call)
redis.call('HSET', ck, 'st', 'connected', 'agent', agent, 'tok', token, 'ans', int(now))
redis.call('PERSIST', ak)
set_state(agent, 'busy', now)
redis.call('HSET', ak, 'call', call, 'tok', token, 'na', '0')
redis.call('HINCRBY', K.stats(q), 'answered', '1')
emit('CONNECT', now, call, q, agent, 'hold_ms', int(now - num(v[5])), 'ring_ms', int(now - num(v[6])),
  'late', '1')
return {'accepted', q, freed, other_q}
