#!/usr/bin/env node
/**
 * The link proxy daemon of a local cluster (node `proxy` of its layout):
 * `link-proxy-main --control <host:port> --links <file> [--stage p3]`.
 * Listens on every link of the file (a JSON list of {from, to, listen: "host:port",
 * target: "host:port"}), then on the control address (proxy-control.ts), and prints
 * `madkv proxy listening on <control address>`. Every change it makes is one line on stderr.
 * Exits 0 on SIGTERM/SIGINT.
 */
import * as fs from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { makeLogger } from '../../../kvstore/src/common/log';
import { registerProcess } from '../../../kvstore/src/common/pid-registry';
import { exitOnSignals, fail } from '../../../kvstore/src/common/process-exit';
import { type Address, formatAddress, parseAddress } from '../../../kvstore/src/wire/address';
import { isRecord } from '../../../kvstore/src/wire/envelope';
import { RpcServer } from '../../../kvstore/src/wire/rpc-server';
import { LinkProxy, type LinkSpec, linkName } from './link-proxy';
import { MAX_CONTROL_FRAME_BYTES, handleProxyRequest } from './proxy-control';

/** The links file's contents, or an error naming the entry that is wrong. */
export function parseLinksFile(text: string, file: string): LinkSpec[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(v)) throw new Error(`${file}: expected a list of links`);
  return v.map((l, i) => {
    if (!isRecord(l) || typeof l.from !== 'string' || typeof l.to !== 'string' || typeof l.listen !== 'string' || typeof l.target !== 'string') {
      throw new Error(`${file}: link ${i} must be {from, to, listen: "host:port", target: "host:port"}`);
    }
    let listen: Address;
    let target: Address;
    try {
      listen = parseAddress(l.listen);
      target = parseAddress(l.target);
    } catch (err) {
      throw new Error(`${file}: link ${i}: ${(err as Error).message}`);
    }
    return { from: l.from, to: l.to, listen, target };
  });
}

async function main(): Promise<void> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('link-proxy')
    .usage('$0 --control <host:port> --links <file>\n\nForwards every peer link of a local cluster through a port of its own, so each can be cut or delayed.')
    .option('control', { type: 'string', demandOption: true, describe: 'address of the control port' })
    .option('links', { type: 'string', demandOption: true, describe: 'JSON file listing the links' })
    .option('stage', { type: 'string', default: 'p3', describe: 'stage whose pid registry this process joins (for `just pN::kill`)' })
    .strict()
    .help()
    .parseAsync();

  const log = makeLogger(`proxy[${process.pid}]`);
  let specs: LinkSpec[];
  let control: Address;
  try {
    specs = parseLinksFile(fs.readFileSync(args.links, 'utf8'), args.links);
    control = parseAddress(args.control);
  } catch (err) {
    fail((err as Error).message);
  }
  let proxy: LinkProxy;
  try {
    proxy = await LinkProxy.open(specs, log);
  } catch (err) {
    fail((err as Error).message);
  }
  const rpc = new RpcServer(
    (body) => {
      const reply = handleProxyRequest(proxy, body, (what, changed) => log(`${what}: ${changed.map(linkName).join(', ')}`));
      if (!reply.ok) log(`refused a control request: ${reply.error.message}`);
      return reply;
    },
    { log, maxFrameBytes: MAX_CONTROL_FRAME_BYTES },
  );
  let bound: Address;
  try {
    bound = await rpc.listen(control);
  } catch (err) {
    await proxy.close();
    fail((err as Error).message);
  }
  registerProcess(args.stage, 'proxy');
  exitOnSignals(async () => {
    await rpc.close();
    await proxy.close();
  });
  log(`${specs.length} links`);
  process.stdout.write(`madkv proxy listening on ${formatAddress(bound)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => fail((err as Error).stack ?? String(err)));
}
