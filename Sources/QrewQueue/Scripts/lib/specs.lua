--[[ specs: a run's task specs, kept in <run>:specs (task id -> stored spec) rather than in the
  task hashes, so those stay compact listpacks. A stored spec is the spec JSON itself, or a
  difference from the spec of another task stored whole in the same call (its template):
  `~<prefix>,<suffix>,<n>:<template id><middle>`, meaning the template's first <prefix> bytes,
  <middle>, then the template's last <suffix> bytes (RunRecord+SpecTemplates.swift); or
  the same with `^` for `~`, after which the first `"taskID":"<template id>"` (plain text, quotes
  included) becomes `"taskID":"<the task's id>"`.
  Needs nothing but redis.call. ]]

-- The claim reply's spec entry for a task of the run whose key is `rk`, `stored` being its
-- <run>:specs entry: the spec itself when it is stored whole; for a difference, the pair
-- {difference, template} the first time the reply names that template (read then, once), and
-- the difference alone after that (its template came earlier in the same reply: `sent`, the
-- reply's templates so far, by run key and template id, filled here; entries are filled in reply
-- order within a run). The worker puts the spec back together (SpecTemplates.expanded in
-- RunRecord+SpecTemplates.swift; done there, not here, because Redis is the one shared core of the
-- cluster: ~2 µs a task of string work in Lua, and as much again to copy a ~300-byte template into
-- every entry). The template is "" when it is gone, and the entry "" when the task has no spec at
-- all: the worker refuses an empty spec and fails the attempt rather than the claim failing for
-- every task in it.
local function spec_entry(rk, stored, sent)
  if not stored then return '' end
  local marker = string.byte(stored, 1)
  if marker ~= 126 and marker ~= 94 then return stored end -- '~', '^'
  local n, at = string.match(stored, '^.%d+,%d+,(%d+):()')
  if not at then return stored end
  local template_id = string.sub(stored, at, at + n - 1)
  local named = sent[rk]
  if not named then
    named = {}
    sent[rk] = named
  end
  if named[template_id] then return stored end
  named[template_id] = true
  return { stored, redis.call('HGET', rk .. ':specs', template_id) or '' }
end
