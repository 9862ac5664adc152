--[[ retry: run a finished run's tasks again in place, in slices (`retry_run` starts it, then
  `continue_run`, `cancel_run` or the coordinator's `sweep_runs` go on; lib/sweep). Needs
  lib/common, lib/finish and lib/cancel.
  Which tasks run again (the reset set R) is decided by `mode`: `all` (every task not
  succeeded), `fresh` (every task) or `ids` (the given tasks not succeeded, and the tasks
  downstream of them through unsuccessful ones, less those that still wait on a task left
  unsuccessful: see `retry_run`). A reset task waits for each of its dependencies in R. In mode
  `all`, the join of an expanded dynamic fan-out (lib/fanout) is not reset but reopened
  (`reopen_join`): its unsuccessful children are reset (queued: they have no dependencies), the
  join counts them down again and then ends, with its output made again from every child's, as
  in the first run; a placeholder that never expanded (its list step failed) is reset like any
  task and expands when it runs. Modes `fresh` and `ids` are refused for such runs (`retry_run`).
  While it is under way the run is `retrying` (not finished: it cannot be retried again, and
  nothing of it is ready or running). The job lives in <run>:retry, a hash: `mode`, `phase`,
  `cursor` (position in the list the phase walks), `pos` (byte position in the `dependents` of
  the task at the cursor), `count` (tasks reset), `keepFailed`, `only` (the given ids), `saved`
  (JSON: the fields the run finished with) and `ttl` (its remaining time then). The phases, each a
  linear walk over slices:
    closure (ids)  from the given tasks (<run>:retry:frontier, items "<pos>:<id>"), mark the
                   unsuccessful tasks downstream in <run>:retry:marks (g given, r reached);
    unmet (ids)    over the task list: a task outside the marks that is not met marks each of
                   its reached dependents x (removed) and puts it on the frontier;
    remove (ids)   from the frontier: a removed task that is not met removes its reached
                   dependents too;
    reset          over the task list: a task in R gets `waiting`, attempt 0 and `deps` 0, its
                   result fields cleared, and is appended to <run>:retry:ids; every task key is
                   made persistent; `pending` grows by the tasks reset;
    count          over <run>:retry:ids: each reset task adds one to `deps` of each dependent
                   that is `waiting` (reset: a finished run has no other waiting task);
    queue          the run becomes `running` (event `run_retried`), then over <run>:retry:ids:
                   a reset task still `waiting` with `deps` 0 is queued.
  Queuing comes last so that no reset task finishes (and counts itself off its dependents)
  before every dependent's count is in place. A cancel that begins meanwhile ends the job (the
  cancellation ends the reset tasks; `pending` counted them). When nothing needs to run again
  (mode `all` on a run whose tasks all succeeded) the run gets back the fields it finished with
  and its expiry, and leaves the deadlines set again. ]]

-- The keys of a run's retry job: the job hash, marks, frontier and reset ids.
local function retry_keys(run)
  local jk = run_key(run) .. ':retry'
  return jk, jk .. ':marks', jk .. ':frontier', jk .. ':ids'
end

-- Whether a settled task counts as a met dependency: it succeeded, or failed (timed out, lost)
-- with continueOnError.
local function met(state, continue_on_error)
  return state == 'succeeded'
    or (continue_on_error == '1' and (state == 'failed' or state == 'timed_out' or state == 'lost'))
end

-- Runs whose `run_retried` event this call emitted: `note_retried` stores its stream entry id.
local retried_runs = {}

-- After `flush`: records in each run retried by this call the id of its `run_retried` entry
-- (`retriedEvent`), from which a client follows the new attempt.
local function note_retried(ids)
  for run in pairs(retried_runs) do
    if ids[run] then redis.call('HSET', run_key(run), 'retriedEvent', ids[run]) end
  end
  retried_runs = {}
end

-- Splits a frontier item "<pos>:<id>".
local function frontier_item(item)
  local colon = string.find(item, ':', 1, true)
  return tonumber(string.sub(item, 1, colon - 1)), string.sub(item, colon + 1)
end

