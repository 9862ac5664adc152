--[[ due_schedules: the schedules whose next tick came, on Redis's clock (read only; the leading
  coordinator then fires each with `fire_schedule`).
  KEYS[1] P:schedules (declared: no other key is touched)
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] most names to return
  Returns: {NOW, next tick of the first schedule not yet due or -1, name...}. ]]
--@include common

local zk = KEYS[1]
local due = redis.call('ZRANGEBYSCORE', zk, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[4]))
local upcoming = redis.call('ZRANGEBYSCORE', zk, '(' .. NOW_S, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local reply = { NOW, upcoming[2] and tonumber(upcoming[2]) or -1 }
for _, name in ipairs(due) do reply[#reply + 1] = name end
return reply
