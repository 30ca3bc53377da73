// Syntax and wiring checks for deploy/validate.sh: every dashboard is JSON with a uid and
// title, every YAML config parses, and every datasource a dashboard names is provisioned.
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const problems = []

function walk (dir, ext) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? walk(p, ext) : p.endsWith(ext) ? [p] : []
  })
}

const rel = (p) => path.relative(root, p)
const yamlFiles = [
  ...walk(path.join(root, 'deploy'), '.yml'),
  ...walk(path.join(root, 'dashboards'), '.yml'),
  path.join(root, 'docker-compose.monitoring.yml'),
]
const docs = new Map()
for (const f of yamlFiles) {
  try {
    docs.set(rel(f), parse(fs.readFileSync(f, 'utf8')))
  } catch (err) {
    problems.push(`${rel(f)}: YAML does not parse: ${err.message}`)
  }
}

const provisioned = new Set()
for (const [name, doc] of docs) {
  if (!name.startsWith('dashboards/provisioning/datasources/')) continue
  for (const ds of doc?.datasources ?? []) {
    if (typeof ds.uid !== 'string' || ds.uid === '') problems.push(`${name}: datasource "${ds.name}" has no fixed uid`)
    else provisioned.add(ds.uid)
  }
}

// Every { uid } under a "datasource" key, at any depth (panels, targets, templating).
function datasourceUids (node, out = []) {
  if (Array.isArray(node)) for (const n of node) datasourceUids(n, out)
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'datasource') {
        if (typeof v === 'string') out.push(`(by name: ${v})`)
        else if (v !== null && typeof v === 'object' && typeof v.uid === 'string') out.push(v.uid)
      } else datasourceUids(v, out)
    }
  }
  return out
}

const dashboards = walk(path.join(root, 'dashboards'), '.json')
if (dashboards.length === 0) problems.push('dashboards/: no dashboard JSON found')
const uids = new Map()
for (const f of dashboards) {
  let d
  try {
    d = JSON.parse(fs.readFileSync(f, 'utf8'))
  } catch (err) {
    problems.push(`${rel(f)}: not valid JSON: ${err.message}`)
    continue
  }
  if (typeof d.uid !== 'string' || d.uid === '') problems.push(`${rel(f)}: dashboard has no uid`)
  else if (uids.has(d.uid)) problems.push(`${rel(f)}: uid "${d.uid}" is also used by ${uids.get(d.uid)}`)
  else uids.set(d.uid, rel(f))
  if (typeof d.title !== 'string' || d.title === '') problems.push(`${rel(f)}: dashboard has no title`)
  for (const uid of new Set(datasourceUids(d))) {
    if (!provisioned.has(uid) && uid !== '-- Grafana --') problems.push(`${rel(f)}: datasource ${uid} is not a provisioned uid (${[...provisioned].join(', ')})`)
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p)
  process.exit(1)
}
console.log(`${dashboards.length} dashboard(s), ${yamlFiles.length} YAML file(s), datasource uids: ${[...provisioned].join(', ')}`)
