--[[ complete: record workers' results for a batch of leased tasks in one call (group commit),
  refusing each result whose lease token is stale, and apply each final result at once.
  KEYS: none declared; it derives its keys from the prefix because the run, dependents, queues,
  limits, gates and cache entries come from the task hash it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] worker name, ARGV[5] lease length (ms), ARGV[6] most successors to lease (0: none),
  ARGV[7] k, the number of the worker's queues, ARGV[8..7+k] its queues in order of preference
  (the worker and queues are only read with successors)
  ARGV[8+k..] groups of 10 per result: task ref, lease token, outcome (succeeded | failed | timed_out |
    lost: a worker killed the attempt for silence, heartbeatTimeout),
    exit code ("" if none), output (already capped by the worker), error,
    retry delay in ms to use if this outcome is retried ("" if the policy does not retry it),
    last stdout lines, last stderr lines (newline-separated; "" for none: output the worker had
    not streamed yet, which the result's event carries as its `stdout` / `stderr` fields),
    the attempt's span id (16 hex digits, the one in its TRACEPARENT; "" for a run without a
    trace), stored as the task's `spanId`
  Results are independent: a stale one is refused (its output dropped) and the others recorded.
  A recorded result empties the task's `token` in the same HSET that records it (one call a task
  fewer than deleting it).
  A failure with attempts left goes to the delayed set and keeps state "ready" with a retryAt.
  A final outcome is recorded and applied in the same call when the run stores its `retention`
  (lib/apply: dependents released or skipped, run settled; `applied` set); only a result not
  applied here (a run stored without `retention`) adds an event (ref) to the coordinator's
  events stream, for `apply_events` to apply.
  A result of a run being canceled (lib/cancel) is refused like a stale one, and its task ends
  canceled in the same call (its slots free at once) instead of waiting for the cancellation to
  reach it.
  Walking what a final result releases or skips is bounded by the call's budget (lib/common
  BUDGET, 500): a task with more dependents leaves the rest to the next calls (lib/finish).
  A result of a task with `gates` counts at its circuit breakers (lib/gates gate_result), retried
  attempts included; a refused one does not.
  A success of a task whose `complete_from_cache` lookup missed (its `cache` field) is stored in
  the result cache in the same call (lib/cache); a `plain` task (lib/store) has no such field.
  Successors: with ARGV[6] > 0 the call then leases the worker up to that many ready tasks of
  its queues, best first, as `claim` does (lib/claim_ready): the slots its results free are
  filled in the same round trip, and the dependents those results released reach the worker in
  the reply instead of through a wake-up and a claim. A released dependent that is `plain` and
  on one of the worker's queues is held for that lease rather than queued first (lib/finish
  held_releases): it is leased, best score first with the queue's ready tasks, without its
  `ready` write, ready-queue entry and claim read, or queued after the lease if not taken. No
  wake-up tokens are left for the tasks it took, and a queue it empties loses its tokens as
  with `claim`.
  Returns: array with one entry per result, in order: "recorded", "retrying" or "stale"; with
  successors asked for, one more entry: the tasks leased, as `claim` returns them (9 entries
  per task). ]]
--@include common
--@include limits
--@include gates
--@include finish
--@include cancel
--@include apply
--@include cache
--@include specs
--@include claim_ready

local delayed, events = P .. ':delayed', P .. ':events'
local retention_of = {}
local ended_leases, n_ended = {}, 0

-- The run's retention (false without one), read once per call with its cancel reason (lib/cancel).
local function retention(run)
  local r = retention_of[run]
  if r == nil then
    local f = redis.call('HMGET', run_key(run), 'retention', 'cancelReason')
    r = f[1] or false
    retention_of[run] = r
    if cancel_reasons[run] == nil then cancel_reasons[run] = f[2] or false end
  end
  return r
end

