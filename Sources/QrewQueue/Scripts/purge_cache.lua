--[[ purge_cache: delete result-cache entries (lib/cache) with their similarity buckets.
  KEYS: none declared; it derives its keys from the prefix because the cache entries and buckets
  come from the cache index it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] what: "key" (ARGV[5] is the key), "all", or "step" (ARGV[5] is the step id)
  ARGV[6] position in <prefix>:cache:entries to continue from ("0" at first; "all" and "step")
  At most 1000 entries are examined per call; the caller repeats with the returned position
  until it is -1.
  Returns: {entries deleted, next position or -1 when done}. ]]
--@include common
--@include cache

local what, value = ARGV[4], ARGV[5]
if what == 'key' then return { cache_remove(value), -1 } end

local position = tonumber(ARGV[6]) or 0
local keys = redis.call('ZRANGE', CACHE_INDEX, position, position + 999)
local removed = 0
for _, key in ipairs(keys) do
  if what == 'all' or redis.call('HGET', cache_entry_key(key), 'step') == value then
    removed = removed + cache_remove(key)
    position = position - 1
  end
  position = position + 1
end
if #keys < 1000 then position = -1 end
return { removed, position }
