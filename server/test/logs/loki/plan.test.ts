import { describe, expect, it } from 'vitest'
import { planChunks, type Chunk } from '../../../src/logs/loki/chunks.js'
import { FILL, piecesOf, planPieces, SLOTS_PER_CHUNK } from '../../../src/logs/loki/plan.js'

const H = 3_600_000_000_000n
const T = BigInt(Date.UTC(2026, 10, 20)) * 1_000_000n
const chunks = planChunks(T, T + 24n * H, 6n * H, T + 100n * H) // 4 closed chunks, newest first
const even = (total: number) => Array.from({ length: SLOTS_PER_CHUNK }, () => total / SLOTS_PER_CHUNK)
const budget = Math.floor(5000 * FILL)

function covers (pieces: Array<{ startNs: bigint, endNs: bigint }>, all: Chunk[]) {
  // Newest first, adjacent, no gap or overlap, exactly the chunks' span.
  expect(pieces[0]?.endNs).toBe(all[0]?.fetchEndNs)
  expect(pieces[pieces.length - 1]?.startNs).toBe(all[all.length - 1]?.fetchStartNs)
  for (let i = 1; i < pieces.length; i++) expect(pieces[i]?.endNs).toBe(pieces[i - 1]?.startNs)
}

describe('request planning from counts', () => {
  it('without counts, fetches one piece per chunk', () => {
    const pieces = planPieces(chunks, undefined, 5000)
    expect(pieces.map((p) => [p.startNs, p.endNs])).toEqual(chunks.map((c) => [c.fetchStartNs, c.fetchEndNs]))
  })

  it('lets quiet chunks share a request', () => {
    const counts = new Map(chunks.map((c) => [c.fetchStartNs, even(1200)]))
    const pieces = planPieces(chunks, counts, 5000)
    expect(pieces).toHaveLength(2)
    covers(pieces, chunks)
    expect(piecesOf(chunks[0] as Chunk, pieces)).toEqual([0])
  })

  it('cuts a busy chunk where its lines are, each piece within the budget', () => {
    const slots = even(1200)
    for (let i = 4; i < 12; i++) slots[i] = 1500 // a 2-hour incident: 12,000 lines more
    const counts = new Map(chunks.map((c, i) => [c.fetchStartNs, i === 1 ? slots : even(240)]))
    const pieces = planPieces(chunks, counts, 5000)
    covers(pieces, chunks)
    const width = 6n * H / BigInt(SLOTS_PER_CHUNK)
    const linesIn = (p: { startNs: bigint, endNs: bigint }) => chunks.reduce((sum, c) => {
      const cs = counts.get(c.fetchStartNs) as number[]
      return sum + cs.reduce((s, n, i) => {
        const a = c.fetchStartNs + width * BigInt(i)
        return a >= p.startNs && a < p.endNs ? s + n : s
      }, 0)
    }, 0)
    expect(pieces.every((p) => linesIn(p) <= budget)).toBe(true)
    const total = [...counts.values()].flat().reduce((a, b) => a + b, 0)
    expect(pieces.length).toBeLessThanOrEqual(Math.ceil(total / budget) + 2)
    expect(piecesOf(chunks[1] as Chunk, pieces).length).toBeGreaterThan(2)
  })

  it('slices a single slot that is over the limit on its own', () => {
    const slots = even(0)
    slots[23] = 12_000
    const counts = new Map([[chunks[0]?.fetchStartNs as bigint, slots]])
    const pieces = planPieces([chunks[0] as Chunk], counts, 5000)
    covers(pieces, [chunks[0] as Chunk])
    expect(pieces.length).toBe(Math.ceil(12_000 / budget) + 1)
  })

  it('never merges chunks that are not adjacent', () => {
    const gap = [chunks[0] as Chunk, chunks[2] as Chunk]
    const counts = new Map(gap.map((c) => [c.fetchStartNs, even(10)]))
    const pieces = planPieces(gap, counts, 5000)
    expect(pieces).toHaveLength(2)
  })
})
