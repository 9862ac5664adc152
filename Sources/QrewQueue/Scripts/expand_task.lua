--[[ expand_task: expand the placeholder task of a dynamic fan-out into its children, or end it
  failed, all at once (docs/protocol.md "Dynamic fan-out").
  KEYS: none declared; it derives its keys from the prefix because the new tasks, the run and the
  dependents come from the expansion it decodes and the hashes it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence
  ARGV[5] placeholder ref (<run>/<step id>), leased by the caller with `claim` from the `__expand`
          queue
  ARGV[6] the caller's lease token of it
  ARGV[7] error: "" to expand; otherwise the placeholder ends failed with this error (its list
          was not a JSON array, or too long), and its dependents are skipped as for any failure
  ARGV[8..] the children, 14 arguments each (lib/store): no dependencies, no dependents, field
          `join` = the placeholder's id
  The children are stored ready (queued, scored, limited like any task), appended to the run's
  task list and counted in its `total`, `stored` and `pending` (and the run's `fanOuts`, which
  `retry_run` refuses); the placeholder becomes a join: state
  `expanded`, `left` = child count, `children` = their ids in order (lib/fanout). No child: the
  join ends succeeded at once with output "[]". A replay (stale token: already expanded, ended,
  canceled or leased again) changes nothing; a run still being stored in slices is not expanded
  yet ("later": call again once `stored` reached `total`). The placeholder of a run being
  canceled ends canceled ("stale").
  Returns: "expanded", "failed", "stale" or "later". ]]
--@include common
--@include limits
--@include fence
--@include finish
--@include cancel
--@include apply
--@include store

check_fence(ARGV[4])
local ref, token, err = ARGV[5], ARGV[6], ARGV[7]
local tk = task_key(ref)
local t = redis.call('HMGET', tk, 'state', 'token', 'limits', 'id', 'attempt')
if t[1] ~= 'running' or t[2] ~= token then return 'stale' end
local run = split_ref(ref)
local rk = run_key(run)
local r = redis.call('HMGET', rk, 'stored', 'total', 'cancelReason')
-- The run is being canceled: the placeholder ends canceled now.
if r[3] then return cancel_leased(run, ref, t, r[3]) end
if tonumber(r[1] or r[2]) < tonumber(r[2]) then return 'later' end

redis.call('ZREM', P .. ':leases', ref)
if t[3] and t[3] ~= '' then release_limits(run, t[3]) end

local FIRST = 8
local count = (#ARGV - FIRST + 1) / STORE_WIDTH
local reply
if err ~= '' then
  redis.call('HSET', tk, 'state', 'failed', 'token', '', 'finishedAt', NOW_S, 'output', '', 'error', err, 'applied', '0')
  emit(run, { 'type', 'task_finished', 'task', t[4], 'state', 'failed', 'attempt', t[5], 'error', err, 'ts', NOW_S })
  apply_final(ref)
  reply = 'failed'
elseif count == 0 then
  redis.call('HSET', tk, 'state', 'succeeded', 'token', '', 'finishedAt', NOW_S, 'output', '[]', 'error', '',
    'applied', '0')
  emit(run, { 'type', 'task_finished', 'task', t[4], 'state', 'succeeded', 'attempt', t[5], 'ts', NOW_S })
  apply_final(ref)
  reply = 'expanded'
else
  local ids = {}
  for i = FIRST, #ARGV, STORE_WIDTH do ids[#ids + 1] = ARGV[i] end
  redis.call('HINCRBY', rk, 'total', count)
  redis.call('HINCRBY', rk, 'stored', count)
  redis.call('HINCRBY', rk, 'pending', count)
  redis.call('HINCRBY', rk, 'fanOuts', 1)
  redis.call('HSET', tk, 'state', 'expanded', 'token', '', 'left', count, 'failedChildren', 0,
    'children', cjson.encode(ids))
  store_slice(run, FIRST, nil, nil)
  emit(run, { 'type', 'task_expanded', 'task', t[4], 'tasks', tostring(count), 'ts', NOW_S })
  reply = 'expanded'
end
settle_all()
flush()
return reply
