--[[ pause_schedule: pause or resume a schedule (`qctl schedule pause|resume`). A paused schedule
  leaves P:schedules, so it fires nothing; resuming forgets its next tick and puts it back due at
  0, so the leading coordinator computes the first tick after now: ticks that passed while it was
  paused never run (whatever its catchUp).
  KEYS[1] P:schedule:<name>  KEYS[2] P:schedules (declared: no other key is touched)
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] schedule name  ARGV[5] 1 to pause, 0 to resume
  Returns: 1 when the schedule changed, 0 when it was already so, -1 when there is no such schedule. ]]
--@include common

local name = ARGV[4]
local sk = KEYS[1]
if redis.call('EXISTS', sk) == 0 then return -1 end
if redis.call('HGET', sk, 'paused') == ARGV[5] then return 0 end
redis.call('HSET', sk, 'paused', ARGV[5])
if ARGV[5] == '1' then
  redis.call('ZREM', KEYS[2], name)
else
  redis.call('HDEL', sk, 'next')
  redis.call('ZADD', KEYS[2], 0, name)
end
return 1
