--[[ apply: the consequences of one final task result, exactly once (the task's `applied` flag).
  Needs lib/common, lib/finish and lib/cancel; a script using it calls `settle_all` and then
  `flush` before it returns. Shared by `complete` (inline, in the same atomic call that records
  the result) and `apply_events` (the coordinator's batched safety net, which also applies the
  results `reap_leases` records), so both follow one implementation.
  A success (or a failure with continueOnError) counts one dependency off each dependent and
  queues those left with none; any other failure skips every task downstream (and with failFast
  cancels the run); the run finishes when nothing is pending. Every final failed, timed_out or lost
  result (continueOnError or not) also goes to the dead-letter list, once, here. ]]

-- Applies the final result `state` of task `id` (ref `ref` of `run`), whose `applied` flag the
-- caller has just set. `dependents` is the task's JSON list of dependent ids, `continue_on_error`
-- its flag ('1'), `err` and `attempt` what the dead letter records.
local function apply_result(run, ref, id, state, dependents, continue_on_error, err, attempt, retention_ms)
  if state ~= 'succeeded' then dead_letter(ref, (err and err ~= '') and err or state, attempt) end
  local released = state == 'succeeded' or continue_on_error == '1'
  local settled = 1
  if released then
    if dependents and dependents ~= '[]' then
      for _, dependent in ipairs(cjson.decode(dependents)) do
        local dref = run .. '/' .. dependent
        local dk = task_key(dref)
        local left = redis.call('HINCRBY', dk, 'deps', -1)
        if left == 0 then
          local d = redis.call('HMGET', dk, 'state', 'priority', 'queue')
          if d[1] == 'waiting' then
            redis.call('HSET', dk, 'state', 'ready', 'queuedAt', NOW_S)
            push_ready(dref, d[2], d[3])
          end
        elseif left < 0 then
          -- not stored yet (a run stored in slices): lib/store adds its own count when it is
          redis.call('SADD', run_key(run) .. ':early', dependent)
        end
      end
    end
  else
    settled = settled + skip_dependents(run, dependents)
  end
  settle_later(run, settled, not released, retention_ms)
  if not released and redis.call('HGET', run_key(run), 'failFast') == 'true' then
    settle_now(run)
    cancel_run_tasks(run, 'failFast: ' .. id .. ' failed', retention_ms, 'failed')
  end
end

-- Applies the final result of `ref` unless it was applied already; returns 1 if it changed state.
local function apply_final(ref, retention_ms)
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'applied', 'dependents', 'continueOnError', 'id', 'error', 'attempt')
  local final = t[1] == 'succeeded' or t[1] == 'failed' or t[1] == 'timed_out' or t[1] == 'lost'
  if not final or t[2] == '1' then return 0 end
  redis.call('HSET', tk, 'applied', '1')
  apply_result(split_ref(ref), ref, t[5], t[1], t[3], t[4], t[6], t[7], retention_ms)
  return 1
end
