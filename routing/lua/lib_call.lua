-- lib_call.lua: what one call of the router's library works with; first in the library,
-- never run on its own. KEYS[1] is the namespace "{prefix}:". Keys of agents a script
-- chooses while it runs cannot be named by the caller in advance, so every key is built
-- from KEYS[1], by the builders generated from routing/keys.py that follow this file
-- (K.<family>, routing/lua/prelude.py); they share its hash tag, hence its Cluster slot.
-- Clock (ms) and ids always come from ARGV.
--
-- The library keeps nothing from one call to the next: what it reads, it reads in the call
-- that needs it. begin_batch sets up each call afresh, end_batch drops what it held.
local B  -- the namespace of this call
-- Numbers go to Redis as text. Handed a Lua number, redis.call and `..` format it with
-- "%.17g" / "%.14g", which costs several times what "%d" does; every number the router
-- stores (ms, counts, scores, tokens) is an integer, so it is written with int().
local fmt  -- string.format, set by begin_batch (no global can be read while loading)
local INT  -- formatted this call: a batch writes the same instants and grades often
local function int(n)
  local s = INT[n]
  if not s then s = fmt('%d', n); INT[n] = s end
  return s
end
local function num(x) return tonumber(x) or 0 end

-- Shared by the operations of one batch, read the first time one needs them: queue rules
-- (CONFIGS), census (CENSUS), idle agents per idle set (IDLE; change_state and make_idle,
-- in lib_agent.lua, are the only writers of the idle sets) and the states of agents traces
-- sample, as `astate` holds them (STATE; change_state writes through). No one but this
-- call writes Redis while it runs, and each writer here updates what is shared as it
-- writes, so the batch's operations see what Redis holds.
-- An operation that fails half-way leaves them right too, so they are not dropped then:
-- every writer writes Redis first and what is shared after, with nothing that can fail in
-- between, and a redis.call that raises has written nothing. What the failed operation
-- wrote before it failed stays in Redis (Redis undoes nothing) and in these alike.
local CONFIGS, CENSUS, IDLE, STATE
-- Scratch lists that every trace of the call reuses: each trace fills them from the start
-- and reads them up to where it filled, so what an earlier one left is never read.
local NAMES, PARTS, MISSING
local function begin_batch(keys)
  B, fmt, INT = keys[1], string.format, {}
  CONFIGS, CENSUS, IDLE, STATE = {}, {}, {}, {}
  NAMES, PARTS, MISSING = {}, {}, {}
end
local function end_batch()
  B, INT, CONFIGS, CENSUS, IDLE, STATE, NAMES, PARTS, MISSING = nil, nil, nil, nil, nil, nil,
    nil, nil, nil
end
