import { describe, expect, it } from 'vitest'
import { setSoundEnabled, soundEnabled } from '../src/sound.js'

function memoryStorage () {
  const m = new Map<string, string>()
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => { m.set(k, v) } }
}

describe('alert sound preference', () => {
  it('is off by default and remembers the choice', () => {
    const s = memoryStorage()
    expect(soundEnabled(s)).toBe(false)
    setSoundEnabled(true, s)
    expect(soundEnabled(s)).toBe(true)
    setSoundEnabled(false, s)
    expect(soundEnabled(s)).toBe(false)
  })

  it('stays off when storage is blocked', () => {
    const blocked = { getItem: () => { throw new Error('denied') }, setItem: () => { throw new Error('denied') } }
    expect(soundEnabled(blocked)).toBe(false)
    expect(() => { setSoundEnabled(true, blocked) }).not.toThrow()
  })
})
