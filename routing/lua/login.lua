-- login.lua: an agent logs in with its skills (queue -> grade 1..4) and becomes ready, or busy
-- when a call of theirs is still connected. A login while present first logs the agent out
-- (releasing any offer) so census stays exact.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] agent, ARGV[2] now ms, ARGV[3] fixed-order rank, ARGV[4..] queue, grade, ...
-- Returns the previous state.
local a, now = ARGV[1], tonumber(ARGV[2])
local ak = key('agent', a)
local v = redis.call('HMGET', ak, 'st', 'call')
if v[1] == 'reserved' then unreserve(v[2], now, 'agent_left') end
local old = v[1] or 'offline'
if old ~= 'offline' then set_state(a, 'offline', now) end
redis.call('DEL', key('skills', a))
for i = 4, #ARGV, 2 do
  redis.call('HSET', key('skills', a), ARGV[i], ARGV[i + 1])
  emit('ADDMEMBER', now, '', ARGV[i], a, 'grade', ARGV[i + 1])
end
redis.call('PERSIST', ak)
redis.call('ZADD', key('agents'), '0', a)
redis.call('HSET', ak, 'ord', ARGV[3], 'idle', ARGV[2], 'bo', '0', 'na', '0')
-- Back while a call of theirs is still connected (they left during it): busy until it ends.
local held = v[2] and v[2] ~= '' and redis.call('HMGET', key('rcall', v[2]), 'st', 'agent')
if held and held[1] == 'connected' and held[2] == a then
  set_state(a, 'busy', now)
  return old
end
redis.call('HSET', ak, 'call', '', 'tok', '')
set_state(a, 'ready', now)
make_idle(a, now)
return old
