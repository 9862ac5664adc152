--[[ skip_task: a worker ends a leased task whose `if:` is false (docs/protocol.md, *Conditions*):
  the task ends `skipped` with the reason, and what is downstream follows the usual skip rules.
  KEYS: none declared; it derives its keys from the prefix because the task's dependents, queue and
  limits come from the task hash it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] task ref  ARGV[5] lease token  ARGV[6] reason (e.g. "condition false: EXPR")
  The task's slots are freed and its lease ended; `task_finished` carries state `skipped` and the
  reason as `error`, which the task hash keeps in `error` too. A task of a run being canceled
  ends canceled instead, as `complete` ends it.
  Returns: 1 if skipped (or canceled), 0 if the token no longer held the lease. ]]
--@include common
--@include limits
--@include finish

local ref, reason = ARGV[4], ARGV[6]
local tk = task_key(ref)
local t = redis.call('HMGET', tk, 'state', 'token', 'limits', 'id', 'dependents')
if t[1] ~= 'running' or t[2] ~= ARGV[5] then return 0 end
local run = split_ref(ref)
redis.call('ZREM', P .. ':leases', ref)
if t[3] and t[3] ~= '' then release_limits(run, t[3]) end
local canceled = redis.call('HGET', run_key(run), 'cancelReason')
if canceled then
  redis.call('HSET', tk, 'state', 'canceled', 'token', '', 'finishedAt', NOW_S, 'applied', '1', 'error', canceled)
  emit(run, { 'type', 'task_finished', 'task', t[4], 'state', 'canceled', 'ts', NOW_S })
  settle_later(run, 1, false)
else
  redis.call('HSET', tk, 'state', 'skipped', 'token', '', 'finishedAt', NOW_S, 'applied', '1', 'error', reason)
  emit(run, { 'type', 'task_finished', 'task', t[4], 'state', 'skipped', 'error', reason, 'ts', NOW_S })
  settle_later(run, 1 + skip_dependents(run, t[4], t[5]), false)
end
settle_all()
flush()
return 1
