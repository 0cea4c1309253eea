-- count_attempt.lua: let a sign-in attempt go ahead unless its username or address is over
-- its limit; an allowed attempt is counted at once, so concurrent guesses cannot overshoot.
-- KEYS[1] attempts of the username, KEYS[2] attempts of the client address (hashes n, reset)
-- ARGV[1] now (epoch s), ARGV[2] window s, ARGV[3] username limit, ARGV[4] address limit
-- Returns 0 when the attempt is allowed (and counted), else the seconds until one is.
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait = 0
for i = 1, 2 do
  local v = redis.call('HMGET', KEYS[i], 'n', 'reset')
  local n, reset = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  if reset > now and n >= tonumber(ARGV[i + 2]) then
    wait = math.max(wait, reset - now)
  end
end
if wait > 0 then return wait end
for i = 1, 2 do
  local reset = tonumber(redis.call('HGET', KEYS[i], 'reset')) or 0
  if reset <= now then
    reset = now + window
    redis.call('HSET', KEYS[i], 'n', 1, 'reset', reset)
  else
    redis.call('HINCRBY', KEYS[i], 'n', 1)
  end
  redis.call('EXPIRE', KEYS[i], math.max(1, reset - now))
end
return 0
