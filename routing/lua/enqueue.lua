-- enqueue.lua: a call joins a queue (score = arrival - priority offset) and is matched at once.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] call, ARGV[2] queue, ARGV[3] now (ms), ARGV[4] arrived (ms), ARGV[5] priority_ms
-- (offset), ARGV[6] rnd (in [0,1)), ARGV[7] sample (trace, per grade), ARGV[8] settle_limit,
-- ARGV[9] ttl_ms (of the call's record)
-- Returns {status}: unknown_queue | duplicate | full | empty, or queued without an offer;
-- or, queued and offered at once, the offer itself (lib_match.lua offer_reply).
local c = config(queue)
if not c then return {'unknown_queue'} end
local ck = K.routed_call(call)
local st = redis.call('HGET', ck, 'st')
if st and st ~= 'done' then return {'duplicate'} end
if c.max_size > 0 and redis.call('ZCARD', K.waiting(queue)) >= c.max_size then
  emit('FULL', now, call, queue, '')
  return {'full'}
end
local cen = census(queue)
local m, b = 0, 0
for g = c.floor, 4 do m = m + (cen[LOGGED[g]] or 0); b = b + (cen[PAUSED[g]] or 0) end
if (c.join == 'no_agents' and m == 0) or (c.join == 'no_available' and m == b) then
  emit('JOINEMPTY', now, call, queue, '')
  return {'empty'}
end
local score = arrived - priority_ms
-- The step it starts in; it enters the waiting sets in match_queue unless offered at once.
local s, so, skips = advance(c, cen, 1, arrived, '', now)
if st then redis.call('DEL', ck) end
emit('ENTERQUEUE', now, call, queue, '', 'priority_ms', int(priority_ms), 'arrived', int(arrived))
-- Its record is written once, waiting or reserved, by match_queue.
local n = {call = call, score = score, s = s, so = so, skips = skips, enq = arrived}
local o = match_queue(c, cen, now, rnd, sample, settle_limit, n)
redis.call('PEXPIRE', ck, int(ttl_ms))
return o or {'queued'}
