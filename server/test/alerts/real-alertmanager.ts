import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import axios from 'axios'
import { waitFor, WEBHOOK_TOKEN } from './fixtures.js'
import { freePort } from './private-services.js'

const bin = fs.existsSync('/usr/bin/prometheus-alertmanager') ? 'prometheus-alertmanager' : 'alertmanager'

const INHIBIT = `inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: ['cluster']
`

/**
 * The real Alertmanager on a free port, routing everything to TovWatch's webhook with a bearer token
 * from a file, and (unless `inhibit: false`) an inhibition rule: a firing `severity=critical` alert
 * mutes `severity=warning` alerts of the same `cluster`. `logLevel: 'debug'` logs each notification's outcome.
 */
export async function startRealAlertmanager (webhookUrl: string, o: { groupWait?: string, inhibit?: boolean, logLevel?: 'info' | 'debug' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-am-'))
  const tokenFile = path.join(dir, 'token')
  fs.writeFileSync(tokenFile, WEBHOOK_TOKEN, { mode: 0o600 })
  fs.writeFileSync(path.join(dir, 'alertmanager.yml'), `
route:
  receiver: tovwatch
  group_by: ['alertname']
  group_wait: ${o.groupWait ?? '0s'}
  group_interval: 1s
  repeat_interval: 1h
${o.inhibit === false ? '' : INHIBIT}receivers:
  - name: tovwatch
    webhook_configs:
      - url: ${webhookUrl}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: ${tokenFile}
`)
  const port = await freePort()
  const log: string[] = []
  const proc: ChildProcess = spawn(bin, [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', `--log.level=${o.logLevel ?? 'info'}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stdout?.on('data', (d: Buffer) => log.push(d.toString()))
  proc.stderr?.on('data', (d: Buffer) => log.push(d.toString()))
  const url = `http://127.0.0.1:${port}`
  await waitFor(async () => (await axios.get(`${url}/-/ready`, { validateStatus: () => true }).catch(() => ({ status: 0 }))).status === 200, 20_000, 'Alertmanager to be ready')
  return {
    url,
    log,
    post: (alerts: unknown[]) => axios.post(`${url}/api/v2/alerts`, alerts),
    silences: async () => (await axios.get<Array<{ id: string, status: { state: string }, createdBy: string, comment: string }>>(`${url}/api/v2/silences`)).data,
    alerts: async () => (await axios.get<Array<{ fingerprint: string, labels: Record<string, string>, status: { state: string, silencedBy: string[], inhibitedBy: string[] } }>>(`${url}/api/v2/alerts`)).data,
    async stop () {
      const exited = new Promise((resolve) => proc.once('exit', resolve))
      proc.kill('SIGTERM')
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
      proc.kill('SIGKILL')
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
