--[[ record_intake_crash: a coordinator dying of a fatal signal of its own (a crash: trap, bad
  access, abort; never SIGKILL or a freeze) records the submission it was processing, so the next
  leader stores that submission as a rejected run instead of processing it again: one
  submission costs at most one coordinator crash, never a crash loop.
  Sent from the coordinator's signal handler as EVAL with the script text, on a connection used
  for nothing else (like record_crash); it takes no clock offset or stream cap.
  KEYS: none declared: the handler sends preformatted bytes with no key count; it derives
  <prefix>:intake:crashed from ARGV[1] (docs/scaling.md, Scripts).
  ARGV[1] prefix  ARGV[2] coordinator id  ARGV[3] signal number
  ARGV[4..] pairs of submissions stream entry id and the intake's process nonce
  Each entry is recorded in <prefix>:intake:crashed (entry id -> what happened); the intake
  removes it once it has stored the rejected run.
  Returns: how many entries were recorded. ]]

local names = { ['4'] = 'SIGILL', ['5'] = 'SIGTRAP', ['6'] = 'SIGABRT', ['7'] = 'SIGBUS', ['8'] = 'SIGFPE',
  ['11'] = 'SIGSEGV' }
local what = 'coordinator ' .. ARGV[2] .. ' crashed (' .. (names[ARGV[3]] or ('signal ' .. ARGV[3])) .. ')'
local recorded = 0
for i = 4, #ARGV - 1, 2 do
  redis.call('HSET', ARGV[1] .. ':intake:crashed', ARGV[i], what)
  recorded = recorded + 1
end
return recorded
