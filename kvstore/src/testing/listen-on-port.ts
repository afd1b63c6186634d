/**
 * For in-process tests that must listen on a port chosen in advance (a server
 * restarted on its old port, a manager started after its clients): such a port
 * can be held for a moment by someone else's outgoing connection (loopback
 * ports come from the same range, and a connect to a port nobody listens on
 * can even connect to itself), so EADDRINUSE is retried briefly.
 */
import type { LogFn } from '../common/log';
import { type RequestHandler, RpcServer } from '../wire/rpc-server';

export async function listenOnPort(handler: RequestHandler, host: string, port: number, log: LogFn = () => undefined): Promise<RpcServer> {
  const rpc = new RpcServer(handler, { log });
  await rpc.listen({ host, port }, 1000);
  return rpc;
}
