--[[ gates: circuit breakers and rate limits, shared by every run of the namespace. Needs
  lib/common and lib/limits. Unlike limits, gates are not slots a task holds while it runs: a
  gate decides whether a ready task may start now. A task's `gates` field (comma-separated, ""
  or absent for tasks without any, so claim and complete skip all of this for them) names them,
  with their settings in the name, so no lookup is needed:
    `breaker:<failures>:<windowMs>:<cooldownMs>:<key>`: circuit breaker <key> (escaped: `%` as %25,
      `,` as %2C). State in the hash <prefix>:breaker:<key> {state closed|open|half_open, until (ms,
      end of the cooldown), openedAt, probe (ref of the half-open probe), probeUntil (ms, end of the
      probe's lease)}, failure times in the sorted set <prefix>:breaker:<key>:failures (trimmed to
      the window), waiters in <prefix>:breaker:<key>:parked. The hash expires: a closed one after its
      window, an open or half-open one a day after its cooldown (an idle breaker is forgotten; a
      forgotten breaker is closed). <prefix>:breakers lists the keys, scored by when their hash
      expires at the latest (`wake_gates` drops the entries past it).
    `rate:<limit>:<perMs>:<key>`: at most <limit> starts in any span of <perMs>: a sliding-window
      log, the sorted set <prefix>:rate:<limit>:<perMs>:<key> of start times (at most <limit>
      entries, trimmed on every check), waiters in <prefix>:rate:<limit>:<perMs>:<key>:parked.
  A blocked task is parked (score = its ready score, so waiters come back best first; no attempt
  counted) and the gate listed in <prefix>:gates:due at the time it may open (the earliest wins);
  the leader's `wake_gates` unparks waiters when that time comes. A waiter that is no longer
  ready (its run was canceled) is dropped when it comes up (lib/limits unpark). ]]

-- The gate functions are built on the first call of `gates()` in a script call, not at its start:
-- every script call runs its whole text, and each closure it makes costs more the more locals
-- the script has (Lua 5.1 walks the open upvalues); claim and complete, which include this file,
-- pay for it only when a task has gates (3-4 µs a call otherwise, measured with EVALSHA).
local GATES_DUE = P .. ':gates:due'
local gates_built = nil

