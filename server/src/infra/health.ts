/**
 * Each dependency registers a check; GET {BASE_PATH}/api/health runs them all in
 * parallel, each with a timeout, so one hung dependency cannot hang the answer.
 */
export interface DependencyHealth {
  /** up: working; degraded: working through a fallback or partly; down: not working; disabled: not configured. */
  status: 'up' | 'degraded' | 'down' | 'disabled'
  /** What is behind the name right now, e.g. "loki", "files", "redis", "in-process", "postgres", "embedded". */
  kind: string
  latencyMs: number | null
  message: string
}

export type HealthCheck = () => Promise<DependencyHealth>

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down'
  checkedAt: string
  dependencies: Record<string, DependencyHealth & { checkedAt: string }>
}

export function createHealthRegistry (timeoutMs = 2000) {
  const checks = new Map<string, HealthCheck>()
  return {
    register (name: string, check: HealthCheck) { checks.set(name, check) },
    names: () => [...checks.keys()],
    async run (): Promise<HealthReport> {
      const entries = await Promise.all([...checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined
        let result: DependencyHealth
        try {
          result = await Promise.race([
            check(),
            new Promise<DependencyHealth>((resolve) => {
              timer = setTimeout(() => resolve({ status: 'down', kind: 'unknown', latencyMs: null, message: `no answer within ${timeoutMs} ms` }), timeoutMs)
            }),
          ])
        } catch (err) {
          result = { status: 'down', kind: 'unknown', latencyMs: null, message: (err as Error).message }
        } finally {
          clearTimeout(timer)
        }
        return [name, { ...result, checkedAt: new Date().toISOString() }] as const
      }))
      const statuses = entries.map(([, h]) => h.status)
      return {
        status: statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'ok',
        checkedAt: new Date().toISOString(),
        dependencies: Object.fromEntries(entries),
      }
    },
  }
}

export type HealthRegistry = ReturnType<typeof createHealthRegistry>
