/**
 * What follows from the Loki version the double reports on /loki/api/v1/status/buildinfo.
 */

/** "2.9.10" → [2, 9, 10]; "v3.0.0-rc1" → [3, 0, 0]; "", "main-abc123" → undefined. */
export function parseLokiVersion (version: string | null | undefined): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version ?? '')
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]
}

/**
 * Loki's parser refuses a query of `maxInputSize` bytes or more, before any other check:
 * 400 "parse error : input size too long (N > M)". Measured on 2.8.0: 5,120 bytes refused,
 * 5,119 pass; pkg/logql/syntax/parser.go has 5120 up to 2.9.x and 131072 from 3.0
 * (grafana/loki#11701). A version that says nothing (a source build answers "", a main
 * build "main-abc123", an old Loki no buildinfo) acts like 2.x: the smaller limit.
 */
export function maxQuerySizeFor (version: string | null | undefined): number {
  const v = parseLokiVersion(version)
  return v !== undefined && v[0] >= 3 ? 131_072 : 5_120
}

/**
 * The Go release a Loki image is built with, which decides what its regexp accepts
 * (Go 1.22 started accepting `(?<name>…)`). From cmd/loki/Dockerfile at each tag:
 * golang:1.20.7 for 2.9.0–2.9.1, 1.21.x for 2.9.2–2.9.9 and for 3.0.0, 1.22.5 for 2.9.10
 * (the compose file's image) and 3.0.1, ≥ 1.22 after. Unknown versions count as old.
 */
export function goVersionFor (version: string | null | undefined): string {
  const v = parseLokiVersion(version)
  if (v === undefined) return 'go1.20.7'
  const [major, minor, patch] = v
  if (major === 2 && minor === 9 && patch >= 10) return 'go1.22.5'
  if (major === 3 && minor === 0 && patch === 0) return 'go1.21.9'
  if (major >= 3) return 'go1.22.5'
  if (major === 2 && minor === 9 && patch >= 2) return 'go1.21.9'
  return 'go1.20.7'
}
