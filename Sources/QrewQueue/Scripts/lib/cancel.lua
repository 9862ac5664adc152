--[[ cancel: end every unfinished task of a run, which ends in its `cancelState` ("canceled" when
  a user or its timeout cancels it, "failed" under failFast). Needs lib/common, lib/limits and
  lib/finish.
  Canceling takes effect at once and is carried out in slices: `begin_cancel` marks the run
  `canceling` (fields `cancelReason`, `cancelState`, and `cancelCursor`, the position in the
  run's task list of the next task to visit) and adds it to <prefix>:sweeping; from then on no
  task of it starts (`claim`) and no result of it is recorded (`complete` cancels the task
  instead) or applied downstream (lib/apply). `cancel_work` then visits the task list a slice at
  a time (the budget, lib/common BUDGET), canceling what is unfinished; whoever calls next
  (`cancel_run` again, `continue_run`, the coordinator's `sweep_runs`) goes on from the cursor.
  Running tasks lose their lease token (their late result is refused) and are announced on the
  <prefix>:cancellations channel so the worker running them kills the process at once. ]]

-- run -> cancel reason, or false when the run is not canceling (cached for the call).
local cancel_reasons = {}

-- The run's cancel reason if it is being (or was) canceled, else false.
local function cancel_reason(run)
  local reason = cancel_reasons[run]
  if reason == nil then
    reason = redis.call('HGET', run_key(run), 'cancelReason') or false
    cancel_reasons[run] = reason
  end
  return reason
end

-- Ends a leased placeholder of a canceling run (`t`: its state, token, limits, id) `canceled`
-- with the run's reason, as `complete` does with a result: frees its lease and slots, settles
-- the run. Returns 'stale', the caller's reply (`start_child`, `expand_task`).
local function cancel_leased(run, ref, t, reason)
  redis.call('ZREM', P .. ':leases', ref)
  if t[3] and t[3] ~= '' then release_limits(run, t[3]) end
  redis.call('HSET', task_key(ref), 'state', 'canceled', 'token', '', 'finishedAt', NOW_S, 'applied', '1', 'error', reason)
  emit_shared(run, finished_without_attempt('canceled'), t[4])
  settle_later(run, 1, false)
  settle_all()
  flush()
  return 'stale'
end

-- Tasks this call canceled (what `cancel_run` reports).
local canceled_count = 0

-- Marks an unfinished run canceling: it ends in `end_state` once its last task settles. Returns
-- true if it did, false for an unknown or finished run, or one already canceling.
local function begin_cancel(run, reason, end_state)
  local rk = run_key(run)
  local r = redis.call('HMGET', rk, 'state', 'finishedAt', 'cancelReason')
  if not r[1] or r[2] or r[3] then return false end
  redis.call('HSET', rk, 'state', 'canceling', 'cancelReason', reason, 'cancelState', end_state, 'cancelCursor', 0)
  redis.call('ZADD', P .. ':sweeping', 'NX', NOW, run)
  cancel_reasons[run] = reason
  return true
end

-- Ends one unfinished task (`t`: its state, queue and limits) as canceled.
local function cancel_task(run, ref, id, t, reason)
  local tk = task_key(ref)
  if t[1] == 'ready' then
    redis.call('ZREM', ready_key(t[2]), ref)
    redis.call('ZREM', P .. ':delayed', ref)
    forget_ready(run, ref, t[3])
  elseif t[1] == 'running' then
    redis.call('ZREM', P .. ':leases', ref)
    release_limits(run, t[3])
    redis.call('PUBLISH', P .. ':cancellations', ref)
  end
  redis.call('HSET', tk, 'state', 'canceled', 'token', '', 'finishedAt', NOW_S, 'applied', '1', 'error', reason)
  emit_shared(run, finished_without_attempt('canceled'), id)
  canceled_count = canceled_count + 1
end

-- Visits the next slice of a canceling run's task list (from `cancelCursor`), canceling what is
-- unfinished; returns true once the whole list was visited (the cursor is gone then). Tasks
-- stored after that are stored canceled (lib/store).
local function cancel_slice(run)
  local rk = run_key(run)
  local c = redis.call('HMGET', rk, 'cancelCursor', 'cancelReason')
  local cursor = tonumber(c[1])
  if not cursor then return true end
  local n = math.max(BUDGET.left, 16)
  local ids = redis.call('LRANGE', rk .. ':tasks', cursor, cursor + n - 1)
  BUDGET.left = BUDGET.left - #ids
  local settled = 0
  for _, id in ipairs(ids) do
    local ref = run .. '/' .. id
    local t = redis.call('HMGET', task_key(ref), 'state', 'queue', 'limits', 'childRun')
    -- `expanded`: the join of a dynamic fan-out (lib/fanout), ended here with its children.
    if t[1] == 'waiting' or t[1] == 'ready' or t[1] == 'running' or t[1] == 'expanded' then
      cancel_task(run, ref, id, t, c[2])
      settled = settled + 1
      -- A child-workflow step's child run (lib/child) is canceled with it, carried out by the
      -- sweep like any cancellation; its grandchildren follow the same way.
      if t[1] == 'running' and t[4] then begin_cancel(t[4], 'parent run ' .. run .. ' canceled', 'canceled') end
    end
  end
  if settled > 0 then settle_later(run, settled, false) end
  if #ids < n then
    redis.call('HDEL', rk, 'cancelCursor')
    return true
  end
  redis.call('HSET', rk, 'cancelCursor', cursor + #ids)
  return false
end

-- Goes on canceling a canceling run as far as the budget goes: first the skips its failure left
-- in the walk list (so its downstream tasks end `skipped`, as in one call), then the task list.
-- Returns true when nothing of the cancellation is left.
local function cancel_work(run)
  local settled, walked = continue_walk(run, true)
  if settled > 0 then settle_later(run, settled, false) end
  if not walked or BUDGET.left <= 0 then return false end
  return cancel_slice(run)
end
