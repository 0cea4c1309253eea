-- mark_ended: remember that a call ended, apart from its facts, for a while.
-- KEY: the call's ended marker
-- ARGV[1]: how long to remember it, in seconds
-- Returns: 1.
redis.call('SET', KEY, '1', 'EX', ARGV[1])
return 1