-- Adds the attempt's last output lines (if any) to an event's fields.
local function with_output(fields, stdout, stderr)
  if stdout ~= '' then
    fields[#fields + 1] = 'stdout'
    fields[#fields + 1] = stdout
  end
  if stderr ~= '' then
    fields[#fields + 1] = 'stderr'
    fields[#fields + 1] = stderr
  end
  return fields
end

-- The fields a result's task_finished event shares with the call's others of its state and
-- attempt (lib/common emit_shared); each has its own task, exit code, error and output lines.
local FINISHED_COLUMNS = { 'task', 'exitCode', 'error', 'stdout', 'stderr' }
local finished_groups = {}
local function finished_shared(state, attempt)
  local by_attempt = finished_groups[state]
  if not by_attempt then
    by_attempt = {}
    finished_groups[state] = by_attempt
  end
  local shared = by_attempt[attempt]
  if not shared then
    shared = { fields = { 'type', 'task_finished', 'state', state, 'attempt', attempt, 'ts', NOW_S },
      columns = FINISHED_COLUMNS }
    by_attempt[attempt] = shared
  end
  return shared
end

local function complete_one(ref, token, outcome, exit_code, output, err, retry_delay, stdout, stderr, span)
  local tk = task_key(ref)
  local t = redis.call('HMGET', tk, 'state', 'token', 'attempt', 'plain', 'dependents')
  if t[1] ~= 'running' or t[2] ~= token then return 'stale' end
  -- a `plain` task (lib/store) has no limits, continueOnError, cache, gates or join to look for
  -- (nor a step to read for the cache)
  local limits, continue_on_error, cache, gates_text, join, step
  if t[4] ~= '1' then
    local more = redis.call('HMGET', tk, 'limits', 'continueOnError', 'cache', 'gates', 'join', 'step')
    limits, continue_on_error, cache, gates_text, join, step = more[1], more[2], more[3], more[4], more[5], more[6]
  end

  -- the task's id is its ref's
  local run, id = split_ref(ref)
  n_ended = n_ended + 1
  ended_leases[n_ended] = ref
  if limits and limits ~= '' then release_limits(run, limits) end
  local r = retention(run)
  local reason = cancel_reason(run)
  if reason then
    -- The run is being canceled: the result is refused and the task ends canceled now.
    redis.call('HSET', tk, 'state', 'canceled', 'token', '', 'finishedAt', NOW_S, 'applied', '1', 'error', reason)
    emit_shared(run, finished_without_attempt('canceled'), id)
    settle_later(run, 1, false)
    return 'stale'
  end
  if gates_text and gates_text ~= '' then gates().gate_result(gates_text, ref, t[3], outcome == 'succeeded') end

  if outcome ~= 'succeeded' and retry_delay ~= ''
    and tonumber(t[3]) < tonumber(redis.call('HGET', tk, 'maxAttempts')) then
    local due = tostring(NOW + tonumber(retry_delay))
    redis.call('HSET', tk, 'state', 'ready', 'token', '', 'retryAt', due, 'finishedAt', NOW_S,
      'exitCode', exit_code, 'output', output, 'error', err, 'spanId', span)
    redis.call('ZADD', delayed, due, ref)
    emit(run, with_output({ 'type', 'task_retrying', 'task', id, 'outcome', outcome, 'attempt', t[3],
      'retryAt', due, 'error', err, 'ts', NOW_S }, stdout, stderr))
    return 'retrying'
  end

  -- An empty exit code, error or span id is written only over an earlier attempt's value: a
  -- first attempt has none, and a missing field reads as empty.
  local record = { 'HSET', tk, 'state', outcome, 'token', '', 'finishedAt', NOW_S, 'output', output,
    'applied', r and '1' or '0' }
  local first = t[3] == '1'
  if exit_code ~= '' or not first then
    record[13], record[14] = 'exitCode', exit_code
  end
  if err ~= '' or not first then
    record[#record + 1] = 'error'
    record[#record + 1] = err
  end
  if span ~= '' or not first then
    record[#record + 1] = 'spanId'
    record[#record + 1] = span
  end
  redis.call(unpack(record))
  -- A success of a task whose cache lookup missed is stored (lib/cache); failures never are.
  if cache and outcome == 'succeeded' then cache_store(cache, run, id, step, output, exit_code) end
  emit_shared(run, finished_shared(outcome, t[3]), id, exit_code, err, stdout, stderr)
  if r then
    apply_result(run, ref, id, outcome, t[5], continue_on_error, err, t[3], join)
  else
    redis.call('XADD', events, '*', 'ref', ref)
  end
  return 'recorded'
end

local successor_worker, successor_lease, most_successors = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local worker_queues, first = {}, 8 + tonumber(ARGV[7])
for i = 8, first - 1 do worker_queues[#worker_queues + 1] = ARGV[i] end

-- Leases the worker up to `most` ready tasks of its queues (lib/claim_ready), the dependents
-- this call held back for it included, and queues the held ones it did not take (lib/finish);
-- `flush` leaves one wake-up token fewer per task taken (each had one, or was queued or held by
-- this call and would get one).
local function lease_successors(most)
  local out = claim_ready(successor_worker, successor_lease, most, worker_queues, held_releases)
  queue_held()
  for i = 7, #out, 9 do
    local queue = out[i]
    local left = (queued_per_queue[queue] or 0) - 1
    queued_per_queue[queue] = left > 0 and left or nil
  end
  return out
end

-- With successors asked for, the dependents these results release on the worker's queues are
-- held for its lease instead of queued first (lib/finish held_releases).
if most_successors > 0 then
  local serves = {}
  for _, queue in ipairs(worker_queues) do serves[queue] = true end
  held_releases = { queues = serves, by_queue = {} }
end

local replies = {}
for i = first, #ARGV - 9, 10 do
  replies[(i - first) / 10 + 1] = complete_one(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4],
    ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8], ARGV[i + 9])
end
if n_ended > 0 then call_chunked({ 'ZREM', P .. ':leases' }, ended_leases) end
settle_all()
if most_successors > 0 then replies[#replies + 1] = lease_successors(most_successors) end
flush()
return replies
