import { describe, expect, it } from 'vitest'
import { connectionColumns, errorRateColumns, sparklinePoints } from '../src/charts/columns.js'

describe('chart columns', () => {
  it('stacks severities (critical at the bottom) and keeps the raw values for the legend', () => {
    const c = errorRateColumns({ stepSeconds: 60, timestamps: [60_000, 120_000], critical: [1, 0], high: [2, 1], medium: [0, 4], low: [3, 0] })
    expect(c.keys).toEqual(['low', 'medium', 'high', 'critical'])
    expect(c.data[0]).toEqual([60, 120])
    expect(c.data[1]).toEqual([6, 5]) // everything
    expect(c.data[2]).toEqual([3, 5]) // critical + high + medium
    expect(c.data[3]).toEqual([3, 1]) // critical + high
    expect(c.data[4]).toEqual([1, 0]) // critical
    expect(c.raw[0]).toEqual([3, 0])
    expect(errorRateColumns({ stepSeconds: 60, timestamps: [0], critical: [1], high: [1], medium: [1], low: [1] }, ['critical', 'high']).keys).toEqual(['high', 'critical'])
  })

  it('treats a short series as zeros rather than NaN', () => {
    const c = errorRateColumns({ stepSeconds: 60, timestamps: [0, 1000], critical: [1], high: [], medium: [], low: [] })
    expect(c.data[1]).toEqual([1, 0])
  })

  it('stacks connection states and adds max_connections unstacked', () => {
    const c = connectionColumns({ timestamps: [0], active: [2], idle: [5], idle_in_transaction: [1], other: [0], total: [8], maxConnections: [100] })
    expect(c.keys).toEqual(['other', 'idle', 'idle_in_transaction', 'active', 'max'])
    expect(c.data.map((d) => d[0])).toEqual([0, 8, 8, 3, 2, 100])
  })

  it('draws sparklines inside the box, flat at the bottom for all zeros', () => {
    expect(sparklinePoints([0, 5, 10], 100, 20, 0)).toBe('0.0,20.0 50.0,10.0 100.0,0.0')
    expect(sparklinePoints([0, 0], 100, 20, 1)).toBe('1.0,19.0 99.0,19.0')
    expect(sparklinePoints([], 100, 20)).toBe('')
    expect(sparklinePoints([3], 100, 20, 0)).toBe('0.0,0.0')
  })
})