local function gates()
  if gates_built then return gates_built end
  -- How long an open or half-open breaker is remembered after its cooldown (ms): a day.
  local BREAKER_MEMORY = 86400000

  -- A gate name's kind and settings: 'breaker', failures, windowMs, cooldownMs, key; or 'rate',
  -- limit, perMs, nil, key; nil for a name of neither form (such a gate never blocks).
  local function gate_parts(gate)
    local n, w, c, key = string.match(gate, '^breaker:(%d+):(%d+):(%d+):(.*)$')
    if n then return 'breaker', tonumber(n), tonumber(w), tonumber(c), key end
    local limit, per, rkey = string.match(gate, '^rate:(%d+):(%d+):(.*)$')
    if limit then return 'rate', tonumber(limit), tonumber(per), nil, rkey end
    return nil
  end

  local function breaker_key(key) return P .. ':breaker:' .. key end

  -- Gives breaker `key`'s hash `ttl` ms to live and lists the key in <prefix>:breakers until then.
  local function keep_breaker(key, ttl)
    redis.call('PEXPIRE', breaker_key(key), ttl)
    redis.call('ZADD', P .. ':breakers', 'GT', NOW + ttl, key)
  end

  -- Where a gate's waiters park.
  local function gate_parked_key(gate)
    local kind, _, _, _, key = gate_parts(gate)
    if kind == 'breaker' then return breaker_key(key) .. ':parked' end
    return P .. ':' .. gate .. ':parked'
  end

  -- Whether `gate` lets a task start now: true; or false and the time (ms) it may open.
  local function gate_open(gate)
    local kind, a, b, _, key = gate_parts(gate)
    if kind == 'rate' then
      local log = P .. ':' .. gate
      redis.call('ZREMRANGEBYSCORE', log, '-inf', NOW - b)
      if redis.call('ZCARD', log) < a then return true end
      local oldest = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')
      return false, tonumber(oldest[2]) + b
    elseif kind == 'breaker' then
      local s = redis.call('HMGET', breaker_key(key), 'state', 'until', 'probeUntil')
      if s[1] == 'open' then
        local opens = tonumber(s[2]) or 0
        if NOW >= opens then return true end
        return false, opens
      elseif s[1] == 'half_open' then
        -- one probe at a time; a new one once the probe's lease passed (its worker may be gone)
        local lease_end = tonumber(s[3]) or 0
        if NOW >= lease_end then return true end
        return false, lease_end
      end
    end
    return true
  end

  -- Gates found closed in this call (name -> time it may open): one check per gate and call.
  local closed_gates = {}

  -- The first of the gates in `gates_csv` that holds a task back now and the time it may open, or nil.
  local function closed_gate(gates_csv)
    for _, gate in ipairs(split_csv(gates_csv)) do
      local due = closed_gates[gate]
      if due then return gate, due end
      local open, opens = gate_open(gate)
      if not open then
        closed_gates[gate] = opens
        return gate, opens
      end
    end
    return nil
  end

  -- Lists `gate` in the due set at `due` unless it is already due earlier.
  local function gate_due(gate, due)
    redis.call('ZADD', GATES_DUE, 'LT', due, gate)
  end

  -- Parks a ready task (popped with `score`) at `gate` until it may open at `due`, and refills the
  -- task's `limits` (names): it may have been unparked for a slot it now leaves unused.
  local function park_at_gate(run, gate, due, score, ref, limits)
    redis.call('ZADD', gate_parked_key(gate), score, ref)
    gate_due(gate, due)
    for _, limit in ipairs(limits) do refill(run, limit) end
  end

  -- Records the start of attempt `attempt` of task `ref` at each of its gates (all open): a start
  -- in each rate log, and the probe of a breaker whose cooldown (or whose probe's lease) passed.
  local function take_gates(gates_csv, ref, attempt)
    for _, gate in ipairs(split_csv(gates_csv)) do
      local kind, _, b, c, key = gate_parts(gate)
      if kind == 'rate' then
        local log = P .. ':' .. gate
        redis.call('ZADD', log, NOW, ref .. '#' .. attempt)
        redis.call('PEXPIRE', log, b)
      elseif kind == 'breaker' then
        local bk = breaker_key(key)
        local state = redis.call('HGET', bk, 'state')
        if state == 'open' or state == 'half_open' then
          local lease_end = NOW + c
          redis.call('HSET', bk, 'state', 'half_open', 'probe', ref, 'probeUntil', string.format('%.0f', lease_end))
          keep_breaker(key, c + BREAKER_MEMORY)
          if redis.call('EXISTS', bk .. ':parked') == 1 then gate_due(gate, lease_end) end
        end
      end
    end
  end

  -- Queues up to 1000 waiters of a breaker that closed; the due set brings the rest.
  local function release_breaker_waiters(gate, key)
    local parked = breaker_key(key) .. ':parked'
    unpark(parked, 1000)
    if redis.call('EXISTS', parked) == 1 then gate_due(gate, NOW) end
  end

  -- Opens breaker `key` (of `gate`) for `cooldown` ms.
  local function open_breaker(gate, key, cooldown)
    local bk = breaker_key(key)
    local opens = NOW + cooldown
    redis.call('HSET', bk, 'state', 'open', 'openedAt', NOW_S, 'until', string.format('%.0f', opens))
    redis.call('HDEL', bk, 'probe', 'probeUntil')
    keep_breaker(key, cooldown + BREAKER_MEMORY)
    gate_due(gate, opens)
  end

  -- Counts the result of attempt `attempt` of task `ref` at its breakers: a failure (any outcome
  -- but success, retried or not) is recorded in the window and opens a closed breaker that reached
  -- its count, or reopens a half-open one when it was the probe; a success closes a half-open
  -- breaker and queues its waiters.
  local function gate_result(gates_csv, ref, attempt, succeeded)
    for _, gate in ipairs(split_csv(gates_csv)) do
      local kind, failures, window, cooldown, key = gate_parts(gate)
      if kind == 'breaker' then
        local bk = breaker_key(key)
        local s = redis.call('HMGET', bk, 'state', 'probe')
        if succeeded then
          if s[1] == 'half_open' then
            redis.call('HSET', bk, 'state', 'closed')
            redis.call('HDEL', bk, 'until', 'probe', 'probeUntil')
            redis.call('DEL', bk .. ':failures')
            keep_breaker(key, window)
            release_breaker_waiters(gate, key)
          end
        else
          local fk = bk .. ':failures'
          redis.call('ZADD', fk, NOW, ref .. '#' .. attempt)
          redis.call('ZREMRANGEBYSCORE', fk, '-inf', NOW - window)
          redis.call('PEXPIRE', fk, window)
          if s[1] == 'half_open' then
            if s[2] == ref then open_breaker(gate, key, cooldown) end
          elseif s[1] ~= 'open' then
            if redis.call('ZCARD', fk) >= failures then
              open_breaker(gate, key, cooldown)
            else
              -- closed: visible in `qctl breakers` while failures are in the window
              redis.call('HSET', bk, 'state', 'closed')
              keep_breaker(key, window)
            end
          end
        end
      end
    end
  end

  -- Unparks what gate `gate` lets through now (its due time came) and lists it again if waiters
  -- are left. Returns how many waiters it queued.
  local function wake_gate(gate)
    local kind, a, b, c, key = gate_parts(gate)
    if not kind then return 0 end
    local parked = gate_parked_key(gate)
    if redis.call('EXISTS', parked) == 0 then return 0 end
    local before = redis.call('ZCARD', parked)
    if kind == 'rate' then
      local log = P .. ':' .. gate
      redis.call('ZREMRANGEBYSCORE', log, '-inf', NOW - b)
      local used = redis.call('ZCARD', log)
      if used < a then unpark(parked, a - used) end
      if redis.call('EXISTS', parked) == 1 then
        local next_due = NOW + b
        if used >= a then next_due = tonumber(redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')[2]) + b end
        gate_due(gate, next_due)
      end
    else
      local s = redis.call('HMGET', breaker_key(key), 'state', 'until', 'probeUntil')
      if s[1] == 'open' or s[1] == 'half_open' then
        local opens = tonumber(s[1] == 'open' and s[2] or s[3]) or 0
        if NOW >= opens then
          unpark(parked, 1)   -- the probe; the others wait for its result (or its lease to pass)
          opens = NOW + c
        end
        if redis.call('EXISTS', parked) == 1 then gate_due(gate, opens) end
      else
        release_breaker_waiters(gate, key)
      end
    end
    return before - redis.call('ZCARD', parked)
  end

  gates_built = {
    breaker_key = breaker_key, closed_gate = closed_gate, park_at_gate = park_at_gate, take_gates = take_gates,
    gate_result = gate_result, wake_gate = wake_gate,
  }
  return gates_built
end
