--[[ submit_run: store a decomposed run, or the first slice of a big one, and queue its
  dependency-free tasks, all or nothing.
  KEYS: none declared; it derives its keys from the prefix because the run's limits, pools and first
  tasks come from the run record it decodes (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence ("<coordinator>:<token>"; must equal the leader key), or "" for a run its
          producer submits directly (QueueSession.submitDirectly): no leader stores it, so there is
          no fence to check; the run id alone keeps a replay from storing it twice
  ARGV[5] run id
  ARGV[6] run document: JSON object of run fields (name, failFast, ...; `timeoutMs` puts the run
          in the deadlines set, where the coordinator cancels it when it is overdue;
          `concurrencyGroup` makes the run its group's current run in P:group:<name>, and with
          `cancelInProgress` = "true" first cancels the group's previous run if it is unfinished)
  ARGV[7] limits: JSON object limit -> capacity ("run", "pool:<name>", "step:<id>"); a pool's
          size is shared by every run of the namespace and set by each submission that declares
          it (the latest submission wins; lib/limits)
  ARGV[8] the run's task count; when it exceeds this call's tasks, the rest follow in
          `store_tasks` calls (the run hash's `stored` counts the tasks stored so far)
  ARGV[9..] the tasks, 14 arguments each (lib/store)
  Returns: {1, "created", <pool changes>} or, when the run id is taken, {0, <state of the
  existing run>, <tasks stored>, <task count>}; <pool changes> is an array of
  "<pool name>:<previous size>" for each existing pool whose size this submission changed. ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel
--@include store
--@include create_run

if ARGV[4] ~= '' then check_fence(ARGV[4]) end
local run = ARGV[5]
local rk = run_key(run)
local existing = redis.call('HGET', rk, 'state')
if existing then
  local stored = redis.call('HMGET', rk, 'stored', 'total')
  return { 0, existing, tonumber(stored[1] or stored[2]) or 0, tonumber(stored[2]) or 0 }
end

local resized = create_run(run, cjson.decode(ARGV[6]), cjson.decode(ARGV[7]), tonumber(ARGV[8]), 9)
flush()
return { 1, 'created', resized }
