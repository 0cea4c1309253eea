-- reap.lua: offers whose lease lapsed (their answer, or their Dial's end, never came, or the
-- process that rang them died). Nothing is released here: whoever runs it first is handed
-- them to ask the carrier what became of the agent's leg, and their leases move on by
-- recheck_ms, so no other process asks at once and an unanswered question is asked again.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] now (ms), ARGV[2] limit, ARGV[3] recheck_ms
-- Returns a flat list {call, agent, token, ...} of lapsed offers, still reserved.
local out = {}
local later = int(now + recheck_ms)
for _, call in ipairs(redis.call('ZRANGE', K.leases(), '-inf', int(now), 'BYSCORE', 'LIMIT', '0', int(limit))) do
  local ck = K.routed_call(call)
  local v = redis.call('HMGET', ck, 'st', 'lease', 'agent', 'tok')
  if v[1] == 'reserved' and num(v[2]) <= now then
    redis.call('HSET', ck, 'lease', later)
    redis.call('ZADD', K.leases(), later, call)
    out[#out + 1] = call; out[#out + 1] = v[3]; out[#out + 1] = v[4]
  else
    redis.call('ZREM', K.leases(), call)
  end
end
return out
