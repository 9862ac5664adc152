--[[ expire_queued: end the tasks whose queue timeout (schedule-to-start, the step's
  `queueTimeout`) passed before any worker started them.
  KEYS: none declared; it derives its keys from the prefix because the tasks and their runs come
  from P:queuetimeouts, which it reads (docs/scaling.md, Scripts).
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
  Wait steps (`await` = `sleep` or `event`, lib/common note_ready) use the same deadlines: a timed
  wait ends `succeeded` when its duration (its `queueTimeoutMs`) has passed since it was queued; an
  event wait whose event was signaled before it was reached is listed due at once and ends
  `succeeded` with the event's data as output; one with a `timeout` and no event ends `timed_out`
  ("wait timeout: no event <name> within <d>").
  Returns: {number of tasks timed out or ended, ms until the next deadline or -1 if none}. ]]
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

-- Ends a waiting `type: wait` task (`t` as read below) whose time came: a timed wait (`sleep`)
-- succeeds at its due time; an event wait succeeds with the data of its event once the event is
-- in the run's <run>:signals (signaled before the task was reached), else ends `timed_out` at its
-- `timeout`. The result goes to the coordinator's events stream. Returns 1 if it ended the task.
local function end_wait(ref, run, t, limit_ms)
  if t[1] ~= 'ready' or redis.call('HGET', run_key(run), 'cancelReason') then return 0 end
  local overdue = limit_ms and tonumber(t[3]) and tonumber(t[3]) + limit_ms <= NOW
  local state, output, err = 'succeeded', '', ''
  if t[11] == 'event' then
    local data = redis.call('HGET', run_key(run) .. ':signals', t[12])
    if data then
      output = data
    elseif overdue then
      state, err = 'timed_out', 'wait timeout: no event ' .. t[12] .. ' within ' .. describe_ms(limit_ms)
    else
      return 0
    end
  elseif not overdue then
    return 0
  end
  if redis.call('ZREM', ready_key(AWAITING_QUEUE), ref) == 0 then return 0 end
  redis.call('SREM', run_key(run) .. ':awaiting', t[9])
  redis.call('HSET', task_key(ref), 'state', state, 'attempt', '1', 'startedAt', t[3], 'finishedAt', NOW_S,
    'output', output, 'error', err)
  local fields = { 'type', 'task_finished', 'task', t[9], 'state', state, 'attempt', '1', 'error', err, 'ts', NOW_S }
  if t[11] == 'event' and state == 'succeeded' then
    fields[#fields + 1] = 'signal'
    fields[#fields + 1] = t[12]
  end
  emit(run, fields)
  redis.call('XADD', P .. ':events', '*', 'ref', ref)
  return 1
end

check_fence(ARGV[4])
local key = P .. ':queuetimeouts'
local due = redis.call('ZRANGEBYSCORE', key, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
local expired = 0
for index, ref in ipairs(due) do
  redis.call('ZREM', key, ref)
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'retryAt', 'queuedAt', 'queueTimeoutMs', 'queue', 'limits', 'attempt',
    'maxAttempts', 'id', 'queueTimeoutRetry', 'await', 'event')
  local limit_ms = tonumber(t[4])
  local run = split_ref(ref)
  if t[11] == 'sleep' or t[11] == 'event' then
    expired = expired + end_wait(ref, run, t, limit_ms)
  elseif t[1] == 'ready' and not t[2] and limit_ms and tonumber(t[3]) and tonumber(t[3]) + limit_ms <= NOW
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
