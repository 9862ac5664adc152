--[[ promote_delayed: queue the tasks whose retry backoff has elapsed.
  KEYS: none declared; it derives its keys from the prefix because the tasks come from P:delayed,
  and their queues and limits from the task hashes, which it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] max tasks to promote in this call
  Returns: {number promoted, ms until the next one is due or -1 if none waits}. ]]
--@include common
--@include fence

check_fence(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', P .. ':delayed', '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
for _, ref in ipairs(due) do
  redis.call('ZREM', P .. ':delayed', ref)
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'priority', 'queue', 'concurrencyKey', 'queueTimeoutMs')
  if t[1] == 'ready' then
    redis.call('HSET', tk, 'queuedAt', NOW)
    redis.call('HDEL', tk, 'retryAt')
    push_ready(ref, t[2], t[3], t[4], t[5])
  end
end
local nxt = redis.call('ZRANGE', P .. ':delayed', 0, 0, 'WITHSCORES')
local wait = -1
if #nxt > 0 then wait = math.max(0, tonumber(nxt[2]) - NOW) end
flush()
return { #due, wait }
