import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { AppContext } from '../context.js'
import { mergeTail, type LiveTail } from '../live-merge.js'
import type { ErrorsResponse, GroupLifecycle, GroupLifecycleAnswer } from '../types.js'
import type { UiState } from '../url-state.js'

/** A page that follows live for longer than this reloads once (its window slides, its tail stays small). */
export const LIVE_REBASE_MS = 10 * 60_000

/**
 * tw-errors' live updates: after each answer, a subscription on the stream from the answer's end;
 * each tail merged into that answer (counts, new groups, the chart's last steps) and handed to the
 * page, which re-renders only what changed. A page whose range ends in the past is not followed.
 */
export class ErrorsLiveController implements ReactiveController {
  private unsubscribe: (() => void) | undefined
  private base: ErrorsResponse | undefined
  /** Resolves and mutes made on this page since the followed answer (applyLifecycle). */
  private readonly local = new Map<string, GroupLifecycle>()
  followingSince = 0

  constructor (host: ReactiveControllerHost, private readonly on: { tail: (merged: ErrorsResponse, tail: LiveTail) => void, reload: () => void }) {
    host.addController(this)
  }

  get active (): boolean { return this.unsubscribe !== undefined }

  /** Follows `data` (the answer just shown for `ui`), when the range is open-ended and the page has a stream. */
  follow (ctx: AppContext, ui: UiState, data: ErrorsResponse, limit?: number): void {
    this.stop()
    const open = ui.range !== 'custom' || ui.end === '' || ui.end === 'now'
    if (ctx.live === undefined || !open) return
    this.base = data
    this.followingSince = Date.now()
    const query = { since: data.range.end, minSeverity: ui.minSeverity, ...(ui.q !== '' ? { q: ui.q } : {}), ...(limit !== undefined ? { limit: String(limit) } : {}), ...(ui.showMuted ? { muted: 'include' as const } : {}) }
    this.unsubscribe = ctx.live.subscribe(query, (f) => {
      if (f.type === 'errors.live') {
        if (this.base !== undefined) this.on.tail(mergeTail(this.base, this.withLocal(f)), f)
        return
      }
      this.unsubscribe = undefined
      // The tail grew too old or too big: a fresh answer, followed from its end.
      if (f.reason === 'rebase') this.on.reload()
    })
  }

  /**
   * A resolve or mute made on this page: the followed answer takes the group's new lifecycle at once,
   * so a tail that arrives before the reload does not bring a muted group back (mergeTail leaves it out).
   */
  applyLifecycle (answer: GroupLifecycleAnswer): void {
    if (this.base === undefined) return
    // Until the reload, this page's action wins over a tail's lifecycle, which may have been read before it.
    this.local.set(answer.fingerprint, answer.lifecycle)
    this.base = { ...this.base, groups: this.base.groups.map((g) => g.fingerprint === answer.fingerprint ? { ...g, lifecycle: { ...answer.lifecycle, new: g.lifecycle?.new ?? answer.lifecycle.new } } : g) }
  }

  private withLocal (tail: LiveTail): LiveTail {
    if (this.local.size === 0) return tail
    return { ...tail, groups: tail.groups.map((g) => { const l = this.local.get(g.fingerprint); return l === undefined ? g : { ...g, lifecycle: { ...l, new: g.lifecycle?.new ?? l.new } } }) }
  }

  stop (): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.base = undefined
    this.local.clear()
  }

  hostConnected (): void {}
  hostDisconnected (): void { this.stop() }
}
