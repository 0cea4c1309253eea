-- presence.lua: an agent goes ready (from break or wrap-up), on break (with a reason) or
-- offline. Break and offline release a pending offer first; a busy agent keeps its call.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] agent, ARGV[2] now (ms), ARGV[3] target (ready | break | offline), ARGV[4] reason
-- (of a break), ARGV[5] ttl_ms (of an offline agent's record)
-- Returns {result, released call's queue or ''}: changed | unchanged | unknown | busy.
local a, to = agent, target
local ak = K.agent(a)
local v = redis.call('HMGET', ak, 'st', 'call', 'rsn')
if not v[1] then return {'unknown', ''} end
if v[1] == to and (to ~= 'break' or v[3] == reason) then return {'unchanged', ''} end
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
  redis.call('HSET', ak, 'idle', int(now))
  make_idle(a, now)
elseif to == 'break' then
  set_state(a, 'break', now, reason)
  emit('PAUSE', now, '', '', a, 'reason', reason)
else
  set_state(a, 'offline', now)
  for i = 1, #sk, 2 do emit('REMOVEMEMBER', now, '', sk[i], a) end
  redis.call('ZREM', K.schedule(), 'a:' .. a)
  redis.call('PEXPIRE', ak, int(ttl_ms))
end
return {'changed', q}
