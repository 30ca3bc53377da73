import type { ReactiveController, ReactiveControllerHost } from 'lit'

/** Fetches on connect and every `everyMs`, while the view is on screen; keeps the last good data. */
export class PollController<T> implements ReactiveController {
  data: T | undefined
  error: Error | undefined
  loading = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private abort: AbortController | undefined

  constructor (
    private readonly host: ReactiveControllerHost,
    private readonly fetcher: (signal: AbortSignal) => Promise<T>,
    private readonly everyMs: number
  ) {
    host.addController(this)
  }

  hostConnected (): void { this.run() }

  hostDisconnected (): void {
    clearTimeout(this.timer)
    this.abort?.abort()
  }

  async run (): Promise<void> {
    clearTimeout(this.timer)
    this.abort?.abort()
    const ac = new AbortController()
    this.abort = ac
    this.loading = true
    this.host.requestUpdate()
    try {
      this.data = await this.fetcher(ac.signal)
      this.error = undefined
    } catch (err) {
      if (ac.signal.aborted) return
      this.error = err as Error
    }
    this.loading = false
    this.host.requestUpdate()
    this.timer = setTimeout(() => { this.run() }, this.everyMs)
  }
}
