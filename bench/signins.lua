-- wrk script: POSTs the sign-in form of a different pending sign-in per
-- request. Arguments: FILE THREADS. FILE holds lines of
-- "path<TAB>cookie<TAB>body"; each of the n threads (n = THREADS) takes
-- every n-th line. A sign-in form is accepted once, so none is sent twice:
-- a thread that has sent all of its share stops, and done() says so (that
-- run's figures are not valid; bench/signin.sh then asks for more
-- BENCH_SIGNINS). wrk's own check of request() at start takes one, unsent.

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

local requests = {}
local i = 0
dry = 0
left = 0

function init(args)
  local n = tonumber(args[2] or "1")
  local k = 0
  for line in io.lines(args[1]) do
    if k % n == (id or 0) then
      local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", path,
        { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie }, body)
    end
    k = k + 1
  end
  left = #requests
end

function request()
  i = i + 1
  left = #requests - i
  if i > #requests then
    dry = 1
    left = 0
    wrk.thread:stop()
    -- Written but never read (the thread stops): a harmless request.
    return wrk.format("GET", "/health")
  end
  return requests[i]
end

function done()
  for _, t in ipairs(threads) do
    io.write(string.format("script: thread %d: %d sign-ins left%s\n",
      t:get("id"), t:get("left"), t:get("dry") == 1 and ", ran dry" or ""))
  end
end
