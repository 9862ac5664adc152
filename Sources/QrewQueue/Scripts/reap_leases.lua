--[[ reap_leases: take back tasks whose lease expired (worker killed, frozen or cut off).
  KEYS: none declared; it derives its keys from the prefix because the tasks come from P:leases, and
  their runs, queues and limits from the task hashes, which it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] max leases to reap in this call
  The task's token is dropped, so the old worker's late result is refused. The attempt's outcome
  is `lost`, and the step's retry policy decides as for any outcome: when `retries.on` includes
  `lost` and attempts remain (the task's `lostRetry` field, written at store time, lib/store),
  the task waits out the policy's backoff in the delayed set (task_retrying, outcome lost);
  otherwise it ends in the final state `lost` and an event goes to the coordinator like any final
  result; applying it (lib/apply) skips its dependents and writes the dead letter with this
  reason, exactly once.
  A task whose claim or run crashed two workers (`crashes` >= 2, counted by record_crash) ends
  "failed" instead, with a "quarantined: ..." reason, whatever attempts it has left.
  A lost attempt of a task with `gates` counts as a failure at its circuit breakers (lib/gates).
  Returns: flat array of reaped ref, outcome pairs: `retrying` (waits out its backoff), `lost` or
  `failed` (ended for good; `failed` when quarantined), `gone` (the lease entry of a task no
  longer running, dropped). ]]
--@include common
--@include limits
--@include gates
--@include fence
--@include backoff

check_fence(ARGV[4])
local expired = redis.call('ZRANGEBYSCORE', P .. ':leases', '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
local reaped = {}
for index, ref in ipairs(expired) do
  redis.call('ZREM', P .. ':leases', ref)
  reaped[#reaped + 1] = ref
  reaped[#reaped + 1] = 'gone'
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'attempt', 'maxAttempts', 'limits', 'id', 'worker', 'lostRetry', 'gates')
  if t[1] == 'running' then
    local run = split_ref(ref)
    release_limits(run, t[4])
    if t[8] and t[8] ~= '' then gates().gate_result(t[8], ref, t[2], false) end
    redis.call('HDEL', tk, 'token')
    local reason = 'lease lost: worker ' .. tostring(t[6]) .. ' stopped heartbeating'
    -- Poison quarantine: a task that crashed two workers (record_crash counts a worker's own
    -- fatal signal, never a kill) ends failed whatever attempts are left, not in a crash loop.
    -- `crash` describes this lease's crash only: consumed here, `crashes` keeps the count.
    local crashed = redis.call('HMGET', tk, 'crashes', 'crash')
    local quarantined = (tonumber(crashed[1]) or 0) >= 2
    local last = crashed[2] and (' (last: ' .. crashed[2] .. ')') or ''
    if crashed[2] then redis.call('HDEL', tk, 'crash') end
    if quarantined then
      reason = 'quarantined: this task crashed ' .. crashed[1] .. ' workers while being claimed or run' .. last
        .. '; not retried (qctl dlq requeue ID to run it again)'
    elseif crashed[2] then
      reason = 'lease lost: ' .. crashed[2] .. ' while claiming or running it'
    end
    local attempt = tonumber(t[2])
    local delay = nil
    if not quarantined and attempt < tonumber(t[3]) then
      delay = retry_delay(t[7], attempt, ((NOW_MICROS + index * 7919) % 1000) / 1000)
    end
    if delay then
      local due = NOW + delay
      redis.call('HSET', tk, 'state', 'ready', 'retryAt', due, 'finishedAt', NOW_S, 'error', reason)
      redis.call('ZADD', P .. ':delayed', due, ref)
      reaped[#reaped] = 'retrying'
      emit(run, { 'type', 'task_retrying', 'task', t[5], 'outcome', 'lost', 'attempt', t[2],
        'retryAt', string.format('%.0f', due), 'error', reason, 'ts', NOW_S })
    else
      local final = quarantined and 'failed' or 'lost'
      reaped[#reaped] = final
      redis.call('HSET', tk, 'state', final, 'finishedAt', NOW_S, 'error', reason)
      emit(run, { 'type', 'task_finished', 'task', t[5], 'state', final, 'attempt', t[2],
        'error', reason, 'ts', NOW_S })
      redis.call('XADD', P .. ':events', '*', 'ref', ref)
    end
  end
end
flush()
return reaped
