--[[ purge_dead_letters: empty the dead-letter list.
  KEYS[1] P:dlq (declared: no other key is touched)
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  Returns: number of entries removed. ]]
--@include common

local n = redis.call('LLEN', KEYS[1])
redis.call('DEL', KEYS[1])
return n
