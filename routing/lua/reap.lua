-- reap.lua: release reservations whose lease lapsed (their process died). Whoever runs it
-- first releases them; running it again finds nothing.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] now (ms), ARGV[2] limit
-- Returns a flat list {call, queue, agent, ...} of released reservations.
local out = {}
for _, call in ipairs(redis.call('ZRANGE', K.leases(), '-inf', int(now), 'BYSCORE', 'LIMIT', '0', int(limit))) do
  local v = redis.call('HMGET', K.routed_call(call), 'st', 'lease', 'agent', 'q')
  if v[1] == 'reserved' and num(v[2]) <= now then
    unreserve(call, now, 'lease_expired')
    out[#out + 1] = call; out[#out + 1] = v[4]; out[#out + 1] = v[3]
  else
    redis.call('ZREM', K.leases(), call)
  end
end
return out
