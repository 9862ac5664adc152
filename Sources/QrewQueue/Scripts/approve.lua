--[[ approve: decide approval tasks of one run that wait (lib/common AWAITING_QUEUE): approved,
  they end `succeeded`; rejected, `failed`. Who decided and when are recorded on the task, and
  each result is applied at once like a worker's (lib/apply: dependents released or skipped, run
  settled), or, for a run stored without `retention`, left to the coordinator's events stream.
  KEYS: none declared; it derives its keys from the prefix because the run's tasks, queues, limits
  and dependents it touches come from the hashes it reads (lib/apply) (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] run id  ARGV[5] decision: approve | reject  ARGV[6] who decides  ARGV[7] reason ("" for none)
  ARGV[8..] ids of the run's tasks to decide (qctl passes the tasks of one step)
  A task is decided only while it waits: state `ready`, `await` = approval, a member of the
  awaiting queue. Anything else (a task that is no approval, already decided or timed out, or a
  run being canceled) is left alone, so deciding twice changes nothing.
  The task gets `decidedBy`, `decidedAt`, `decision`; `output` "approved by <who>[: <reason>]"
  on approval, `error` "rejected by <who>[: <reason>]" on rejection; its `task_finished` event
  carries `decidedBy`. Not fenced: any client (qctl) may decide.
  Returns: the number of tasks decided, or -1 for an unknown run. ]]
--@include common
--@include limits
--@include finish
--@include cancel
--@include apply

local run, decision, who, reason = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local rk = run_key(run)
if redis.call('EXISTS', rk) == 0 then return -1 end
if cancel_reason(run) then return 0 end
local approved = decision == 'approve'
local text = (approved and 'approved by ' or 'rejected by ') .. who
if reason ~= '' then text = text .. ': ' .. reason end
local state = approved and 'succeeded' or 'failed'
local retained = redis.call('HGET', rk, 'retention')
local decided = 0
for i = 8, #ARGV do
  local ref = run .. '/' .. ARGV[i]
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'await', 'dependents', 'continueOnError')
  if t[1] == 'ready' and t[2] == 'approval' and redis.call('ZREM', ready_key(AWAITING_QUEUE), ref) == 1 then
    redis.call('ZREM', P .. ':queuetimeouts', ref)
    decided = decided + 1
    redis.call('HSET', tk, 'state', state, 'attempt', '1', 'startedAt', NOW_S, 'finishedAt', NOW_S,
      'decidedBy', who, 'decision', approved and 'approved' or 'rejected', 'decidedAt', NOW_S,
      'output', approved and text or '', 'error', approved and '' or text, 'applied', retained and '1' or '0')
    emit(run, { 'type', 'task_finished', 'task', ARGV[i], 'state', state, 'attempt', '1', 'decidedBy', who,
      'error', approved and '' or text, 'ts', NOW_S })
    if retained then
      apply_result(run, ref, ARGV[i], state, t[3], t[4], text, '1')
    else
      redis.call('XADD', P .. ':events', '*', 'ref', ref)
    end
  end
end
settle_all()
flush()
return decided
