-- regrade.lua: a signed-in agent's skills change (a publish): the queues and grades it is
-- counted, staffed and idle under become the new ones, in the state it is in. A ringing
-- offer or a connected call stays; an offline or unknown agent is left alone (its next
-- login brings the new skills).
-- KEYS[1] namespace "{prefix}:"
-- ARGV[1] agent, ARGV[2] now (ms), ARGV[3] order (fixed-order rank), ARGV[4..] grades (queue,
-- grade, queue, grade, ...)
-- Returns changed | unchanged | offline.
local a = agent
local ak = K.agent(a)
local v = redis.call('HMGET', ak, 'st', 'bo', 'rsn', 'since', 'ord')
if not v[1] or v[1] == 'offline' then return 'offline' end
local old, new = {}, {}
local sk = skills(a)
for i = 1, #sk, 2 do old[sk[i]] = sk[i + 1] end
local same = v[5] == int(order) and #sk == #grades
for i = 1, #grades, 2 do
  new[grades[i]] = grades[i + 1]
  same = same and old[grades[i]] == grades[i + 1]
end
if same then return 'unchanged' end
-- Out of every count and set under the old skills (queues it leaves are woken), then in
-- under the new ones with its state, reason and since as they were.
change_state(a, v[1], v[2], 'offline', now)
redis.call('DEL', K.skills(a))
for i = 1, #grades, 2 do
  redis.call('HSET', K.skills(a), grades[i], grades[i + 1])
  if old[grades[i]] ~= grades[i + 1] then
    emit('ADDMEMBER', now, '', grades[i], a, 'grade', grades[i + 1])
  end
end
for q in pairs(old) do
  if not new[q] then emit('REMOVEMEMBER', now, '', q, a) end
end
redis.call('HSET', ak, 'ord', int(order))
change_state(a, 'offline', nil, v[1], now, v[3], 'since', v[4] or int(now))
if v[1] == 'ready' then make_idle(a, now) end
return 'changed'
