import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { findPgBin, havePgBin } from './helpers/pgbin.js'

let root: string | undefined
afterEach(() => { if (root !== undefined) fs.rmSync(root, { recursive: true, force: true }); root = undefined; vi.restoreAllMocks() })

function fakeRoot (versions: Record<string, boolean>): string {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-pgbin-'))
  for (const [v, withInitdb] of Object.entries(versions)) {
    fs.mkdirSync(path.join(root, v, 'bin'), { recursive: true })
    if (withInitdb) fs.writeFileSync(path.join(root, v, 'bin', 'initdb'), '')
  }
  return root
}

describe('the PostgreSQL server binaries for private clusters', () => {
  it('takes the newest installed version that has initdb, not a hard-coded one', () => {
    const r = fakeRoot({ 9.6: true, 14: true, 16: true, 17: false, 'not-a-version': true })
    expect(findPgBin({}, r)).toBe(path.join(r, '16', 'bin'))
    expect(havePgBin({ CI: 'true' }, r)).toBe(true)
  })

  it('honours PG_BIN, and only when initdb is there', () => {
    const r = fakeRoot({ 14: true, 16: false })
    expect(findPgBin({ PG_BIN: path.join(r, '14', 'bin') }, r)).toBe(path.join(r, '14', 'bin'))
    expect(findPgBin({ PG_BIN: path.join(r, '16', 'bin') }, r)).toBeUndefined()
  })

  it('fails under CI=true when none is installed, and skips with a message otherwise', () => {
    const r = fakeRoot({ 15: false })
    expect(() => havePgBin({ CI: 'true' }, r)).toThrow(/missing component: the PostgreSQL server binaries.*CI=true requires them/)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(havePgBin({}, path.join(r, 'absent'))).toBe(false)
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('skipping: missing component'))
  })

  it.skipIf(!havePgBin())('finds the server installed here (the private-cluster tests depend on it)', () => {
    expect(findPgBin()).toMatch(/\/bin$/)
  })
})
