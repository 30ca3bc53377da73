import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirError, looseModes, prepareDataDir, tightenTree } from '../../src/infra/data-dir.js'

let dir: string | undefined
afterEach(() => { if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true }); dir = undefined })
const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8)

describe('DATA_DIR modes', () => {
  it('creates DATA_DIR 0700 and narrows an existing 0755 one', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-dd-'))
    const fresh = path.join(dir, 'a', 'b')
    prepareDataDir(fresh)
    expect(mode(fresh)).toBe('700')
    fs.chmodSync(dir, 0o755)
    prepareDataDir(dir)
    expect(mode(dir)).toBe('700')
  })

  it('refuses a DATA_DIR writable by others or its group, naming it', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-dd-'))
    fs.chmodSync(dir, 0o777)
    expect(() => prepareDataDir(dir!)).toThrow(DataDirError)
    expect(() => prepareDataDir(dir!)).toThrow(`DATA_DIR ${dir} is writable by other users (mode 777)`)
    fs.chmodSync(dir, 0o770)
    expect(() => prepareDataDir(dir!)).toThrow(/writable by its group/)
    expect(mode(dir)).toBe('770') // refused, not changed
  })

  it('makes every file 0600 and directory 0700, without following symbolic links', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-dd-'))
    fs.mkdirSync(path.join(dir, 'pglite', 'base'), { recursive: true, mode: 0o755 })
    fs.writeFileSync(path.join(dir, 'pglite', 'base', '1'), 'x', { mode: 0o666 })
    fs.chmodSync(path.join(dir, 'pglite', 'base', '1'), 0o666)
    const outside = path.join(os.tmpdir(), `tw-dd-outside-${process.pid}`)
    fs.writeFileSync(outside, 'x', { mode: 0o644 })
    fs.chmodSync(outside, 0o644)
    fs.symlinkSync(outside, path.join(dir, 'link'))
    try {
      expect(Object.keys(looseModes(dir)).length).toBeGreaterThan(0)
      expect(tightenTree(dir)).toBeGreaterThanOrEqual(3)
      expect(looseModes(dir)).toEqual({})
      expect(mode(outside)).toBe('644')
      expect(tightenTree(dir)).toBe(0)
    } finally {
      fs.rmSync(outside, { force: true })
    }
  })
})
