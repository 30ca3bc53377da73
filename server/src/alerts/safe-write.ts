import { isDataError } from './store-errors.js'
import type { AlertEvent, AlertInput } from './types.js'
import type { Rejected } from './webhook-input.js'

export interface SafeWriteResult { events: AlertEvent[], refused: Rejected[] }

/**
 * Writes a webhook's alerts; should the store refuse the data of one of them (what validation did not
 * foresee), the batch is halved until that alert stands alone, so every other alert is still stored
 * and only the culprit is set aside. A fault of the store itself (connection, pool, lock) is thrown,
 * and the webhook answers 503 for Alertmanager to retry.
 */
export async function safeWrite (
  write: (inputs: AlertInput[]) => Promise<AlertEvent[]>,
  batch: Array<{ index: number, input: AlertInput, raw: unknown }>
): Promise<SafeWriteResult> {
  const out: SafeWriteResult = { events: [], refused: [] }
  async function go (part: typeof batch) {
    if (part.length === 0) return
    try {
      out.events.push(...await write(part.map((x) => x.input)))
    } catch (err) {
      if (!isDataError(err)) throw err
      if (part.length === 1) {
        const x = part[0] as (typeof batch)[number]
        out.refused.push({ index: x.index, reason: 'store_refused', message: `alerts[${x.index}] was refused by the alert store: ${(err as Error).message.slice(0, 300)}`, raw: x.raw })
        return
      }
      const half = Math.ceil(part.length / 2)
      await go(part.slice(0, half))
      await go(part.slice(half))
    }
  }
  await go(batch)
  out.events.sort((a, b) => Number(a.id) - Number(b.id))
  return out
}
