--[[ backoff: the retry delay scripts compute themselves, for outcomes no worker reports (a lost
  lease, reap_leases; a queue timeout, expire_queued). ]]

-- The wait before retrying after attempt number `attempt`, as RetryPolicy.delay computes it
-- (equal jitter: base/2 + sample × base/2), from a policy field written at store time
-- (`lostRetry`, `queueTimeoutRetry`: "backoff,initialMs,capMs,jitter"); nil when the policy does
-- not retry that outcome ("" or absent). `sample` is in [0, 1).
local function retry_delay(policy, attempt, sample)
  local backoff, initial, cap, jitter = string.match(policy or '', '^(%a+),(%d+),(%d+),(%d)$')
  if not backoff then return nil end
  initial, cap = tonumber(initial), tonumber(cap)
  local base = initial
  if backoff == 'exponential' then
    base = math.min(initial, cap)
    local step = 1
    while step < attempt and base > 0 and base < cap do
      base = math.min(base * 2, cap)
      step = step + 1
    end
  end
  if jitter == '1' then
    local half = math.floor(base / 2)
    base = half + math.floor((base - half) * sample)
  end
  return base
end
