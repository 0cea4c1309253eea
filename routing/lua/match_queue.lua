-- match_queue.lua: offer the best waiting call of a queue to the best eligible idle agent.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] queue, ARGV[2] now (ms), ARGV[3] rnd (in [0,1)), ARGV[4] sample (trace, per
-- grade), ARGV[5] settle_limit (per pass)
-- Returns false, or the offer (lib_match.lua offer_reply).
local c = config(queue)
if not c then return false end
return match_queue(c, census(c.name), now, rnd, sample, settle_limit)
