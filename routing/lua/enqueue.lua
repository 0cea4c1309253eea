-- enqueue.lua: a call joins a queue (score = arrival - priority offset) and is matched at once.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] call, ARGV[2] queue, ARGV[3] now ms, ARGV[4] arrival ms, ARGV[5] priority offset ms,
-- ARGV[6] random in [0,1), ARGV[7] trace sample per grade, ARGV[8] settle limit,
-- ARGV[9] call record TTL ms
-- Returns {status}: unknown_queue | duplicate | full | empty, or queued without an offer;
-- or, queued and offered at once, the offer itself: {call, agent, queue, token, lease,
-- offered, trace fields...} (see lib_match.lua offer_reply).
local call, q, now, arr = ARGV[1], ARGV[2], ARGV[3] + 0, ARGV[4] + 0  -- see lib.lua: `+ 0`
local c = config(q)
if not c then return {'unknown_queue'} end
local ck = key('rcall', call)
local st = redis.call('HGET', ck, 'st')
if st and st ~= 'done' then return {'duplicate'} end
if c.max_size > 0 and redis.call('ZCARD', key('waiting', q)) >= c.max_size then
  emit('FULL', now, call, q, '')
  return {'full'}
end
local cen = census(q)
local m, b = 0, 0
for g = c.floor, 4 do m = m + (cen[LOGGED[g]] or 0); b = b + (cen[PAUSED[g]] or 0) end
if (c.join == 'no_agents' and m == 0) or (c.join == 'no_available' and m == b) then
  emit('JOINEMPTY', now, call, q, '')
  return {'empty'}
end
local score = arr - ARGV[5]
-- The step it starts in; it enters the waiting sets in match_queue unless offered at once.
local s, so, skips = advance(c, cen, 1, arr, '', now)
if st then redis.call('DEL', ck) end
emit('ENTERQUEUE', now, call, q, '', 'priority_ms', ARGV[5], 'arrived', ARGV[4])
-- Its record is written once, waiting or reserved, by match_queue.
local n = {call = call, score = score, s = s, so = so, skips = skips, enq = arr}
local o = match_queue(c, cen, now, ARGV[6] + 0, ARGV[7] + 0, ARGV[8] + 0, n)
redis.call('PEXPIRE', ck, ARGV[9])
return o or {'queued'}
