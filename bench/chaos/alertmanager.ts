import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../../server/test/alerts/private-services.js'
import { until } from './clients.js'
import { WEBHOOK_TOKEN } from './tovwatch.js'

const bin = fs.existsSync('/usr/bin/prometheus-alertmanager') ? 'prometheus-alertmanager' : 'alertmanager'

/** The real Alertmanager on a free port, routing everything to `webhookUrl` with the bearer token. */
export async function startAlertmanager (webhookUrl: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-chaos-am-'))
  fs.writeFileSync(path.join(dir, 'token'), WEBHOOK_TOKEN, { mode: 0o600 })
  fs.writeFileSync(path.join(dir, 'am.yml'), `
route: { receiver: tovwatch, group_by: ['alertname'], group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
receivers:
  - name: tovwatch
    webhook_configs:
      - url: ${webhookUrl}
        send_resolved: true
        http_config: { authorization: { type: Bearer, credentials_file: ${path.join(dir, 'token')} } }
`)
  const port = await freePort()
  let log = ''
  const proc = spawn(bin, [`--config.file=${path.join(dir, 'am.yml')}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=debug'], { stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stdout.on('data', (d: Buffer) => { log += d.toString() })
  proc.stderr.on('data', (d: Buffer) => { log += d.toString() })
  let ready = false
  await until(() => ready, 20_000)
  const poll = setInterval(() => { fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => { ready = r.ok }).catch(() => {}) }, 100)
  await until(() => ready, 20_000)
  clearInterval(poll)
  return {
    log: () => log,
    post: (alerts: unknown[]) => fetch(`http://127.0.0.1:${port}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) }),
    async stop () {
      proc.kill('SIGKILL')
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
