import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { EMBED_PANELS } from '../auth/embed.js'
import { routePrefix } from '../infra/http.js'
import { frameAncestors, setPageHeaders } from './headers.js'
import { createPages, NOT_BUILT_PAGE, type PageName } from './pages.js'

export const DEFAULT_DIST = fileURLToPath(new URL('../../../ui/dist', import.meta.url))

/**
 * Serves the built UI at {BASE_PATH}/, the login page, the Grafana embeds and the hashed
 * assets (immutable). HTML is never cached. Without ui/dist every page answers a 503 that
 * says how to build it, and the API keeps working; once it is built, pages and assets are
 * served without a restart.
 */
export function createWebPlugin (distDir = DEFAULT_DIST) {
  return fp(async (app: FastifyInstance) => {
    const { config } = app
    const base = routePrefix(config.basePath)
    const pages = createPages(distDir, base)
    const ancestors = frameAncestors(config.auth.embedAllowedOrigins)
    if (ancestors.rejected.length > 0) {
      app.log.warn({ rejected: ancestors.rejected }, 'EMBED_ALLOWED_ORIGINS: ignoring entries that are not origins like https://grafana.example.com')
    }

    function sendPage (reply: FastifyReply, name: PageName, embed: boolean) {
      setPageHeaders(reply, embed ? ancestors.value : undefined)
      const html = pages.get(name)
      if (html === undefined) return reply.code(503).send(NOT_BUILT_PAGE)
      return reply.send(html)
    }

    app.get(base === '' ? '/' : base, { config: { auth: 'page' } }, async (_req, reply) => sendPage(reply, 'index', false))
    app.get(`${base}/login`, { config: { auth: 'public' } }, async (_req, reply) => sendPage(reply, 'login', false))
    app.get<{ Params: { panel: string } }>(`${base}/embed/:panel`, { config: { auth: 'embed' } }, async (req, reply) => {
      if (!(EMBED_PANELS as readonly string[]).includes(req.params.panel)) {
        throw app.httpErrors.notFound(`Unknown panel "${req.params.panel}"; panels: ${EMBED_PANELS.join(', ')}`)
      }
      return sendPage(reply, 'embed', true)
    })

    // Hashed assets are public (the login page needs them) and never change: cache for a year.
    await app.register(async (scope) => {
      scope.addHook('onRoute', (route) => { route.config = { ...(route.config as object), auth: 'public' } })
      scope.addHook('onSend', async (_req, reply) => { reply.header('x-content-type-options', 'nosniff') })
      // Checked per request, so a UI built after the start is served without a restart (the
      // 503 page says "then reload"). Once built, the answer is remembered: no stat per asset.
      scope.addHook('onRequest', async (_req, reply) => {
        if (!pages.built()) return reply.code(503).type('text/plain').header('cache-control', 'no-store').send('The web UI is not built: run npm run build:ui')
      })
      await scope.register(fastifyStatic, {
        root: path.join(distDir, 'assets'),
        prefix: `${base}/assets/`,
        decorateReply: false,
        immutable: true,
        maxAge: '365d',
        index: false,
        dotfiles: 'deny',
        // ui/dist may not exist yet: it is looked up per request.
        suppressWarning: true,
      })
    })
  }, { name: 'web', decorators: { fastify: ['config'] } })
}

export default createWebPlugin()
