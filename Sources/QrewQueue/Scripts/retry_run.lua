--[[ retry_run: run a finished run's unsuccessful tasks again, in place, keeping the succeeded
  ones and their outputs (or, fresh, every task).
  ARGV[1..3] prefix, now, stream cap (see lib/common)
  ARGV[4] run id  ARGV[5] "fresh" to run every task again, "" for only the unsuccessful ones
  A reset task waits for its dependencies that are reset too; those with none are queued at once.
  The run's expiry is removed: it is live again.
  Returns: {tasks reset, run state after, id of the run_retried event} ({0, state} when there
  is nothing to retry), {-1, "missing"} for an unknown run, or
  {-2, state} when the run has not finished yet. ]]
--@include common

local run, fresh = ARGV[4], ARGV[5] == 'fresh'
local rk = run_key(run)
local state = redis.call('HGET', rk, 'state')
if not state then return { -1, 'missing' } end
if not redis.call('HGET', rk, 'finishedAt') then return { -2, state } end

local ids = redis.call('LRANGE', rk .. ':tasks', 0, -1)
local reset = {}
local reset_count = 0
for _, id in ipairs(ids) do
  local task_state = redis.call('HGET', task_key(run .. '/' .. id), 'state')
  if fresh or task_state ~= 'succeeded' then
    reset[id] = 0
    reset_count = reset_count + 1
  end
end
if reset_count == 0 then return { 0, state } end

-- Each reset task waits for each of its dependencies that is reset too.
for id in pairs(reset) do
  for _, dependent in ipairs(cjson.decode(redis.call('HGET', task_key(run .. '/' .. id), 'dependents') or '[]')) do
    if reset[dependent] then reset[dependent] = reset[dependent] + 1 end
  end
end

for _, suffix in ipairs({ '', ':tasks', ':events', ':outputs', ':capacity', ':inflight' }) do
  redis.call('PERSIST', rk .. suffix)
end
redis.call('HDEL', rk, 'finishedAt', 'failedTasks', 'cancelReason', 'error')
redis.call('HSET', rk, 'state', 'running', 'pending', reset_count)

for _, id in ipairs(ids) do
  local deps = reset[id]
  if deps then
    local ref = run .. '/' .. id
    local tk = task_key(ref)
    redis.call('PERSIST', tk)
    redis.call('HDEL', tk, 'applied', 'output', 'error', 'exitCode', 'startedAt', 'finishedAt', 'worker',
      'token', 'leaseDeadline', 'retryAt', 'queuedAt')
    redis.call('HDEL', rk .. ':outputs', id)
    redis.call('HSET', tk, 'attempt', 0, 'deps', deps, 'state', deps == 0 and 'ready' or 'waiting')
    if deps == 0 then
      local t = redis.call('HMGET', tk, 'priority', 'queue')
      redis.call('HSET', tk, 'queuedAt', NOW)
      push_ready(ref, t[1], t[2])
    end
  else
    redis.call('PERSIST', task_key(run .. '/' .. id))
  end
end
local event = emit(run, { 'type', 'run_retried', 'run', run, 'tasks', tostring(reset_count),
  'fresh', fresh and 'true' or 'false', 'ts', tostring(NOW) })
return { reset_count, 'running', event }
