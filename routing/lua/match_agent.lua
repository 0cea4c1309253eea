-- match_agent.lua: an agent who is (or just became) free takes the best call among its
-- queues; a queue's weight w moves its calls (w - 1) * 10 s ahead. Ends wrap-up and back-off
-- that are due; an agent left without a call joins its idle sets.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] agent, ARGV[2] now (ms), ARGV[3] sample (trace, per grade), ARGV[4] settle_limit
-- Returns false, or the offer (lib_match.lua offer_reply).
local a = agent
local ak = K.agent(a)
local v = redis.call('HMGET', ak, 'st', 'bo', 'wu')
if v[1] == 'wrap_up' then
  if num(v[3]) > now then redis.call('ZADD', K.schedule(), v[3], 'a:' .. a); return false end
  set_state(a, 'ready', now)
  redis.call('HSET', ak, 'idle', int(now))
elseif v[1] ~= 'ready' then redis.call('ZREM', K.schedule(), 'a:' .. a); return false end
if num(v[2]) > now then redis.call('ZADD', K.schedule(), v[2], 'a:' .. a); return false end
redis.call('ZREM', K.schedule(), 'a:' .. a)
local sk, best, later = skills(a), nil, {}
for i = 1, #sk, 2 do
  local c, g = config(sk[i]), tonumber(sk[i + 1])
  if c then
    local cen = census(c.name)
    local more = promote(c, cen, now, settle_limit) or false
    later[#later + 1] = {c.name, more}
    for s = 1, #c.steps do
      if g >= c.steps[s].lo and g <= c.steps[s].hi then
        local h = redis.call('ZRANGE', K.waiting_step(c.name, s), '0', '0', 'WITHSCORES')
        local eff = h[1] and tonumber(h[2]) - (c.weight - 1) * 10000
        if eff and (not best or eff < best.eff) then
          best = {call = h[1], score = tonumber(h[2]), eff = eff, s = s, a = a, g = g, c = c,
            cen = cen, more = more or nil}
        end
      end
    end
  end
end
for _, r in ipairs(later) do  -- the offered queue is rescheduled by offer()
  if not best or r[1] ~= best.c.name then reschedule(r[1], r[2] or nil) end
end
if not best then make_idle(a, now); return false end
return offer(best.c, best, best.cen, now, sample)
