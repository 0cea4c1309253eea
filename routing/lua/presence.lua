-- presence.lua: an agent goes ready (from break or wrap-up), on break (with a reason) or
-- offline. Break and offline release a pending offer first; a busy agent keeps its call.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] agent, ARGV[2] now ms, ARGV[3] ready | break | offline, ARGV[4] break reason,
-- ARGV[5] TTL ms of an offline agent's record
-- Returns {result, released call's queue or ''}: changed | unchanged | unknown | busy.
local a, now, to = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local ak = key('agent', a)
local v = redis.call('HMGET', ak, 'st', 'call', 'rsn')
if not v[1] then return {'unknown', ''} end
if v[1] == to and (to ~= 'break' or v[3] == ARGV[4]) then return {'unchanged', ''} end
-- An agent who took a break during a call is still on that call until it completes.
local on_call = v[1] == 'break' and (v[2] or '') ~= ''
if to == 'ready' and (v[1] == 'busy' or v[1] == 'reserved' or v[1] == 'offline' or on_call) then
  return {v[1] == 'offline' and 'unknown' or 'busy', ''}
end
local q = ''
if v[1] == 'reserved' then q = unreserve(v[2], now, 'agent_left') end
local sk = skills(a)
if to == 'ready' then
  if v[1] == 'break' then
    emit('UNPAUSE', now, '', '', a, 'reason', v[3])
    redis.call('HSET', ak, 'na', '0')
  end
  set_state(a, 'ready', now)
  redis.call('HSET', ak, 'idle', ARGV[2])
  make_idle(a, now)
elseif to == 'break' then
  set_state(a, 'break', now, ARGV[4])
  emit('PAUSE', now, '', '', a, 'reason', ARGV[4])
else
  set_state(a, 'offline', now)
  for i = 1, #sk, 2 do emit('REMOVEMEMBER', now, '', sk[i], a) end
  redis.call('ZREM', key('schedule'), 'a:' .. a)
  redis.call('PEXPIRE', ak, ARGV[5])
end
return {'changed', q}
