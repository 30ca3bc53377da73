/** Realistic multi-line errors as TovPlay's services print them. */

export const FLASK_KEYERROR = [
  '[2026-11-22 02:05:10,123] ERROR in app: Exception on /api/sessions/42/join [POST]',
  'Traceback (most recent call last):',
  '  File "/usr/local/lib/python3.12/site-packages/flask/app.py", line 1473, in wsgi_app',
  '    response = self.full_dispatch_request()',
  '  File "/app/tovplay/api/sessions.py", line 88, in join_session',
  '    slot = payload["slot"]',
  "KeyError: 'slot'",
]

export const PY_CHAINED = [
  'ERROR:tovplay.scheduler:reminder failed',
  'Traceback (most recent call last):',
  '  File "/app/tovplay/db.py", line 12, in fetch',
  '    cur.execute(sql)',
  'psycopg2.OperationalError: server closed the connection unexpectedly',
  '',
  'During handling of the above exception, another exception occurred:',
  '',
  'Traceback (most recent call last):',
  '  File "/app/tovplay/scheduler.py", line 40, in remind',
  '    rows = fetch()',
  '  File "/app/tovplay/db.py", line 14, in fetch',
  '    raise DatabaseUnavailable() from err',
  'tovplay.errors.DatabaseUnavailable: database unavailable',
]

export const JS_STACK = [
  'TypeError: Cannot read properties of undefined (reading \'id\')',
  '    at joinLobby (/app/src/lobby.js:41:17)',
  '    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
]

export const JAVA_STACK = [
  '2026-11-22 02:05:10.123 ERROR 1 --- [nio-8080-exec-3] c.t.api.SessionController : Request failed',
  'java.lang.IllegalStateException: slot taken',
  '\tat com.tovplay.api.SessionService.book(SessionService.java:57)',
  '\tat com.tovplay.api.SessionController.post(SessionController.java:31)',
  '\tat java.base/java.lang.Thread.run(Thread.java:1583)',
  'Caused by: org.postgresql.util.PSQLException: ERROR: duplicate key value violates unique constraint "slots_pkey"',
  '\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2725)',
  '\t... 12 more',
]

export const GO_PANIC = [
  'panic: runtime error: index out of range [5] with length 3',
  '',
  'goroutine 42 [running]:',
  'main.pickSlot(0xc000010000, 0x3)',
  '\t/src/matcher/slots.go:27 +0x1d',
  'main.handler({0x7f1c, 0xc0000a2000}, 0xc0000b4000)',
  '\t/src/matcher/http.go:55 +0x8b',
  'net/http.HandlerFunc.ServeHTTP(0x0?, {0x7f1c?, 0xc0000a2000?}, 0x0?)',
  '\t/usr/local/go/src/net/http/server.go:2171 +0x29',
  'created by net/http.(*Server).Serve in goroutine 1',
  '\t/usr/local/go/src/net/http/server.go:3285 +0x4b4',
]

export const PINO_ERR = '{"level":50,"time":1795312000000,"pid":7,"reqId":"req-1a","err":{"type":"Error","message":"connect ECONNREFUSED 10.0.0.5:5432","stack":"Error: connect ECONNREFUSED 10.0.0.5:5432\\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)\\n    at saveSession (/app/src/sessions.js:77:11)"},"msg":"session save failed"}'
