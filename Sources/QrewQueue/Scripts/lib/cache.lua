--[[ cache: the result cache's entries (docs/protocol.md, *Result cache*), for `complete` (stores
  a success of a task whose lookup missed), `complete_from_cache` (looks a task up) and
  `purge_cache`. Needs lib/common.
  Keys (namespace-wide; the key itself already holds the scope, see TaskCacheSettings):
    <prefix>:cache:entry:<key>  hash: output, exitCode, at (ms), run, task, step, type, ttl (ms);
                                with similarity also space, sig (MinHash values, csv) and bands
                                (band keys, csv). Expires with PEXPIRE after its ttl.
    <prefix>:cache:entries      zset: key -> expiry (ms). Expired members leave it when the next
                                entry is stored; past the size bound, the entries closest to
                                expiry are evicted (they have the least life left to lose).
    <prefix>:cache:lsh:<space>:<band>  set of keys whose signature has that band (LSH buckets);
                                expires with the longest-lived entry added; members of entries
                                gone are dropped when a lookup meets them.
    <prefix>:cache:stats        hash of counters: hits, similarHits, misses, stores, evictions. ]]

local CACHE_INDEX = P .. ':cache:entries'
local CACHE_STATS = P .. ':cache:stats'
-- At most this many entries are evicted per stored entry, so a lowered bound is reached over a
-- few calls instead of one long one.
local CACHE_EVICTION_SLICE = 1000

local function cache_entry_key(key) return P .. ':cache:entry:' .. key end
local function cache_bucket_key(space, band) return P .. ':cache:lsh:' .. space .. ':' .. band end

-- Deletes one entry with its bucket memberships; returns 1 if it existed.
local function cache_remove(key)
  local ek = cache_entry_key(key)
  local e = redis.call('HMGET', ek, 'space', 'bands')
  if e[1] and e[2] then
    for _, band in ipairs(split_csv(e[2])) do redis.call('SREM', cache_bucket_key(e[1], band), key) end
  end
  redis.call('ZREM', CACHE_INDEX, key)
  return redis.call('DEL', ek)
end

-- Stores the successful result of task `id` (step `step`) of `run` under the settings its
-- lookup left in the task hash (`settings`: JSON {key, ttl, max, type[, space, sig, bands]}),
-- replacing an older entry of that key, and keeps the cache within its size bound.
local function cache_store(settings, run, id, step, output, exit_code)
  local c = cjson.decode(settings)
  local key, ttl = c.key, expiry_ms(c.ttl) or '3600000'
  local ek = cache_entry_key(key)
  cache_remove(key)
  local fields = { 'output', output, 'exitCode', exit_code, 'at', NOW_S, 'run', run, 'task', id, 'step', step,
    'type', c.type or '', 'ttl', ttl }
  if c.space and c.space ~= '' then
    fields[#fields + 1] = 'space'
    fields[#fields + 1] = c.space
    fields[#fields + 1] = 'sig'
    fields[#fields + 1] = c.sig
    fields[#fields + 1] = 'bands'
    fields[#fields + 1] = c.bands
    for _, band in ipairs(split_csv(c.bands)) do
      local bk = cache_bucket_key(c.space, band)
      redis.call('SADD', bk, key)
      if redis.call('PTTL', bk) < tonumber(ttl) then redis.call('PEXPIRE', bk, ttl) end
    end
  end
  redis.call('HSET', ek, unpack(fields))
  redis.call('PEXPIRE', ek, ttl)
  redis.call('ZADD', CACHE_INDEX, string.format('%.0f', NOW + tonumber(ttl)), key)
  redis.call('HINCRBY', CACHE_STATS, 'stores', 1)
  redis.call('ZREMRANGEBYSCORE', CACHE_INDEX, '-inf', NOW_S)
  local excess = redis.call('ZCARD', CACHE_INDEX) - (tonumber(c.max) or 10000)
  if excess > 0 then
    local victims = redis.call('ZRANGE', CACHE_INDEX, 0, math.min(excess, CACHE_EVICTION_SLICE) - 1)
    for _, victim in ipairs(victims) do cache_remove(victim) end
    redis.call('HINCRBY', CACHE_STATS, 'evictions', #victims)
  end
end

-- The estimated Jaccard similarity of two MinHash signatures (csv of the same length): the share
-- of positions that are equal.
local function cache_similarity(a, b)
  local x, y = split_csv(a), split_csv(b)
  if #x == 0 or #x ~= #y then return 0 end
  local equal = 0
  for i = 1, #x do
    if x[i] == y[i] then equal = equal + 1 end
  end
  return equal / #x
end

-- The best entry of similarity space `space` whose signature shares a band with `bands` (csv)
-- and is at least `threshold` similar to `sig`: its key and score, or nil.
local function cache_similar(space, sig, bands, threshold)
  local seen, best, best_score = {}, nil, -1
  for _, band in ipairs(split_csv(bands)) do
    local bk = cache_bucket_key(space, band)
    for _, key in ipairs(redis.call('SMEMBERS', bk)) do
      if not seen[key] then
        seen[key] = true
        local other = redis.call('HGET', cache_entry_key(key), 'sig')
        if not other then
          redis.call('SREM', bk, key)
        else
          local score = cache_similarity(sig, other)
          if score >= threshold and (score > best_score or (score == best_score and key < best)) then
            best, best_score = key, score
          end
        end
      end
    end
  end
  if best then return best, best_score end
  return nil
end
