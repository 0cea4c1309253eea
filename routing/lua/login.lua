-- login.lua: an agent logs in with its skills (queue -> grade 1..4) and becomes ready, or busy
-- when a call of theirs is still connected. A login while present first logs the agent out
-- (releasing any offer) so census stays exact.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] agent, ARGV[2] now (ms), ARGV[3] order (fixed-order rank), ARGV[4..] grades (queue,
-- grade, queue, grade, ...)
-- Returns the previous state.
local a = agent
local ak = K.agent(a)
local v = redis.call('HMGET', ak, 'st', 'call')
if v[1] == 'reserved' then unreserve(v[2], now, 'agent_left') end
local old = v[1] or 'offline'
if old ~= 'offline' then set_state(a, 'offline', now) end
redis.call('DEL', K.skills(a))
for i = 1, #grades, 2 do
  redis.call('HSET', K.skills(a), grades[i], grades[i + 1])
  emit('ADDMEMBER', now, '', grades[i], a, 'grade', grades[i + 1])
end
redis.call('PERSIST', ak)
redis.call('ZADD', K.agents(), '0', a)
redis.call('HSET', ak, 'ord', int(order), 'idle', int(now), 'bo', '0', 'na', '0')
-- Back while a call of theirs is still connected (they left during it): busy until it ends.
local held = v[2] and v[2] ~= '' and redis.call('HMGET', K.routed_call(v[2]), 'st', 'agent')
if held and held[1] == 'connected' and held[2] == a then
  set_state(a, 'busy', now)
  return old
end
redis.call('HSET', ak, 'call', '', 'tok', '')
set_state(a, 'ready', now)
make_idle(a, now)
return old
