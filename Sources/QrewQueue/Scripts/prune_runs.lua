--[[ prune_runs: forget expired runs in the run index, so <prefix>:runs stays bounded. A finished
  run's keys expire after its retention (lib/finish), but its index entry does not. Each call
  visits one slice of the index with ZSCAN, resuming at the cursor kept in <prefix>:runs:cursor,
  so every entry is visited in turn however many long-lived runs come before it, and removes the
  runs whose hash is gone.
  KEYS: none declared; it derives its keys from the prefix because the runs and their tasks come
  from P:runs and the task sets it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] entries to visit per call (ZSCAN COUNT, a hint): each costs an
          EXISTS, so ~50 (the coordinator's) keep a call to ~0.2 ms
  Returns: {number of index entries removed, 1 if the scan goes on (the cursor did not wrap) else 0}. ]]
--@include common
--@include fence

check_fence(ARGV[4])
local index, cursor_key = P .. ':runs', P .. ':runs:cursor'
local scan = redis.call('ZSCAN', index, redis.call('GET', cursor_key) or '0', 'COUNT', tonumber(ARGV[5]))
local removed = 0
for i = 1, #scan[2], 2 do
  local run = scan[2][i]
  if redis.call('EXISTS', run_key(run)) == 0 then
    redis.call('ZREM', index, run)
    removed = removed + 1
  end
end
if scan[1] == '0' then redis.call('DEL', cursor_key) else redis.call('SET', cursor_key, scan[1]) end
return { removed, scan[1] == '0' and 0 or 1 }
