-- ended: whether a call ended, by the marker its end left (`mark_ended.lua`).
-- KEY: the call's ended marker
-- ARGV: none
-- Returns: 1 when the call ended, else 0.
return redis.call('EXISTS', KEY)
