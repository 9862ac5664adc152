--[[ prune_workers: forget workers that stopped heartbeating, so the worker registry stays
  bounded and `qctl workers` shows live ones. Their tasks are taken back by reap_leases.
  KEYS: none declared; it derives its keys from the prefix because the workers' hashes come from
  P:workers, which it reads (docs/scaling.md, Scripts).
  ARGV[1..3] prefix, clock offset, stream cap (see lib/common)
  ARGV[4] leader fence  ARGV[5] silence (ms) after which a worker is forgotten
  Returns: array of the worker names removed. ]]
--@include common
--@include fence

check_fence(ARGV[4])
local gone = redis.call('ZRANGEBYSCORE', P .. ':workers', '-inf', NOW - tonumber(ARGV[5]), 'LIMIT', 0, 1000)
for _, name in ipairs(gone) do
  redis.call('ZREM', P .. ':workers', name)
  redis.call('DEL', P .. ':worker:' .. name)
end
return gone
