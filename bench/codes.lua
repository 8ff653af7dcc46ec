-- wrk script: POSTs one form body per request from the file given as the
-- first script argument (authorization-code exchanges: each code is used
-- once). With several wrk threads (second argument: their count) each takes
-- every n-th line; past the end of its share a thread wraps around, and
-- those reused codes show up as non-2xx responses.

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local requests = {}
local i = 0

function init(args)
  local n = tonumber(args[2] or "1")
  local k = 0
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  for line in io.lines(args[1]) do
    if k % n == (id or 0) then
      requests[#requests + 1] = wrk.format("POST", "/oauth/token", headers, line)
    end
    k = k + 1
  end
end

function request()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
