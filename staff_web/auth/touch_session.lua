-- touch_session.lua: read a session if it is still alive and slide its idle expiry forward.
-- KEYS[1] the session hash (user_id, csrf, created_at, expires_at)
-- ARGV[1] now (epoch s), ARGV[2] idle lifetime s, ARGV[3] absolute lifetime s
-- Returns the session's fields as a flat list, or false when absent or expired (then deleted).
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires_at'))
if not expires then return false end
local now, idle, max_age = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local created = tonumber(redis.call('HGET', KEYS[1], 'created_at')) or 0
if expires <= now or created + max_age <= now then
  redis.call('DEL', KEYS[1])
  return false
end
local slid = math.min(now + idle, created + max_age)
if slid > expires then
  redis.call('HSET', KEYS[1], 'expires_at', slid)
end
redis.call('EXPIRE', KEYS[1], math.max(1, math.max(slid, expires) - now))
return redis.call('HGETALL', KEYS[1])
