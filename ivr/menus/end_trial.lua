-- end_trial: end the trial in force only if it is still the one the caller read.
-- KEYS[1]: the trial pointer (routing.keys.Keys.trial_config)
-- ARGV[1]: the pointer's value as read (the trial's JSON)
-- Returns: 1 when this call ended it, 0 when another trial (or none) is in force.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
