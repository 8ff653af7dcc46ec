-- wrk script: POSTs the sign-in form of a different pending sign-in per
-- request, from the file given as the first argument (lines of
-- "path<TAB>cookie<TAB>body"); every n-th line for each of the n threads
-- (second argument). A sign-in form is accepted once; past the end of its
-- share a thread wraps around, and those show up as non-2xx responses.

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
  for line in io.lines(args[1]) do
    if k % n == (id or 0) then
      local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", path,
        { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie }, body)
    end
    k = k + 1
  end
end

function request()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
