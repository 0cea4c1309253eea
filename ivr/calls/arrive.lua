-- arrive: record a call's first facts once.
-- KEY: the call's hash
-- ARGV[1]: TTL in seconds; ARGV[2..]: field, value, field, value...
-- Returns: {} when this delivery stored the facts, else the stored hash as a flat list
-- (a retried webhook gets the first delivery's facts back).
if redis.call('EXISTS', KEY) == 1 then
  return redis.call('HGETALL', KEY)
end
redis.call('HSET', KEY, unpack(ARGV, 2))
redis.call('EXPIRE', KEY, ARGV[1])
return {}
