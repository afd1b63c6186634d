/**
 * For in-process tests that must listen on a port chosen in advance (a server
 * restarted on its old port, a manager started after its clients): such a port
 * can be held for a moment by someone else's outgoing connection (loopback
 * ports come from the same range, and a connect to a port nobody listens on
 * can even connect to itself), so EADDRINUSE is retried briefly.
 */
import type { LogFn } from '../common/log';
import { type RequestHandler, RpcServer } from '../wire/rpc-server';

export async function listenOnPort(handler: RequestHandler, host: string, port: number, log: LogFn = () => undefined, attempts = 40): Promise<RpcServer> {
  for (let attempt = 1; ; attempt++) {
    const rpc = new RpcServer(handler, { log });
    try {
      await rpc.listen({ host, port });
      return rpc;
    } catch (err) {
      if (attempt >= attempts || !/EADDRINUSE/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
