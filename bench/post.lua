-- wrk script: POSTs the form body in $BENCH_BODY (headers come from wrk -H).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
