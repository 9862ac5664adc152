--[[ claim_ready: leasing ready tasks to a worker, best score first: the work of `claim`, shared
  with `complete` (which leases a worker the tasks its results released, docs/protocol.md
  *Successors*). Needs lib/common, lib/limits, lib/gates and lib/specs.
  A task whose run, step or pool is at its concurrency limit is parked (lib/limits) until a
  slot frees; an entry whose task is no longer ready (canceled, skipped) is dropped, and
  one that is no task of any run goes to the dead-letter list (lib/common dead_letter). A ready
  task of a run being canceled is dropped too (the cancellation ends it; lib/cancel), and its
  pools unpark a waiter for the slot it leaves.
  A task with `gates` (a circuit breaker or rate limit, lib/gates) whose gate is closed is parked
  at that gate (no attempt counted) until the leader's `wake_gates` queues it again; a `plain`
  task (lib/store) has no gates, limits or refs fields, and none are looked for.
  At most `max` + 1000 ready entries are examined per call, so a queue full of tasks whose
  limits are full is parked a slice per call; when that bound stops a claim with entries left,
  the call leaves a wake-up token on the queue, so the worker claims again at once. A queue the
  call empties loses its wake-up tokens (left by pushes whose tasks it took), so idle workers
  are not woken into claims that find nothing.
  The run's trace (`traceId`, `traceFlags` on the run hash) comes from the same read of the run
  hash the claim makes anyway: it goes into the task_started event and to the worker, which
  makes the attempt's span and gives the task TRACEPARENT. ]]

-- Takes up to `want` of a queue's ready tasks, best score first: those ZPOPMAX `popped` (flat
-- ref, score) and those `held` for the lease (lib/finish held_releases: one queue's list, best
-- first, taken from `held.next` on). Popped tasks that lose to held ones go back to `ready`.
-- Returns the entries (flat ref, score), the held task of each entry position that is one, and
-- whether the pop emptied the queue.
local function merge_held(popped, held, want, ready)
  local entries, from_held, n = {}, {}, 0
  local pi, n_popped = 1, #popped
  while n < 2 * want and (pi <= n_popped or held.next <= #held) do
    local h = held[held.next]
    if h and (pi > n_popped or h.rank > tonumber(popped[pi + 1])) then
      entries[n + 1], entries[n + 2] = h.ref, h.score
      from_held[n + 1] = h
      held.next = held.next + 1
    else
      entries[n + 1], entries[n + 2] = popped[pi], popped[pi + 1]
      pi = pi + 2
    end
    n = n + 2
  end
  local emptied = n_popped < 2 * want
  if pi <= n_popped then
    local back = {}
    for i = pi, n_popped, 2 do
      back[#back + 1] = popped[i + 1]
      back[#back + 1] = popped[i]
    end
    call_chunked({ 'ZADD', ready }, back, 2)
    emptied = false
  end
  return entries, from_held, emptied
end

-- Leases up to `max` ready tasks of `queues` (names, in the worker's order of preference) to
-- `worker` for `lease` ms; a queue it empties loses its wake-up tokens (they were left for tasks
-- it took). `held` is the dependents the caller released and held back for this lease (lib/finish
-- held_releases), or nil. Returns the reply entries (flat, 9 per task: see claim.lua).
local function claim_ready(worker, lease, max, queues, held)
  -- The reply and the lease entries are appended with counters: `#t` on a growing table is a
  -- binary search each time.
  local out, n_out, claimed = {}, 0, 0
  local examined, most = 0, max + 1000
  -- Batched per call: lease tokens are reserved with one INCRBY (a few may go unused), lease
  -- deadlines go to P:leases in one ZADD, and each run is read once (canceling? started? trace?).
  local next_token, last_token = 1, 0
  local lease_entries, n_leases = {}, 0
  local runs = {}
  -- The outputs entry of a task whose spec references no other task's output (most tasks): not
  -- an empty array, since Redis probes every table in a reply for seven special fields.
  local NO_OUTPUTS = ''
  -- Queues this call emptied.
  local drained = {}
  -- Per run key, the reply positions and ids of the tasks whose specs are read from <run>:specs
  -- after the loop, in one HMGET per run rather than one HGET per task.
  local spec_reads, spec_runs = {}, {}

  local deadline = string.format('%d', NOW + lease)
  for _, queue in ipairs(queues) do
    local ready = ready_key(queue)
    local held_here = held and held.by_queue[queue]
    if held_here and held_here.next > #held_here then held_here = nil end
    while claimed < max do
      local want = math.min(max - claimed, most - examined)
      if want <= 0 then
        if redis.call('ZCARD', ready) > 0 then note_queued(queue, 1) end
        break
      end
      local popped = redis.call('ZPOPMAX', ready, want)
      -- fewer than asked for: the queue is empty now, so its wake-up tokens are stale, and
      -- another pop finds nothing unless this call queues a task there again (a slot a parked
      -- task leaves unparks the next waiter, lib/limits)
      local emptied, queued_before = #popped < 2 * want, queued_per_queue[queue]
      local from_held
      if held_here then
        popped, from_held, emptied = merge_held(popped, held_here, want, ready)
        if held_here.next > #held_here then held_here = nil end
      end
      if emptied then drained[#drained + 1] = queue end
      if #popped == 0 then break end
      examined = examined + #popped / 2
      for pi = 1, #popped, 2 do
        local ref, score = popped[pi], popped[pi + 1]
        local tk = task_key(ref)
        local state, plain, attempt_text, queued_at, sig
        local h = from_held and from_held[pi]
        if h then
          -- released by this call and held for it (lib/finish): a `plain` task, `waiting` in its
          -- hash until the lease below, queued now as far as anyone can tell
          state, plain, attempt_text, queued_at, sig = 'ready', '1', h.attempt, NOW_S, h.sig
        else
          -- a `plain` task (lib/store) has no limits, refs or gates to look for, nor a spec of
          -- its own; its id is its ref's
          local t = redis.call('HMGET', tk, 'state', 'plain', 'attempt', 'queuedAt', 'sig')
          state, plain, attempt_text, queued_at, sig = t[1], t[2], t[3], t[4], t[5]
        end
        local limits_text, own_spec, refs, gate_names
        if state == 'ready' and plain ~= '1' then
          local more = redis.call('HMGET', tk, 'limits', 'spec', 'refs', 'gates')
          limits_text, own_spec, refs, gate_names = more[1], more[2], more[3], more[4]
        end
        if state == 'ready' then
          local run, id = split_ref(ref)
          local r = runs[run]
          if not r then
            local rk = run_key(run)
            local f = redis.call('HMGET', rk, 'cancelReason', 'startedAt', 'traceId', 'traceFlags')
            r = { key = rk, canceling = f[1] and true or false, started = f[2] and true or false,
              trace_id = f[3] or '', trace = f[3] and (f[3] .. '-' .. (f[4] or '01')) or '', started_events = {} }
            runs[run] = r
          end
          -- Limits and gates cost nothing for tasks without: a plain task has neither field to read.
          local limited = limits_text and limits_text ~= ''
          local limits = limited and split_csv(limits_text) or nil
          local blocked = limited and not r.canceling and full_limit(run, limits)
          local gated, gate, opens = gate_names and gate_names ~= '', nil, nil
          if gated and not r.canceling and not blocked then gate, opens = gates().closed_gate(gate_names) end
          if r.canceling then
            forget_ready(run, ref, limits_text)
          elseif blocked then
            park(run, blocked, score, ref)
          elseif gate then
            gates().park_at_gate(run, gate, opens, score, ref, limits or {})
          else
            if limited then take_limits(run, limits) end
            if next_token > last_token then
              last_token = redis.call('INCRBY', P .. ':tokens', max - claimed)
              next_token = last_token - (max - claimed) + 1
            end
            local token = string.format('%d', next_token)
            next_token = next_token + 1
            -- most claims are a task's first attempt: no number parsed or formatted for it
            local attempt_number, attempt = 1, '1'
            if attempt_text ~= '0' then
              attempt_number = tonumber(attempt_text) + 1
              attempt = string.format('%d', attempt_number)
            end
            if gated then gates().take_gates(gate_names, ref, attempt) end
            if h then
              redis.call('HSET', tk, 'state', 'running', 'token', token, 'worker', worker,
                'attempt', attempt, 'startedAt', NOW_S, 'queuedAt', NOW_S)
            else
              redis.call('HSET', tk, 'state', 'running', 'token', token, 'worker', worker,
                'attempt', attempt, 'startedAt', NOW_S)
            end
            lease_entries[n_leases + 1] = deadline
            lease_entries[n_leases + 2] = ref
            n_leases = n_leases + 2
            if not r.started then
              r.started = true
              redis.call('HSET', r.key, 'startedAt', NOW_S, 'state', 'running')
            end
            local outputs = NO_OUTPUTS
            if refs and refs ~= '[]' then
              outputs = {}
              for _, referenced in ipairs(cjson.decode(refs)) do
                outputs[#outputs + 1] = referenced
                outputs[#outputs + 1] = redis.call('HGET', task_key(run .. '/' .. referenced), 'output') or ''
              end
            end
            -- the run's task_started events of this attempt share all fields but the task's id
            local started = r.started_events[attempt]
            if not started then
              local fields = { 'type', 'task_started', 'worker', worker, 'attempt', attempt, 'ts', NOW_S }
              if r.trace_id ~= '' then fields[9], fields[10] = 'traceId', r.trace_id end
              started = { fields = fields, columns = TASK_COLUMN }
              r.started_events[attempt] = started
            end
            emit_shared(run, started, id)
            out[n_out + 1] = ref
            out[n_out + 2] = token
            out[n_out + 3] = attempt_number
            -- the spec lives in the run's <run>:specs (lib/specs), read below; a task stored by
            -- an older coordinator still carries it in its own hash
            if own_spec then
              out[n_out + 4] = own_spec
            else
              local reads = spec_reads[r.key]
              if not reads then
                reads = { positions = {}, ids = {} }
                spec_reads[r.key] = reads
                spec_runs[#spec_runs + 1] = r.key
              end
              reads.positions[#reads.positions + 1] = n_out + 4
              reads.ids[#reads.ids + 1] = id
            end
            out[n_out + 5] = outputs
            out[n_out + 6] = r.trace
            out[n_out + 7] = queue
            out[n_out + 8] = queued_at and math.max(0, NOW - tonumber(queued_at)) or -1
            out[n_out + 9] = sig or ''
            n_out = n_out + 9
            claimed = claimed + 1
          end
        elseif not state then
          dead_letter(ref, 'not a task of any run', 0)
        end
      end
      if emptied and queued_per_queue[queue] == queued_before and not held_here then break end
    end
  end
  if n_leases > 0 then call_chunked({ 'ZADD', P .. ':leases' }, lease_entries, 2) end
  -- The templates this reply names (lib/specs): each goes in once.
  local sent = {}
  for _, rk in ipairs(spec_runs) do
    local reads = spec_reads[rk]
    for first = 1, #reads.ids, 1000 do
      local args = { 'HMGET', rk .. ':specs' }
      for i = first, math.min(first + 999, #reads.ids) do args[#args + 1] = reads.ids[i] end
      local stored = redis.call(unpack(args))
      for i = 1, #stored do out[reads.positions[first + i - 1]] = spec_entry(rk, stored[i], sent) end
    end
  end
  -- A queue this call emptied keeps no wake-up tokens: each would wake an idle worker into a
  -- claim that finds nothing. Tasks queued again meanwhile (unparked) get theirs from `flush`.
  for _, queue in ipairs(drained) do redis.call('DEL', wake_key(queue)) end
  return out
end
