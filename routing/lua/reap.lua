-- reap.lua: release reservations whose lease lapsed (their process died). Whoever runs it
-- first releases them; running it again finds nothing.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] now ms, ARGV[2] limit
-- Returns a flat list {call, queue, agent, ...} of released reservations.
local now, out = tonumber(ARGV[1]), {}
for _, call in ipairs(redis.call('ZRANGE', key('leases'), '-inf', now, 'BYSCORE', 'LIMIT', 0, ARGV[2])) do
  local v = redis.call('HMGET', key('rcall', call), 'st', 'lease', 'agent', 'q')
  if v[1] == 'reserved' and num(v[2]) <= now then
    unreserve(call, now, 'lease_expired')
    out[#out + 1] = call; out[#out + 1] = v[4]; out[#out + 1] = v[3]
  else
    redis.call('ZREM', key('leases'), call)
  end
end
return out
