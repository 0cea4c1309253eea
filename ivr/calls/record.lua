-- record: a menu choice and/or facts about a call, and optionally its path, in one step.
-- KEY: the call's hash
-- ARGV[1]: TTL in seconds
-- ARGV[2]: menu depth of the choice; ARGV[3]: the choice ('' for none), kept as field p<depth>
-- ARGV[4]: -1, or n: join fields p0..p(n-1) with ' > ' and store it as field 'path'
-- ARGV[5..]: field, value pairs to set
-- Returns: {path, vip}: the path ('' unless ARGV[4] >= 0) and the caller's VIP class.
if ARGV[3] ~= '' then
  redis.call('HSET', KEY, 'p' .. ARGV[2], ARGV[3])
end
local path = ''
local depth = tonumber(ARGV[4])
if depth >= 0 then
  local parts = {}
  for d = 0, depth - 1 do
    local choice = redis.call('HGET', KEY, 'p' .. d)
    if choice then
      parts[#parts + 1] = choice
    end
  end
  path = table.concat(parts, ' > ')
  redis.call('HSET', KEY, 'path', path)
end
if #ARGV >= 6 then
  redis.call('HSET', KEY, unpack(ARGV, 5))
end
redis.call('EXPIRE', KEY, ARGV[1])
return {path, redis.call('HGET', KEY, 'vip') or ''}
