--[[ apply: the consequences of one final task result, exactly once (the task's `applied` flag).
  Needs lib/common, lib/finish and lib/cancel. Shared by `complete` (inline, in the same atomic
  call that records the result) and `apply_events` (the coordinator's batched safety net, which
  also applies the results `reap_leases` records), so both follow one implementation.
  A success (or a failure with continueOnError) counts one dependency off each dependent and
  queues those left with none; any other failure skips every task downstream (and with failFast
  cancels the run); the run finishes when nothing is pending. Every final failed or timed_out
  result (continueOnError or not) also goes to the dead-letter list, once, here. ]]

-- Applies the final result of `ref` unless it was applied already; returns 1 if it changed state.
local function apply_final(ref, retention_ms)
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'applied', 'dependents', 'continueOnError', 'id', 'error', 'attempt')
  local final = t[1] == 'succeeded' or t[1] == 'failed' or t[1] == 'timed_out'
  if not final or t[2] == '1' then return 0 end
  redis.call('HSET', tk, 'applied', '1')
  if t[1] ~= 'succeeded' then dead_letter(ref, t[6] or t[1], t[7]) end
  local run = split_ref(ref)
  local released = t[1] == 'succeeded' or t[4] == '1'
  local settled = 1
  if released then
    if t[3] and t[3] ~= '[]' then
      for _, id in ipairs(cjson.decode(t[3])) do
        local dref = run .. '/' .. id
        local dk = task_key(dref)
        if redis.call('HINCRBY', dk, 'deps', -1) == 0 then
          local d = redis.call('HMGET', dk, 'state', 'priority', 'queue')
          if d[1] == 'waiting' then
            redis.call('HSET', dk, 'state', 'ready', 'queuedAt', NOW)
            push_ready(dref, d[2], d[3])
          end
        end
      end
    end
  else
    settled = settled + skip_dependents(run, t[3])
  end
  settle(run, settled, not released, retention_ms)
  if not released and redis.call('HGET', run_key(run), 'failFast') == 'true' then
    cancel_run_tasks(run, 'failFast: ' .. t[5] .. ' failed', retention_ms, 'failed')
  end
  return 1
end
