--[[ specs: a run's task specs, kept in <run>:specs (task id -> stored spec) rather than in the
  task hashes, so those stay compact listpacks. A stored spec is the spec JSON itself, or a
  difference from the spec of a sibling stored in the same call (its template, always stored
  whole): `~<prefix>,<suffix>,<n>:<template id><middle>`, meaning the template's first <prefix>
  bytes, <middle>, then the template's last <suffix> bytes (RunRecord+SpecTemplates.swift); or
  the same with `^` for `~`, after which the first `"taskID":"<template id>"` (plain text, quotes
  included) becomes `"taskID":"<the task's id>"`.
  Needs nothing but redis.call. ]]

-- Templates read by this call, by run key and template id: siblings claimed together read
-- their template once.
local spec_templates = {}

-- The claim reply's spec entry for a task of the run whose key is `rk`, `stored` being its
-- <run>:specs entry: the spec itself when it is stored whole, or {difference, template} when it
-- is a difference, which the worker puts back together (SpecTemplates.expanded in
-- RunRecord+SpecTemplates.swift; done there, not here, because Redis is the one shared core of
-- the cluster: ~2 µs a task of string work in Lua). The template is "" when it is gone, and the
-- entry "" when the task has no spec at all: the worker refuses an empty spec and fails the
-- attempt rather than the claim failing for every task in it.
local function spec_entry(rk, stored)
  if not stored then return '' end
  local marker = string.byte(stored, 1)
  if marker ~= 126 and marker ~= 94 then return stored end -- '~', '^'
  local n, at = string.match(stored, '^.%d+,%d+,(%d+):()')
  if not at then return stored end
  local template_id = string.sub(stored, at, at + n - 1)
  local cache_key = rk .. '\n' .. template_id
  local template = spec_templates[cache_key]
  if not template then
    template = redis.call('HGET', rk .. ':specs', template_id) or ''
    spec_templates[cache_key] = template
  end
  return { stored, template }
end
