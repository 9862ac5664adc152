--[[ purge_dead_letters: empty the dead-letter list.
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  Returns: number of entries removed. ]]
--@include common

local n = redis.call('LLEN', P .. ':dlq')
redis.call('DEL', P .. ':dlq')
return n
