import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { DEFAULT_DIST } from '../../src/web/plugin.js'

const UI_DIR = path.resolve(DEFAULT_DIST, '..')

function newestMtime (dir: string): number {
  let newest = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)
  }
  return newest
}

/** Builds ui/dist when it is missing or older than ui/src (the e2e tests need the real bundle). */
export function ensureUiBuilt (): void {
  const index = path.join(DEFAULT_DIST, 'index.html')
  const srcTime = Math.max(newestMtime(path.join(UI_DIR, 'src')), ...['index.html', 'login.html', 'embed.html', 'vite.config.ts'].map((f) => fs.statSync(path.join(UI_DIR, f)).mtimeMs))
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= srcTime) return
  execFileSync(process.execPath, [path.resolve(UI_DIR, '../node_modules/vite/bin/vite.js'), 'build', '--config', path.join(UI_DIR, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: path.resolve(UI_DIR, '..') })
}
