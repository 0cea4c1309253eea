-- batch.lua: several operations in one call, run in order, each as its own script would
-- run it (the whole batch is atomic too). An operation that raises an error is reported in
-- its slot; the others still run. Prepended: the prelude (begin_batch, end_batch), the
-- operations (op_<name>) and the OPS table; appended: run_batch's registration.
-- KEYS[n] the key operation n works on (the router's: KEYS[1], the namespace, every time)
-- ARGV[1] number of operations, then per operation: its name (enqueue, accept, ...), its
-- argument count c, and its c arguments as that operation's own script takes them.
-- Returns two entries per operation, flat: 1 and its result (nil when it returned none), or
-- 0 and the error message. Flat, because every nested table costs Redis a conversion.
local function run_batch(KEYS, ARGV)
  unpack = unpack or lua_unpack()
  begin_batch(KEYS)
  local out, i = {}, 2
  for n = 1, ARGV[1] + 0 do
    local name, argc = ARGV[i], ARGV[i + 1] + 0
    local args = {unpack(ARGV, i + 2, i + 1 + argc)}  -- sized once, not grown slot by slot
    i = i + 2 + argc
    local op = OPS[name]
    if not op then
      out[2 * n - 1], out[2 * n] = 0, 'unknown operation ' .. tostring(name)
    else
      local ok, res = pcall(op, KEYS[n], args)
      if ok then
        if res == nil then res = false end  -- a nil would end the reply here
        out[2 * n - 1], out[2 * n] = 1, res
      else
        out[2 * n - 1], out[2 * n] = 0, type(res) == 'table' and tostring(res.err) or tostring(res)
      end
    end
  end
  end_batch()
  return out
end
