--[[ complete_from_cache: look a leased task up in the result cache (lib/cache) and, on a fresh
  hit, record it succeeded with the stored result instead of running it; one call per attempt,
  made only for tasks whose step has `cache`.
  KEYS: none declared; it derives its keys from the prefix because the cache entry, dependents,
  queues and limits come from the task hash it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] task ref  ARGV[5] lease token  ARGV[6] cache key (64 hex digits)
  ARGV[7] ttl of an entry stored for this task (ms)  ARGV[8] most entries the namespace keeps
  ARGV[9] step type  ARGV[10] similarity space ("" for exact keys only)
  ARGV[11] MinHash signature (csv; "" without similarity)  ARGV[12] its band keys (csv)
  ARGV[13] least similarity a match needs (0..1)
  The exact key is tried first, then (with a space) the entries sharing a band with the
  signature, best estimated similarity at least ARGV[13] first.
  Hit: the task is recorded `succeeded` with the entry's output and exit code and `cached` = 1,
  `cacheKey`, `cacheSource` (run/task that produced the entry) and, for a similarity hit,
  `cacheMatch` (the entry's key) and `cacheScore`; `task_finished` carries `cached`: true; the
  result is applied as `complete` applies it (lib/apply: dependents released, run settled) and
  its lease and slots end. Counted in <prefix>:cache:stats hits/similarHits and the run's
  cacheHits.
  Miss: the task keeps running; its hash gets `cacheKey` and `cache` (JSON of ARGV[6..12]), so
  that `complete` stores the result if the attempt succeeds. Counted as misses / cacheMisses.
  A run being canceled counts as a miss without a trace (the cancellation stops the task).
  Returns: {"hit", key, score ("" for an exact hit), source ref} | {"miss"} | {"stale"} (lease
  no longer held). ]]
--@include common
--@include limits
--@include finish
--@include cancel
--@include apply
--@include cache

local ref, token, key = ARGV[4], ARGV[5], ARGV[6]
local tk = task_key(ref)
local t = redis.call('HMGET', tk, 'state', 'token', 'attempt', 'limits', 'id', 'dependents', 'continueOnError',
  'step', 'join')
if t[1] ~= 'running' or t[2] ~= token then return { 'stale' } end
local run = split_ref(ref)
local rk = run_key(run)
local r = redis.call('HMGET', rk, 'retention', 'cancelReason')
if r[2] then return { 'miss' } end

local match, score = key, nil
local entry = redis.call('HMGET', cache_entry_key(key), 'output', 'exitCode', 'run', 'task')
if not entry[1] and ARGV[10] ~= '' then
  match, score = cache_similar(ARGV[10], ARGV[11], ARGV[12], tonumber(ARGV[13]) or 1)
  if match then entry = redis.call('HMGET', cache_entry_key(match), 'output', 'exitCode', 'run', 'task') end
end

if not match or not entry[1] then
  local settings = { key = key, ttl = ARGV[7], max = ARGV[8], type = ARGV[9] }
  if ARGV[10] ~= '' then
    settings.space, settings.sig, settings.bands = ARGV[10], ARGV[11], ARGV[12]
  end
  -- no longer `plain` (lib/store): `complete` must read the field
  redis.call('HSET', tk, 'cacheKey', key, 'cache', cjson.encode(settings), 'plain', '0')
  redis.call('HINCRBY', CACHE_STATS, 'misses', 1)
  redis.call('HINCRBY', rk, 'cacheMisses', 1)
  return { 'miss' }
end

local source = entry[3] .. '/' .. entry[4]
local score_text = score and string.format('%.3f', score) or ''
redis.call('ZREM', P .. ':leases', ref)
if t[4] and t[4] ~= '' then release_limits(run, t[4]) end
redis.call('HDEL', tk, 'cache', 'cacheMatch', 'cacheScore')
redis.call('HSET', tk, 'state', 'succeeded', 'token', '', 'finishedAt', NOW_S, 'exitCode', entry[2] or '',
  'output', entry[1], 'error', '', 'applied', r[1] and '1' or '0', 'cached', '1', 'cacheKey', key,
  'cacheSource', source)
local event = { 'type', 'task_finished', 'task', t[5], 'state', 'succeeded', 'attempt', t[3],
  'exitCode', entry[2] or '', 'error', '', 'cached', 'true', 'cacheKey', key, 'cacheSource', source, 'ts', NOW_S }
if score then
  redis.call('HSET', tk, 'cacheMatch', match, 'cacheScore', score_text)
  event[#event + 1] = 'cacheMatch'
  event[#event + 1] = match
  event[#event + 1] = 'cacheScore'
  event[#event + 1] = score_text
end
emit(run, event)
redis.call('HINCRBY', CACHE_STATS, score and 'similarHits' or 'hits', 1)
redis.call('HINCRBY', rk, 'cacheHits', 1)
if r[1] then
  apply_result(run, ref, t[5], 'succeeded', t[6], t[7], '', t[3], t[9])
else
  redis.call('XADD', P .. ':events', '*', 'ref', ref)
end
settle_all()
flush()
return { 'hit', match, score_text, source }
