--[[ expire_tasks: give the task keys of finished runs the expiry of their run, off the hot path.
  A run's last settlement (lib/finish) expires the run's own keys and adds the run to
  <prefix>:expiring instead of touching each task key in that call, which would hold back the
  run's end, and the reply to the worker whose result ended it, by about 2 µs per task. This
  script then expires each task key and the run's task list when the run hash does (its
  remaining time; at once if it is gone). A run retried meanwhile (no `finishedAt`) is live
  again and left alone; it comes back when it finishes again.
  ARGV[1..3] prefix, now, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] task keys to expire per call (whole runs, at least one)
  Returns: number of runs whose tasks it expired. ]]
--@include common
--@include fence

check_fence(ARGV[4])
local expiring = P .. ':expiring'
local budget = tonumber(ARGV[5])
local expired = 0
for _, run in ipairs(redis.call('ZRANGE', expiring, 0, 99)) do
  if budget <= 0 then break end
  redis.call('ZREM', expiring, run)
  local rk = run_key(run)
  local ttl = redis.call('PTTL', rk)
  local finished = ttl == -2 or redis.call('HEXISTS', rk, 'finishedAt') == 1
  if finished and ttl ~= -1 then
    ttl = math.max(ttl, 1)
    local ids = redis.call('LRANGE', rk .. ':tasks', 0, -1)
    for _, id in ipairs(ids) do redis.call('PEXPIRE', task_key(run .. '/' .. id), ttl) end
    redis.call('PEXPIRE', rk .. ':tasks', ttl)
    budget = budget - #ids
    expired = expired + 1
  end
end
return expired