-- closure: marks the unsuccessful tasks downstream of the frontier `r`. True when done.
local function retry_closure(run, mk, fk)
  while BUDGET.left > 0 do
    local item = redis.call('LPOP', fk)
    if not item then return true end
    local pos, id = frontier_item(item)
    local json = redis.call('HGET', task_key(run .. '/' .. id), 'dependents')
    local ids, nxt = json_ids(json, pos, math.max(BUDGET.left, 16))
    BUDGET.left = BUDGET.left - #ids - 1
    for _, d in ipairs(ids) do
      if redis.call('HEXISTS', mk, d) == 0 then
        local state = redis.call('HGET', task_key(run .. '/' .. d), 'state')
        if state and state ~= 'succeeded' then
          redis.call('HSET', mk, d, 'r')
          redis.call('RPUSH', fk, '2:' .. d)
        end
      end
    end
    if nxt then redis.call('LPUSH', fk, nxt .. ':' .. id) end
  end
  return redis.call('EXISTS', fk) == 0
end

-- Marks the reached dependents (from byte `pos` of `json`) of a task that is not met removed, and
-- puts them on the frontier; returns the position to go on from, or nil when all were visited.
local function remove_dependents(run, mk, fk, json, pos)
  local ids, nxt = json_ids(json, pos, math.max(BUDGET.left, 16))
  BUDGET.left = BUDGET.left - #ids
  for _, d in ipairs(ids) do
    if redis.call('HGET', mk, d) == 'r' then
      redis.call('HSET', mk, d, 'x')
      redis.call('RPUSH', fk, '2:' .. d)
    end
  end
  return nxt
end

-- Visits the ids of `list` from where the job `jk` stopped (`cursor`, and `pos` inside the id's
-- own work), one budget unit each: `visit(id, pos)` returns the position where the budget ran
-- out inside that id's work, or nil when it is done with the id. Saves where it stopped; true
-- once the whole list was visited.
local function walk_job_list(jk, list, visit)
  local j = redis.call('HMGET', jk, 'cursor', 'pos')
  local cursor, pos = tonumber(j[1]) or 0, tonumber(j[2]) or 2
  while BUDGET.left > 0 do
    local ids = redis.call('LRANGE', list, cursor, cursor + 99)
    if #ids == 0 then return true end
    for _, id in ipairs(ids) do
      if BUDGET.left <= 0 then break end
      BUDGET.left = BUDGET.left - 1
      local nxt = visit(id, pos)
      -- the budget ran out inside this id's work: the next call goes on there
      if nxt then
        pos = nxt
        break
      end
      cursor, pos = cursor + 1, 2
    end
  end
  redis.call('HSET', jk, 'cursor', cursor, 'pos', pos)
  return false
end

-- unmet: every task outside the marks that is not met removes its reached dependents. True
-- when the whole task list was visited.
local function retry_unmet(run, jk, mk, fk)
  return walk_job_list(jk, run_key(run) .. ':tasks', function(id, pos)
    if redis.call('HEXISTS', mk, id) == 1 then return nil end
    local t = redis.call('HMGET', task_key(run .. '/' .. id), 'state', 'continueOnError', 'dependents')
    if not met(t[1], t[2]) then return remove_dependents(run, mk, fk, t[3], pos) end
    return nil
  end)
end

-- remove: a removed task that is not met removes its reached dependents. True when done.
local function retry_remove(run, mk, fk)
  while BUDGET.left > 0 do
    local item = redis.call('LPOP', fk)
    if not item then return true end
    local pos, id = frontier_item(item)
    BUDGET.left = BUDGET.left - 1
    local t = redis.call('HMGET', task_key(run .. '/' .. id), 'state', 'continueOnError', 'dependents')
    if not met(t[1], t[2]) then
      local nxt = remove_dependents(run, mk, fk, t[3], pos)
      if nxt then redis.call('LPUSH', fk, nxt .. ':' .. id) end
    end
  end
  return redis.call('EXISTS', fk) == 0
end

