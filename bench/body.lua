-- wrk script: sends $BENCH_BODY as the body, with method $BENCH_METHOD
-- (default POST) and Content-Type $BENCH_CONTENT_TYPE (default a form);
-- other headers come from wrk -H.
wrk.method = os.getenv("BENCH_METHOD") or "POST"
wrk.body = os.getenv("BENCH_BODY") or ""
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/x-www-form-urlencoded"
