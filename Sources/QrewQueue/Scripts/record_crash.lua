--[[ record_crash: a worker dying of a fatal signal of its own (a crash: trap, bad access, abort;
  not SIGKILL) counts the crash on the tasks it was claiming or running, so `reap_leases` can
  quarantine a task that keeps crashing workers instead of retrying it into a crash loop.
  Sent from the worker's signal handler, as EVAL with the script text (not EVALSHA: a handler
  cannot load a flushed script and retry), on a connection used for nothing else. Unlike the
  other scripts it takes no `now` or stream cap: the handler only has preformatted bytes.
  KEYS: none declared: the handler sends preformatted bytes with no key count, and builds nothing
  per call; it derives the task keys from the refs it is given (docs/scaling.md, Scripts).
  ARGV[1] prefix  ARGV[2] worker name  ARGV[3] signal number
  ARGV[4..] pairs of task ref and lease token: the tasks the worker blames for the crash
  A task counts the crash only while the token still holds its lease (a task already reclaimed
  or finished is not the crashed worker's any more): `crashes` + 1, `crash` = what happened.
  Returns: how many tasks counted the crash. ]]

local names = { ['4'] = 'SIGILL', ['5'] = 'SIGTRAP', ['6'] = 'SIGABRT', ['7'] = 'SIGBUS', ['8'] = 'SIGFPE',
  ['11'] = 'SIGSEGV' }
local P = ARGV[1]
local what = 'worker ' .. ARGV[2] .. ' crashed (' .. (names[ARGV[3]] or ('signal ' .. ARGV[3])) .. ')'
local counted = 0
for i = 4, #ARGV - 1, 2 do
  local tk = P .. ':task:' .. ARGV[i]
  if redis.call('HGET', tk, 'token') == ARGV[i + 1] then
    redis.call('HINCRBY', tk, 'crashes', 1)
    redis.call('HSET', tk, 'crash', what)
    counted = counted + 1
  end
end
return counted