-- Reopens the join `join_id` of `run` (the placeholder of an expanded dynamic fan-out, lib/fanout)
-- for one more child that runs again: a join that ended other than `succeeded` becomes `expanded`
-- again (its result cleared, `left` and `failedChildren` 0) and joins the reset ids in `reset`,
-- so it counts on its dependents again and is counted pending; `left` grows by one. The join
-- precedes its children in the task list, so its own visit (which leaves it as it is) came first.
-- Returns false for a join that succeeded: its children stay as they are (its dependents used
-- its output).
local function reopen_join(run, join_id, reset)
  local jk = task_key(run .. '/' .. join_id)
  local state = redis.call('HGET', jk, 'state')
  if state == 'succeeded' then return false end
  if state ~= 'expanded' then
    redis.call('HDEL', jk, 'applied', 'output', 'error', 'finishedAt')
    redis.call('HSET', jk, 'state', 'expanded', 'left', 0, 'failedChildren', 0)
    reset[#reset + 1] = join_id
  end
  redis.call('HINCRBY', jk, 'left', 1)
  return true
end

-- reset: resets the next slice of the task list that is in R. True when the list is done.
local function retry_reset(run, jk, mk, ik, mode)
  local rk = run_key(run)
  local cursor = tonumber(redis.call('HGET', jk, 'cursor')) or 0
  local n = math.max(BUDGET.left, 16)
  local ids = redis.call('LRANGE', rk .. ':tasks', cursor, cursor + n - 1)
  BUDGET.left = BUDGET.left - #ids
  local reset, keep_failed = {}, false
  for _, id in ipairs(ids) do
    local tk = task_key(run .. '/' .. id)
    redis.call('PERSIST', tk)
    local again
    if mode == 'fresh' then
      again = true
    elseif mode == 'all' then
      local t = redis.call('HMGET', tk, 'state', 'children', 'join')
      if t[2] then
        -- an expanded join is reopened by its first child that runs again, not reset
        again = false
      elseif t[3] and t[3] ~= '' then
        again = t[1] ~= 'succeeded' and reopen_join(run, t[3], reset)
      else
        again = t[1] ~= 'succeeded'
      end
    else
      local mark = redis.call('HGET', mk, id)
      again = mark == 'g' or mark == 'r'
      if not again then
        local t = redis.call('HMGET', tk, 'state', 'continueOnError')
        if not met(t[1], t[2]) then keep_failed = true end
      end
    end
    if again then
      redis.call('HDEL', tk, 'applied', 'output', 'error', 'exitCode', 'startedAt', 'finishedAt', 'worker',
        'token', 'retryAt', 'queuedAt', 'crashes', 'crash', 'cached', 'cacheKey', 'cacheSource', 'cacheMatch',
        'cacheScore', 'cache', 'decidedBy', 'decision', 'decidedAt', 'childRun', 'childAttempt', 'spanId')
      redis.call('HSET', tk, 'attempt', 0, 'deps', 0, 'state', 'waiting')
      reset[#reset + 1] = id
    end
  end
  if #reset > 0 then
    call_chunked({ 'RPUSH', ik }, reset)
    redis.call('HINCRBY', rk, 'pending', #reset)
    redis.call('HINCRBY', jk, 'count', #reset)
  end
  if keep_failed then redis.call('HSET', jk, 'keepFailed', '1') end
  if #ids < n then return true end
  redis.call('HSET', jk, 'cursor', cursor + #ids)
  return false
end

-- count: each reset task adds one to the count of each reset dependent. True when done.
local function retry_count(run, jk, ik)
  return walk_job_list(jk, ik, function(id, pos)
    local json = redis.call('HGET', task_key(run .. '/' .. id), 'dependents')
    local ds, nxt = json_ids(json, pos, math.max(BUDGET.left, 16))
    BUDGET.left = BUDGET.left - #ds
    for _, d in ipairs(ds) do
      local dk = task_key(run .. '/' .. d)
      if redis.call('HGET', dk, 'state') == 'waiting' then redis.call('HINCRBY', dk, 'deps', 1) end
    end
    return nxt
  end)
end

-- queue: queues the reset tasks with nothing to wait for. True when done.
local function retry_queue(run, jk, ik)
  local cursor = tonumber(redis.call('HGET', jk, 'cursor')) or 0
  local n = math.max(BUDGET.left, 16)
  local ids = redis.call('LRANGE', ik, cursor, cursor + n - 1)
  BUDGET.left = BUDGET.left - #ids
  for _, id in ipairs(ids) do
    local ref = run .. '/' .. id
    local tk = task_key(ref)
    local t = redis.call('HMGET', tk, 'state', 'deps', 'priority', 'queue', 'concurrencyKey', 'queueTimeoutMs')
    if t[1] == 'waiting' and (tonumber(t[2]) or 0) <= 0 then
      redis.call('HSET', tk, 'state', 'ready', 'queuedAt', NOW_S)
      push_ready(ref, t[3], t[4], t[5], t[6])
    end
  end
  if #ids < n then return true end
  redis.call('HSET', jk, 'cursor', cursor + #ids)
  return false
end

-- After the reset phase found nothing to run again: the run gets back what it finished with.
local function retry_restore(run, jk)
  local rk = run_key(run)
  local j = redis.call('HMGET', jk, 'saved', 'ttl')
  local fields = {}
  for k, v in pairs(cjson.decode(j[1] or '{}')) do
    fields[#fields + 1] = k
    fields[#fields + 1] = v
  end
  if #fields > 0 then call_chunked({ 'HSET', rk }, fields, 2) end
  redis.call('HSET', rk, 'retried', 0)
  redis.call('ZREM', P .. ':deadlines', run)
  -- its task keys (made persistent by the reset phase) get the same expiry again
  local ttl = expiry_ms(j[2])
  if ttl then expire_finished_run(run, ttl) end
end

-- Goes on with the run's retry job as far as the budget goes; returns true when no job is left
-- (finished, or ended by a cancel that began meanwhile).
local function retry_step(run)
  local jk, mk, fk, ik = retry_keys(run)
  local j = redis.call('HMGET', jk, 'phase', 'mode')
  if not j[1] then return true end
  if cancel_reason(run) then
    redis.call('UNLINK', jk, mk, fk, ik)
    return true
  end
  local phase, mode = j[1], j[2]
  local rk = run_key(run)
  while BUDGET.left > 0 do
    local done
    if phase == 'closure' then
      done = retry_closure(run, mk, fk)
      if done then phase = 'unmet' end
    elseif phase == 'unmet' then
      done = retry_unmet(run, jk, mk, fk)
      if done then phase = 'remove' end
    elseif phase == 'remove' then
      done = retry_remove(run, mk, fk)
      if done then phase = 'reset' end
    elseif phase == 'reset' then
      done = retry_reset(run, jk, mk, ik, mode)
      if done then
        local r = redis.call('HMGET', jk, 'count', 'keepFailed')
        if (tonumber(r[1]) or 0) == 0 then
          retry_restore(run, jk)
          redis.call('UNLINK', jk, mk, fk, ik)
          return true
        end
        if r[2] then redis.call('HSET', rk, 'failedTasks', '1') end
        redis.call('UNLINK', mk, fk)
        phase = 'count'
      end
    elseif phase == 'count' then
      done = retry_count(run, jk, ik)
      if done then
        local r = redis.call('HMGET', jk, 'count', 'only')
        redis.call('HSET', rk, 'state', 'running', 'retried', r[1])
        local fields = { 'type', 'run_retried', 'run', run, 'tasks', r[1], 'fresh', mode == 'fresh' and 'true' or 'false',
          'ts', NOW_S }
        if r[2] then
          fields[#fields + 1] = 'only'
          fields[#fields + 1] = r[2]
        end
        emit(run, fields)
        retried_runs[run] = true
        phase = 'queue'
      end
    else
      if retry_queue(run, jk, ik) then
        redis.call('UNLINK', jk, mk, fk, ik)
        return true
      end
      return false
    end
    if done then
      redis.call('HSET', jk, 'phase', phase, 'cursor', 0, 'pos', 2)
    else
      return false
    end
  end
  return false
end
