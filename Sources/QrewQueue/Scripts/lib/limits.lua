--[[ limits: concurrency slots. Needs lib/common.
  A task's `limits` field names the limits it takes one slot of while it runs:
    `run` and `step:<id>`: per run; size in run:<id>:capacity, count in run:<id>:inflight, waiters
      in run:<id>:parked:<limit> (these expire with the run);
    `pool:<name>`: shared by every run of the namespace (a pool never has more tasks in flight
      than its size, cluster-wide): pool:<name> hash {size, inflight}, waiters in the sorted set
      pool:<name>:parked (task refs of any run, score = ready score);
    `key:<size>:<key>`: keyed concurrency (a step's `concurrency`), shared by every run of the
      namespace like a pool, but its size travels in the name (no lookup) and its count hash
      <prefix>:key:<size>:<key> {inflight} is deleted whenever it drops to zero, so
      unboundedly many key values cost no memory once idle; waiters in <prefix>:key:<size>:<key>:parked.
  A task whose limit is full is parked; each freed slot unparks the best waiter still `ready`
  (a waiter of a canceled run is dropped on the way, so it never holds back another run). ]]

-- Where a limit lives: hash and field of its size, hash and field of its count, parked set. A
-- keyed limit has no size hash: its size (a number) comes in place of the size field.
local function limit_keys(run, limit)
  if string.sub(limit, 1, 4) == 'key:' then
    local kk = P .. ':' .. limit
    return nil, tonumber(string.match(limit, '^key:(%d+):')), kk, 'inflight', kk .. ':parked'
  end
  if string.sub(limit, 1, 5) == 'pool:' then
    local pk = P .. ':' .. limit
    return pk, 'size', pk, 'inflight', pk .. ':parked'
  end
  local rk = run_key(run)
  return rk .. ':capacity', limit, rk .. ':inflight', limit, rk .. ':parked:' .. limit
end

-- The size of a limit, from `limit_keys`' first two results (nil: no limit).
local function limit_size(size_key, size_field)
  if not size_key then return size_field end
  return tonumber(redis.call('HGET', size_key, size_field))
end

-- The first of `limits` (names) with no free slot, or nil.
local function full_limit(run, limits)
  for _, limit in ipairs(limits) do
    local size_key, size_field, count_key, count_field = limit_keys(run, limit)
    local size = limit_size(size_key, size_field)
    if size and tonumber(redis.call('HGET', count_key, count_field) or '0') >= size then
      return limit
    end
  end
  return nil
end

-- Takes one slot of each of `limits` (names) for a task that starts running.
local function take_limits(run, limits)
  for _, limit in ipairs(limits) do
    local _, _, count_key, count_field = limit_keys(run, limit)
    redis.call('HINCRBY', count_key, count_field, '1')
  end
end

-- Parks a ready task (popped with `score`) until a slot of `limit` frees.
local function park(run, limit, score, ref)
  local _, _, _, _, parked = limit_keys(run, limit)
  redis.call('ZADD', parked, score, ref)
end

-- Queues up to `n` waiters of a parked set, best first, skipping (and dropping) those no
-- longer ready. A waiter goes back with the score it was parked with (its ready score), so it
-- keeps its age and its place in its concurrency key's rotation (lib/schedule).
local function unpark(parked, n)
  while n > 0 do
    local popped = redis.call('ZPOPMAX', parked)
    if #popped == 0 then return end
    local t = redis.call('HMGET', task_key(popped[1]), 'state', 'queue')
    if t[1] == 'ready' then
      redis.call('ZADD', ready_key(t[2]), popped[2], popped[1])
      note_queued(t[2], 1)
      n = n - 1
    end
  end
end

-- Gives back the slots a running task held and unparks one waiter per slot.
local function release_limits(run, limits_csv)
  for _, limit in ipairs(split_csv(limits_csv)) do
    local _, _, count_key, count_field, parked = limit_keys(run, limit)
    local left = redis.call('HINCRBY', count_key, count_field, '-1')
    unpark(parked, 1)
    if left <= 0 and string.sub(limit, 1, 4) == 'key:' then redis.call('DEL', count_key) end
  end
end

-- Unparks as many waiters of `limit` as it has free slots (more may be unparked than will run:
-- a waiter that finds the limit full again parks again; fewer could strand waiters).
local function refill(run, limit)
  local size_key, size_field, count_key, count_field, parked = limit_keys(run, limit)
  local size = limit_size(size_key, size_field)
  if not size then return end
  local free = size - tonumber(redis.call('HGET', count_key, count_field) or '0')
  if free > 0 then unpark(parked, free) end
end

-- Forgets a ready task that will never run (its run was canceled): removes it from the parked
-- sets and, as it may have been unparked for a slot it now leaves unused, refills its pools so
-- no waiter of another run is stranded.
local function forget_ready(run, ref, limits_csv)
  for _, limit in ipairs(split_csv(limits_csv)) do
    local _, _, _, _, parked = limit_keys(run, limit)
    redis.call('ZREM', parked, ref)
    local kind = string.sub(limit, 1, 4)
    if kind == 'pool' or kind == 'key:' then refill(run, limit) end
  end
end

-- Sets a shared pool's size (the latest submission wins) and unparks the waiters that fit now.
-- Returns the previous size, or false for a new pool.
local function set_pool_size(limit, size)
  local pk = P .. ':' .. limit
  local previous = redis.call('HGET', pk, 'size')
  redis.call('HSET', pk, 'size', size)
  redis.call('HSETNX', pk, 'inflight', 0)
  -- The pools `metrics_snapshot` reports.
  redis.call('SADD', P .. ':pools', string.sub(limit, 6))
  refill('', limit)
  return previous
end
