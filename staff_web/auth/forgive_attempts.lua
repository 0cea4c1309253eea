-- forgive_attempts.lua: a sign-in succeeded; forget the username's failures and give the
-- address back the attempt it was charged (a shared office address is not punished).
-- KEYS[1] attempts of the username, KEYS[2] attempts of the client address
-- ARGV none
-- Returns the address's remaining count.
redis.call('DEL', KEYS[1])
local n = tonumber(redis.call('HGET', KEYS[2], 'n'))
if not n then return 0 end
if n <= 1 then
  redis.call('HSET', KEYS[2], 'n', 0)
  return 0
end
return redis.call('HINCRBY', KEYS[2], 'n', -1)
