--[[ apply: the consequences of one final task result, exactly once (the task's `applied` flag).
  Needs lib/common, lib/limits, lib/finish and lib/cancel; a script using it calls `settle_all`
  and then `flush` before it returns. Shared by `complete` (inline, in the same atomic call that
  records the result) and `apply_events` (the coordinator's batched safety net, which also
  applies the results `reap_leases` records), so both follow one implementation.
  A success (or a failure with continueOnError) counts one dependency off each dependent and
  queues those left with none; any other failure skips every task downstream (and with failFast
  cancels the run); the run finishes when nothing is pending. Walks downstream are bounded per
  call (lib/common BUDGET); the rest is left in the run's walk list for the next call. Every
  final failed, timed_out or lost result (continueOnError or not) also goes to the dead-letter list,
  once, here. A child of a dynamic fan-out (its `join` field) also counts its join down
  (lib/fanout); the last child's result ends the join, whose result is applied here in turn. ]]
--@include fanout

-- Applies the final result `state` of task `id` (ref `ref` of `run`), whose `applied` flag the
-- caller has just set. `dependents` is the task's JSON list of dependent ids, `continue_on_error`
-- its flag ('1'), `err` and `attempt` what the dead letter records. What is downstream is walked
-- as far as the call's budget goes (lib/finish); a failFast failure starts the run's
-- cancellation (lib/cancel) and does what is left of the budget of it. `join` is the task's join
-- (the id of its dynamic fan-out's placeholder), nil or '' for other tasks.
local function apply_result(run, ref, id, state, dependents, continue_on_error, err, attempt, join)
  if state ~= 'succeeded' then dead_letter(ref, (err and err ~= '') and err or state, attempt) end
  local released = state == 'succeeded' or continue_on_error == '1'
  local settled = 1
  if released then
    if dependents and dependents ~= '[]' then release_dependents(run, id, dependents, 2) end
  else
    settled = settled + skip_dependents(run, id, dependents)
  end
  settle_later(run, settled, not released)
  if not released and redis.call('HGET', run_key(run), 'failFast') == 'true' then
    settle_now(run)
    if begin_cancel(run, 'failFast: ' .. id .. ' failed', 'failed') then cancel_work(run) end
  end
  -- A canceling run's sweep ends the join (lib/cancel), not its children's results.
  if join and join ~= '' and not cancel_reason(run) then
    local final = join_child_finished(run, join, state, continue_on_error)
    if final then
      local j = redis.call('HMGET', task_key(run .. '/' .. join), 'dependents', 'continueOnError', 'error', 'attempt')
      apply_result(run, run .. '/' .. join, join, final, j[1], j[2], j[3], j[4], nil)
    end
  end
end

-- Applies the final result of `ref` unless it was applied already; returns 1 if it changed state.
-- A result of a canceling run (recorded before the cancel reached its task) is counted and
-- dead-lettered but changes nothing downstream: the cancellation ends those tasks.
local function apply_final(ref)
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'applied', 'dependents', 'continueOnError', 'id', 'error', 'attempt',
    'join')
  local final = t[1] == 'succeeded' or t[1] == 'failed' or t[1] == 'timed_out' or t[1] == 'lost'
  if not final or t[2] == '1' then return 0 end
  redis.call('HSET', tk, 'applied', '1')
  local run = split_ref(ref)
  if cancel_reason(run) then
    if t[1] ~= 'succeeded' then dead_letter(ref, (t[6] and t[6] ~= '') and t[6] or t[1], t[7]) end
    settle_later(run, 1, t[1] ~= 'succeeded' and t[4] ~= '1')
    return 1
  end
  apply_result(run, ref, t[5], t[1], t[3], t[4], t[6], t[7], t[8])
  return 1
end
