// Container health check (Dockerfile HEALTHCHECK): TovWatch answers its health route.
// A dependency that is down does not make the container unhealthy (the route still
// answers 200 and says which one is down): restarting TovWatch would not fix Loki.
const port = process.env.PORT ?? '3000'
const base = (process.env.BASE_PATH ?? '/logs').replace(/\/+$/, '')
const url = `http://127.0.0.1:${port}${base}/api/health`
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) })
  if (!res.ok) {
    console.error(`${url} answered ${res.status}`)
    process.exit(1)
  }
} catch (err) {
  console.error(`${url}: ${err.message}`)
  process.exit(1)
}
