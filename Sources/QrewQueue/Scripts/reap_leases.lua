--[[ reap_leases: take back tasks whose lease expired (worker killed, frozen or cut off).
  ARGV[1..3] prefix, now, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] max leases to reap in this call
  ARGV[6] retry delay (ms) for a lost lease
  The task's token is dropped, so the old worker's late result is refused. With attempts left
  the task waits out the delay in the delayed set; otherwise it ends "failed" ("lease lost") and
  an event goes to the coordinator like any final result; applying it (lib/apply) writes the
  dead letter with this reason, so a lost lease is dead-lettered exactly once.
  Returns: array of reaped refs. ]]
--@include common
--@include limits
--@include fence

check_fence(ARGV[4])
local expired = redis.call('ZRANGEBYSCORE', P .. ':leases', '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
for _, ref in ipairs(expired) do
  redis.call('ZREM', P .. ':leases', ref)
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'attempt', 'maxAttempts', 'limits', 'id', 'worker')
  if t[1] == 'running' then
    local run = split_ref(ref)
    release_limits(run, t[4])
    redis.call('HDEL', tk, 'token')
    local reason = 'lease lost: worker ' .. tostring(t[6]) .. ' stopped heartbeating'
    if tonumber(t[2]) < tonumber(t[3]) then
      local due = NOW + tonumber(ARGV[6])
      redis.call('HSET', tk, 'state', 'ready', 'retryAt', due, 'error', reason)
      redis.call('ZADD', P .. ':delayed', due, ref)
      emit(run, { 'type', 'task_retrying', 'task', t[5], 'outcome', 'lost', 'attempt', t[2],
        'retryAt', tostring(due), 'error', reason, 'ts', NOW_S })
    else
      redis.call('HSET', tk, 'state', 'failed', 'finishedAt', NOW, 'error', reason)
      emit(run, { 'type', 'task_finished', 'task', t[5], 'state', 'failed', 'attempt', t[2],
        'error', reason, 'ts', NOW_S })
      redis.call('XADD', P .. ':events', '*', 'ref', ref)
    end
  end
end
flush()
return expired
