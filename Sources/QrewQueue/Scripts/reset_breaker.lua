--[[ reset_breaker: close a circuit breaker at once (an operator's escape hatch, `qctl breakers
  reset`): its failures are forgotten and its waiters queued again (lib/gates).
  KEYS: none declared; it derives its keys from the prefix because the breaker's waiters, their
  tasks and queues come from the parked set it reads (lib/gates) (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] breaker key (escaped as in gate names)  ARGV[5] most waiters to queue in this call
  Returns: {1 if the breaker had state or waiters else 0, waiters still parked (call again)}. ]]
--@include common
--@include limits
--@include gates

local bk = gates().breaker_key(ARGV[4])
local parked = bk .. ':parked'
local existed = (redis.call('EXISTS', bk) + redis.call('EXISTS', parked)) > 0
redis.call('DEL', bk, bk .. ':failures')
redis.call('ZREM', P .. ':breakers', ARGV[4])
unpark(parked, tonumber(ARGV[5]))
local left = redis.call('ZCARD', parked)
flush()
return { existed and 1 or 0, left }
