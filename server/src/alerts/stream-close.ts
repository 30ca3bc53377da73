import type { FastifyInstance } from 'fastify'

/**
 * @fastify/websocket's preClose, replaced: its default closes every socket with no code (1005)
 * before the alerts plugin's own preClose runs. Here the alert hub first sends the events it has
 * received and closes its clients with 1001; any other socket left then gets 1001 too.
 */
export async function closeStreamsLast (this: FastifyInstance): Promise<void> {
  if (this.hasDecorator('alerts')) await this.alerts.hub.stop()
  for (const client of this.websocketServer.clients) client.close(1001, 'server shutting down')
  await new Promise<void>((resolve) => { this.websocketServer.close(() => resolve()) })
}
