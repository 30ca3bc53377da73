import type { ReactiveController, ReactiveControllerHost } from 'lit'

interface Subscribable { subscribe: (fn: () => void) => () => void }

/** Re-renders its host whenever a store changes, while the host is connected. */
export class StoreController implements ReactiveController {
  private off: (() => void) | undefined

  constructor (private readonly host: ReactiveControllerHost, private readonly store: () => Subscribable) {
    host.addController(this)
  }

  hostConnected (): void {
    this.off = this.store().subscribe(() => { this.host.requestUpdate() })
  }

  hostDisconnected (): void {
    this.off?.()
    this.off = undefined
  }
}
