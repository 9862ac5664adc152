--[[ remove_schedule: delete a schedule (`qctl schedule remove`); runs it submitted are left alone.
  KEYS[1] P:schedule:<name>  KEYS[2] P:schedules (declared: no other key is touched)
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] schedule name
  Returns: 1 when it existed, else 0. ]]
--@include common

redis.call('ZREM', KEYS[2], ARGV[4])
return redis.call('DEL', KEYS[1])
