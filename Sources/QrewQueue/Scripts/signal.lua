--[[ signal: deliver an event to a run: every task of the run that waits for it (`type: wait`
  with `event`, lib/common note_ready) ends `succeeded` with the event's data as its output, applied
  at once like a worker's result (lib/apply), or, for a run stored without `retention`, by the
  coordinator. The event is also kept in <run>:signals (event -> data; a later signal of the same
  event replaces it), so a task that reaches the wait later completes at once (`expire_queued`).
  KEYS: none declared; it derives its keys from the prefix because the waiting tasks come from
  <run>:awaiting, and their dependents and queues from the task hashes, which it reads
  (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] run id  ARGV[5] event name  ARGV[6] data (the waiting tasks' output; "" for none)
  Tasks are found through <run>:awaiting (ids of the run's event waits that were queued); an id
  no longer waiting is dropped from it. A run being canceled changes nothing.
  Not fenced: any client (qctl) may signal.
  Returns: the number of tasks it completed, or -1 for an unknown run. ]]
--@include common
--@include limits
--@include finish
--@include cancel
--@include apply

local run, event, data = ARGV[4], ARGV[5], ARGV[6]
local rk = run_key(run)
if redis.call('EXISTS', rk) == 0 then return -1 end
if cancel_reason(run) then return 0 end
redis.call('HSET', rk .. ':signals', event, data)
local ttl = redis.call('PTTL', rk)
if ttl > 0 then redis.call('PEXPIRE', rk .. ':signals', ttl) end
local retained = redis.call('HGET', rk, 'retention')
local completed = 0
for _, id in ipairs(redis.call('SMEMBERS', rk .. ':awaiting')) do
  local ref = run .. '/' .. id
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'await', 'event', 'dependents', 'continueOnError', 'queuedAt')
  if t[1] ~= 'ready' or t[2] ~= 'event' then
    redis.call('SREM', rk .. ':awaiting', id)
  elseif t[3] == event and redis.call('ZREM', ready_key(AWAITING_QUEUE), ref) == 1 then
    redis.call('SREM', rk .. ':awaiting', id)
    redis.call('ZREM', P .. ':queuetimeouts', ref)
    completed = completed + 1
    redis.call('HSET', tk, 'state', 'succeeded', 'attempt', '1', 'startedAt', t[6] or NOW_S, 'finishedAt', NOW_S,
      'output', data, 'error', '', 'applied', retained and '1' or '0')
    emit(run, { 'type', 'task_finished', 'task', id, 'state', 'succeeded', 'attempt', '1', 'signal', event,
      'error', '', 'ts', NOW_S })
    if retained then
      apply_result(run, ref, id, 'succeeded', t[4], t[5], '', '1')
    else
      redis.call('XADD', P .. ':events', '*', 'ref', ref)
    end
  end
end
settle_all()
flush()
return completed
