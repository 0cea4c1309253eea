-- match_queue.lua: offer the best waiting call of a queue to the best eligible idle agent.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] queue, ARGV[2] now ms, ARGV[3] random in [0,1), ARGV[4] trace sample per grade,
-- ARGV[5] settle limit per pass
-- Returns false, or {call, agent, queue, token, lease_ms, offered_ms, trace fields...}.
local c = config(ARGV[1])
if not c then return false end
local now = tonumber(ARGV[2])
return match_queue(c, census(c.name), now, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
