--[[ start_child: start the child run of a child-workflow step, or end the step failed, all at
  once (docs/protocol.md "Child workflows").
  KEYS: none declared; it derives its keys from the prefix because the child run and the parent
  task's run come from the hashes it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence
  ARGV[5] the step's task ref (<run>/<task id>), leased by the caller with `claim` from the
          `__workflow` queue
  ARGV[6] the caller's lease token of it
  ARGV[7] error: "" to start the child run; otherwise the step ends failed with this error (its
          child workflow could not be prepared: `with:` did not render, or the child rejected
          its parameters), and its dependents are skipped as for any failure
  ARGV[8] child run id: `<run>.<task id>`, or `<run>.<task id>.<n + 1>` when the task's field
          `childRuns` (child runs it started, kept by `retry_run`) is n > 0
  ARGV[9] child run document: JSON object of run fields as `submit_run` ARGV[6]; this script adds
          `parent` = <run> and `parentTask` = <task id>
  ARGV[10] child limits: as `submit_run` ARGV[7]
  ARGV[11..] the child run's tasks, 14 arguments each (lib/store), all of them (no slices)
  The step's task stays `running` with no lease and no token (no worker slot, nothing to expire)
  and gets field `childRun` (and `childRuns` + 1, `childAttempt` + 1); event `task_child_started` (fields `task`, `childRun`) on the
  parent run. A replay (stale token: already started, ended, canceled or leased again) changes
  nothing; a step whose run is being canceled ends canceled ("stale"); a child run id that is
  taken ends the step failed.
  Returns: "started", "failed" or "stale". ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel
--@include apply
--@include store
--@include create_run

check_fence(ARGV[4])
local ref, token, err, child = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local tk = task_key(ref)
local t = redis.call('HMGET', tk, 'state', 'token', 'limits', 'id', 'attempt')
if t[1] ~= 'running' or t[2] ~= token then return 'stale' end
local run = split_ref(ref)
local reason = cancel_reason(run)
-- The run is being canceled: the step ends canceled now.
if reason then return cancel_leased(run, ref, t, reason) end
redis.call('ZREM', P .. ':leases', ref)
if t[3] and t[3] ~= '' then release_limits(run, t[3]) end
if err == '' and redis.call('EXISTS', run_key(child)) == 1 then
  err = 'child run id ' .. child .. ' is taken'
end

local reply
if err ~= '' then
  redis.call('HSET', tk, 'state', 'failed', 'token', '', 'finishedAt', NOW_S, 'output', '', 'error', err, 'applied', '0')
  emit(run, { 'type', 'task_finished', 'task', t[4], 'state', 'failed', 'attempt', t[5], 'error', err, 'ts', NOW_S })
  apply_final(ref)
  reply = 'failed'
else
  local doc = cjson.decode(ARGV[9])
  doc.parent = run
  doc.parentTask = t[4]
  create_run(child, doc, cjson.decode(ARGV[10]), (#ARGV - 10) / STORE_WIDTH, 11)
  redis.call('HSET', tk, 'token', '', 'childRun', child)
  redis.call('HINCRBY', tk, 'childRuns', 1)
  redis.call('HINCRBY', tk, 'childAttempt', 1)
  emit(run, { 'type', 'task_child_started', 'task', t[4], 'childRun', child, 'ts', NOW_S })
  reply = 'started'
end
settle_all()
flush()
return reply
