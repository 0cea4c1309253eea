-- Record a call's first facts once.
-- KEYS[1]: the call's hash
-- ARGV[1]: TTL in seconds; ARGV[2..]: field, value, field, value...
-- Returns: {} when this delivery stored the facts, else the stored hash as a flat list
-- (a retried webhook gets the first delivery's facts back).
local unpack = unpack or table.unpack  -- Redis runs Lua 5.1; fakeredis 5.4
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HGETALL', KEYS[1])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {}
