--[[ wake_gates: queue the waiters of circuit breakers and rate limits whose due time came
  (lib/gates): a rate limit's freed starts, a breaker's probe once its cooldown passed, all of a
  breaker's waiters once it closed; and forgets the entries of <prefix>:breakers whose breaker
  expired. Called by the leader's reap loop.
  KEYS: none declared; it derives its keys from the prefix because the gates, waiting tasks and
  their queues come from the sets it reads (lib/gates) (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] max gates to wake in this call
  Returns: {waiters taken off parked sets (queued, or dropped when no longer ready), ms until the next gate is due or -1 if none is}. ]]
--@include common
--@include fence
--@include limits
--@include gates

check_fence(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', GATES_DUE, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
local woken = 0
for _, gate in ipairs(due) do
  redis.call('ZREM', GATES_DUE, gate)
  woken = woken + gates().wake_gate(gate)
end
redis.call('ZREMRANGEBYSCORE', P .. ':breakers', '-inf', NOW)
local nxt = redis.call('ZRANGE', GATES_DUE, 0, 0, 'WITHSCORES')
local wait = -1
if #nxt > 0 then wait = math.max(0, tonumber(nxt[2]) - NOW) end
flush()
return { woken, wait }
