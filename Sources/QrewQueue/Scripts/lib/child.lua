--[[ child: the run of a child-workflow step (docs/protocol.md "Child workflows"). Needs
  lib/common, lib/limits, lib/finish, lib/cancel and lib/apply.
  `start_child` stores a step's child run with fields `parent` (the parent run id) and
  `parentTask` (the step's task id) and leaves the step's task `running` with no lease and no
  token, field `childRun` = the child run id. When the child run finishes (lib/finish `settle`)
  its id goes to the list <prefix>:childrenDone; `finish_children` (the leader) ends the step from
  there: `succeeded` when the child run succeeded, else `failed` with the child's state; a failed
  child run of a step with `retries` (fields `childAttempts`, `childRetry`) that has child runs
  left (`childAttempt`, counted by `start_child`) sends the step back to the `__workflow` queue
  after the backoff instead, to start a fresh child run. Needs lib/backoff too. ]]

-- The outputs of every task of run `child`, as one JSON object {task id: output} with the keys
-- in the order of the run's task list ("{}" for none).
local function child_outputs(child)
  local ids = redis.call('LRANGE', run_key(child) .. ':tasks', 0, -1)
  local members = {}
  for i, id in ipairs(ids) do
    local output = redis.call('HGET', task_key(child .. '/' .. id), 'output') or ''
    members[i] = cjson.encode(id) .. ':' .. cjson.encode(output)
  end
  return '{' .. table.concat(members, ',') .. '}'
end

-- Ends the step whose child run `child` finished, unless that step no longer waits for it
-- (canceled, or its run is canceling: the cancel sweep ends it). Returns 1 if it ended the step.
local function finish_child_step(child)
  local c = redis.call('HMGET', run_key(child), 'parent', 'parentTask', 'state', 'cancelReason')
  if not c[1] or not c[2] then return 0 end
  local run, ref = c[1], c[1] .. '/' .. c[2]
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'childRun', 'attempt', 'childAttempt', 'childAttempts', 'childRetry')
  if t[1] ~= 'running' or t[2] ~= child or cancel_reason(run) then return 0 end
  local state, err = 'succeeded', ''
  if c[3] ~= 'succeeded' then
    state = 'failed'
    err = 'child run ' .. child .. ' ended ' .. (c[3] or 'unknown') .. (c[4] and (': ' .. c[4]) or '')
  end
  local attempt = tonumber(t[4]) or 1
  if c[3] == 'failed' and attempt < (tonumber(t[5]) or 1) then
    -- another child run after the backoff: promote_delayed queues the step on `__workflow` again
    local due = NOW + (retry_delay(t[6], attempt, (NOW_MICROS % 1000) / 1000) or 0)
    redis.call('HSET', tk, 'state', 'ready', 'token', '', 'retryAt', string.format('%.0f', due), 'error', err)
    redis.call('HDEL', tk, 'childRun')
    redis.call('ZADD', P .. ':delayed', due, ref)
    emit(run, { 'type', 'task_retrying', 'task', c[2], 'outcome', 'failed', 'attempt', tostring(attempt),
      'retryAt', string.format('%.0f', due), 'error', err, 'ts', NOW_S })
    return 1
  end
  redis.call('HSET', tk, 'state', state, 'token', '', 'finishedAt', NOW_S, 'output', child_outputs(child),
    'error', err, 'applied', '0')
  emit(run, { 'type', 'task_finished', 'task', c[2], 'state', state, 'attempt', t[3], 'error', err, 'ts', NOW_S })
  apply_final(ref)
  return 1
end
