-- configure.lua: a queue's rules change (a publish or a roll-back). The rules are written,
-- and every waiting call is placed again under them: a call in a step the plan no longer
-- has goes to the new last step, and each escalation instant follows the new durations.
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] queue, ARGV[2] now (ms), ARGV[3..] rules (field, value, ...: QueueRules.to_redis)
-- Returns the number of waiting calls placed again.
local qk = K.queue(queue)
local before = redis.call('HGET', qk, 'steps') or ''
local had = 0
for _ in string.gmatch(before, '[^,]+') do had = had + 1 end
redis.call('HSET', qk, unpack(rules))
CONFIGS[queue] = nil  -- read the new rules, not what this batch read before
local c = config(queue)
local placed = 0
for s = 1, math.max(had, #c.steps) do
  local wk = K.waiting_step(queue, s)
  local calls = redis.call('ZRANGE', wk, '0', '-1', 'WITHSCORES')
  if s > #c.steps then redis.call('DEL', wk) end
  for i = 1, #calls, 2 do
    local so = redis.call('HGET', K.routed_call(calls[i]), 'so')
    if so then  -- a call whose record lapsed is not brought back
      place(calls[i], c, s, so + 0, calls[i + 1])
      placed = placed + 1
    end
  end
end
-- Due escalations and steps that can no longer serve are settled at this instant.
reschedule(queue, now)
return placed
