--[[ remove_schedule: delete a schedule (`qctl schedule remove`); runs it submitted are left alone.
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] schedule name
  Returns: 1 when it existed, else 0. ]]
--@include common

redis.call('ZREM', P .. ':schedules', ARGV[4])
return redis.call('DEL', P .. ':schedule:' .. ARGV[4])
