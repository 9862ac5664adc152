--[[ retry_run: run a finished run's unsuccessful tasks again, in place, keeping the succeeded
  ones and their outputs (or, fresh, every task); or, given task ids, only those tasks and the
  unsuccessful tasks downstream of them (requeueing a dead letter).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] run id  ARGV[5] "fresh" to run every task again, "" for only the unsuccessful ones
  ARGV[6] a dead-letter entry, byte for byte as stored in <prefix>:dlq, to remove in the same
    call ("" for none)  ARGV[7..] task ids: reset only these (those not succeeded) and the
    unsuccessful tasks downstream of them; a downstream task that still depends on a task left
    unsuccessful (and not continueOnError) stays as it is, and keeps the run failed.
  A reset task waits for its dependencies that are reset too; those with none are queued at once.
  Its crash count is reset too, so a quarantined task requeued after a fix runs again.
  The run's expiry is removed: it is live again, with a fresh workflow timeout (P:deadlines).
  Returns: {tasks reset, run state after, id of the stream entry holding the run_retried event}
  ({0, state} when there is nothing to retry; a given entry is still removed), {-1, "missing"}
  for an unknown run, {-2, state} when the run has not finished yet, or {-3, state} when the
  given dead-letter entry is no longer in the list (requeued or purged meanwhile; nothing
  changed). ]]
--@include common

local run, fresh, entry = ARGV[4], ARGV[5] == 'fresh', ARGV[6] or ''
local rk = run_key(run)
local state = redis.call('HGET', rk, 'state')
if not state then return { -1, 'missing' } end
if not redis.call('HGET', rk, 'finishedAt') then return { -2, state } end
if entry ~= '' and redis.call('LREM', P .. ':dlq', 1, entry) == 0 then return { -3, state } end

local ids = redis.call('LRANGE', rk .. ':tasks', 0, -1)
local reset = {}
local reset_count = 0
local keep_failed = false
if #ARGV < 7 then
  for _, id in ipairs(ids) do
    local task_state = redis.call('HGET', task_key(run .. '/' .. id), 'state')
    if fresh or task_state ~= 'succeeded' then
      reset[id] = 0
      reset_count = reset_count + 1
    end
  end
else
  local info, deps_of = {}, {}
  for _, id in ipairs(ids) do
    local t = redis.call('HMGET', task_key(run .. '/' .. id), 'state', 'dependents', 'continueOnError')
    info[id] = { state = t[1], dependents = cjson.decode(t[2] or '[]'), coe = t[3] == '1' }
  end
  for id, t in pairs(info) do
    for _, d in ipairs(t.dependents) do
      deps_of[d] = deps_of[d] or {}
      table.insert(deps_of[d], id)
    end
  end
  local given, frontier = {}, {}
  for i = 7, #ARGV do
    local id = ARGV[i]
    if info[id] and info[id].state ~= 'succeeded' and not reset[id] then
      given[id], reset[id] = true, 0
      frontier[#frontier + 1] = id
    end
  end
  while #frontier > 0 do
    local next_frontier = {}
    for _, id in ipairs(frontier) do
      for _, d in ipairs(info[id].dependents) do
        if info[d] and info[d].state ~= 'succeeded' and not reset[d] then
          reset[d] = 0
          next_frontier[#next_frontier + 1] = d
        end
      end
    end
    frontier = next_frontier
  end
  -- A settled dependency counts as met when it succeeded, or failed with continueOnError.
  local function met(id)
    local t = info[id]
    return t.state == 'succeeded' or (t.coe and (t.state == 'failed' or t.state == 'timed_out' or t.state == 'lost'))
  end
  local changed = true
  while changed do
    changed = false
    for id in pairs(reset) do
      if not given[id] then
        for _, dep in ipairs(deps_of[id] or {}) do
          if not reset[dep] and not met(dep) then
            reset[id] = nil
            changed = true
            break
          end
        end
      end
    end
  end
  for _, id in ipairs(ids) do
    if reset[id] then
      reset_count = reset_count + 1
    elseif not met(id) then
      keep_failed = true
    end
  end
end
if reset_count == 0 then return { 0, state } end

-- Each reset task waits for each of its dependencies that is reset too.
for id in pairs(reset) do
  for _, dependent in ipairs(cjson.decode(redis.call('HGET', task_key(run .. '/' .. id), 'dependents') or '[]')) do
    if reset[dependent] then reset[dependent] = reset[dependent] + 1 end
  end
end

for _, suffix in ipairs({ '', ':tasks', ':events', ':capacity', ':inflight' }) do
  redis.call('PERSIST', rk .. suffix)
end
redis.call('HDEL', rk, 'finishedAt', 'failedTasks', 'cancelReason', 'error')
if keep_failed then redis.call('HSET', rk, 'failedTasks', '1') end
redis.call('HSET', rk, 'state', 'running', 'pending', reset_count)
-- A fresh workflow timeout from now (the finished run left the deadlines set).
local timeout = tonumber(redis.call('HGET', rk, 'timeoutMs'))
if timeout then redis.call('ZADD', P .. ':deadlines', NOW + timeout, run) end

for _, id in ipairs(ids) do
  local deps = reset[id]
  if deps then
    local ref = run .. '/' .. id
    local tk = task_key(ref)
    redis.call('PERSIST', tk)
    redis.call('HDEL', tk, 'applied', 'output', 'error', 'exitCode', 'startedAt', 'finishedAt', 'worker',
      'token', 'retryAt', 'queuedAt', 'crashes', 'crash')
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
local fields = { 'type', 'run_retried', 'run', run, 'tasks', tostring(reset_count),
  'fresh', fresh and 'true' or 'false', 'ts', NOW_S }
if #ARGV >= 7 then
  fields[#fields + 1] = 'only'
  fields[#fields + 1] = table.concat(ARGV, ',', 7)
end
emit(run, fields)
return { reset_count, 'running', flush()[run] }
