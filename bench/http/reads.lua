-- wrk script: GET /orders/<id> over the ids listed in a file (one a line; lifecycle.lua writes it),
-- round robin, each wrk thread starting at its own offset.
--
--   wrk -c64 -t2 -d20s --latency -s reads.lua http://HOST:PORT -- IDS_FILE
--
-- The requests are formatted once, in init(), so that the client's cost per request is the same
-- against minkd and against the Beast ceiling (which answers any GET). done() prints the MINK_WRK
-- summary line (wrk_report.lua) with the number of distinct ids read.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end

-- Thread side.
local requests = {}
local next_request = 1

function init(args)
  report.init_thread()
  local path = args[1]
  if path == nil or path == "" then
    error("reads.lua needs the file of order ids: wrk ... -s reads.lua URL -- IDS_FILE")
  end
  for line in io.lines(path) do
    if line ~= "" then table.insert(requests, wrk.format("GET", "/orders/" .. line)) end
  end
  if #requests == 0 then error("reads.lua: no order ids in " .. path) end
  ids_read = #requests
  next_request = ((thread_index - 1) * math.floor(#requests / 2 + 1)) % #requests + 1
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function response(status, headers, body)
  report.count(status, body)
end

-- Main side.
function done(summary, latency, requests_)
  report.done("reads", threads, summary, latency, {})
  local ids = threads[1] and threads[1]:get("ids_read") or 0
  io.write(string.format("reads: %d distinct ids\n", ids))
end
