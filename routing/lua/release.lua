-- release.lua: the offer failed (reject, busy, no_answer, failed); the call goes back to its
-- old place and the agent gets the cause's back-off (or a break after max_no_answer).
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] call, ARGV[2] token (fencing), ARGV[3] cause, ARGV[4] now (ms)
-- Returns {result, queue, agent}: released | stale | unknown.
local v = redis.call('HMGET', K.routed_call(call), 'st', 'tok', 'agent', 'q')
if not v[1] or v[1] == 'done' then return {'unknown', '', ''} end
if v[2] ~= token or v[1] ~= 'reserved' then return {'stale', v[4], ''} end
unreserve(call, now, cause)
return {'released', v[4], v[3]}
