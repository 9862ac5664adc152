--[[ acquire_leadership: take or renew the coordinator leader lease, with a fencing token.
  KEYS[1] P:leader  KEYS[2] P:fence (declared: no other key is touched)
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] coordinator id  ARGV[5] lease length (ms)
  The leader key holds "<coordinator id>:<fence>"; the fence grows on every change of leader,
  and every coordinator script checks it (lib/fence), so a paused ex-leader cannot act.
  Returns: the leader value this coordinator now holds, or false if another one leads. ]]
--@include common

local key, me, ttl = KEYS[1], ARGV[4], tonumber(ARGV[5])
local current = redis.call('GET', key)
if current then
  -- Exactly this coordinator: the id is everything before the last ':' (ids may contain ':').
  if string.match(current, '^(.*):%d+$') == me then
    redis.call('PEXPIRE', key, ttl)
    return current
  end
  return false
end
local value = me .. ':' .. redis.call('INCR', KEYS[2])
redis.call('SET', key, value, 'PX', ttl)
return value
