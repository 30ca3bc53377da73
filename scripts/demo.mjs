// `npm run demo`: build the UI if it is missing, then run TovWatch with a simulated TovPlay (server/src/demo/).
import { spawnSync, spawn } from 'node:child_process'
import fs from 'node:fs'

if (!fs.existsSync('ui/dist/index.html')) {
  console.error('ui/dist is missing: building the UI once (npm run build:ui)...')
  const r = spawnSync('npm', ['run', 'build:ui'], { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/demo/main.ts'], { stdio: 'inherit' })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
