-- queue_alarm.lua: set one queue's wallboard alarms to those in force now; only a change is
-- written, so server processes that judge the same figures raise or clear an alarm once.
-- KEYS[1] alarms hash (queue → space-separated kinds raised), KEYS[2] alarm events stream
-- ARGV[1] queue, ARGV[2] now (epoch ms), ARGV[3] stream length kept (approximate),
-- ARGV[4..] triples for each alarm in force: kind, value, threshold
-- Returns the changes as a flat list: "raised", kind, ... "cleared", kind, ... (may be empty)
local queue, now, keep = ARGV[1], ARGV[2], tonumber(ARGV[3])
local before = {}
for kind in string.gmatch(redis.call('HGET', KEYS[1], queue) or '', '%S+') do
  before[kind] = true
end
local now_in, order, changes = {}, {}, {}
for i = 4, #ARGV, 3 do
  local kind = ARGV[i]
  now_in[kind] = true
  order[#order + 1] = kind
  if not before[kind] then
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', keep, '*', 'queue', queue, 'alarm', kind,
      'state', 'raised', 'value', ARGV[i + 1], 'threshold', ARGV[i + 2], 't', now)
    changes[#changes + 1] = 'raised'
    changes[#changes + 1] = kind
  end
end
local gone = {}
for kind in pairs(before) do
  if not now_in[kind] then gone[#gone + 1] = kind end
end
table.sort(gone) -- pairs() has no order; the stream should not depend on it
for _, kind in ipairs(gone) do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', keep, '*', 'queue', queue, 'alarm', kind,
    'state', 'cleared', 't', now)
  changes[#changes + 1] = 'cleared'
  changes[#changes + 1] = kind
end
if #changes > 0 then
  table.sort(order)
  if #order > 0 then
    redis.call('HSET', KEYS[1], queue, table.concat(order, ' '))
  else
    redis.call('HDEL', KEYS[1], queue)
  end
end
return changes
