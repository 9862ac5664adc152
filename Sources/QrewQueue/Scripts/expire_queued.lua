--[[ expire_queued: end the tasks whose queue timeout (schedule-to-start, the step's
  `queueTimeout`) passed before any worker started them.
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] max deadlines to check in this call
  Reads <prefix>:queuetimeouts (score: when the task, queued at `queuedAt`, must have started;
  lib/schedule `watch_queue_timeout`). A task still queued (`ready`, not backing off, the same
  `queuedAt`) is taken out of its ready queue and every parked set; the attempt counts, and its
  outcome is `timed_out` with error "queue timeout: not started within <d>". The step's retry
  policy decides as for any outcome: when `retries.on` includes `timeout` and attempts remain
  (the task's `queueTimeoutRetry` field, written at store time), it waits out the backoff in the
  delayed set (task_retrying, outcome timed_out); otherwise it ends `timed_out` and an event goes
  to the coordinator like any final result (an approval step's `timeout` works this way, with the
  error "approval timeout: no decision within <d>") (lib/apply: dependents skipped unless
  continueOnError, dead letter). A task that started in time, or whose run is being canceled,
  is left alone; its entry is dropped.
  Returns: {number of tasks timed out, ms until the next deadline or -1 if none}. ]]
--@include common
--@include limits
--@include fence
--@include backoff

-- A queue timeout (ms) as a person writes it: "30s", "5m", "1500ms".
local function describe_ms(ms)
  if ms % 60000 == 0 then return string.format('%.0fm', ms / 60000) end
  if ms % 1000 == 0 then return string.format('%.0fs', ms / 1000) end
  return string.format('%.0fms', ms)
end

check_fence(ARGV[4])
local key = P .. ':queuetimeouts'
local due = redis.call('ZRANGEBYSCORE', key, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
local expired = 0
for index, ref in ipairs(due) do
  redis.call('ZREM', key, ref)
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'retryAt', 'queuedAt', 'queueTimeoutMs', 'queue', 'limits', 'attempt',
    'maxAttempts', 'id', 'queueTimeoutRetry', 'await')
  local limit_ms = tonumber(t[4])
  local run = split_ref(ref)
  if t[1] == 'ready' and not t[2] and limit_ms and tonumber(t[3]) and tonumber(t[3]) + limit_ms <= NOW
      and not redis.call('HGET', run_key(run), 'cancelReason') then
    redis.call('ZREM', ready_key(t[5]), ref)
    for _, limit in ipairs(split_csv(t[6])) do
      local _, _, _, _, parked = limit_keys(run, limit)
      redis.call('ZREM', parked, ref)
    end
    expired = expired + 1
    local attempt = (tonumber(t[7]) or 0) + 1
    local reason = 'queue timeout: not started within ' .. describe_ms(limit_ms)
    if t[11] == 'approval' then reason = 'approval timeout: no decision within ' .. describe_ms(limit_ms) end
    local delay = nil
    if attempt < (tonumber(t[8]) or 1) then
      delay = retry_delay(t[10], attempt, ((NOW_MICROS + index * 7919) % 1000) / 1000)
    end
    if delay then
      local retry_at = NOW + delay
      redis.call('HSET', tk, 'attempt', attempt, 'retryAt', retry_at, 'finishedAt', NOW_S, 'error', reason)
      redis.call('ZADD', P .. ':delayed', retry_at, ref)
      emit(run, { 'type', 'task_retrying', 'task', t[9], 'outcome', 'timed_out', 'attempt', tostring(attempt),
        'retryAt', string.format('%.0f', retry_at), 'error', reason, 'ts', NOW_S })
    else
      redis.call('HSET', tk, 'state', 'timed_out', 'attempt', attempt, 'finishedAt', NOW_S, 'error', reason)
      emit(run, { 'type', 'task_finished', 'task', t[9], 'state', 'timed_out', 'attempt', tostring(attempt),
        'error', reason, 'ts', NOW_S })
      redis.call('XADD', P .. ':events', '*', 'ref', ref)
    end
  end
end
local nxt = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait = -1
if #nxt > 0 then wait = math.max(0, tonumber(nxt[2]) - NOW) end
flush()
return { expired, wait }
