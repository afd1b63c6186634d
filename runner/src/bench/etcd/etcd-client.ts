/**
 * A minimal etcd v3 client over gRPC (@grpc/grpc-js with our own etcd-kv.proto): Put,
 * linearizable Get, and Status, enough to drive etcd in benchmarks the way our own store
 * is driven. Several channels (HTTP/2 connections) spread concurrent calls.
 */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { repoRoot } from '../../../../kvstore/src/common/repo-paths';

const PROTO = path.join(repoRoot(), 'runner', 'src', 'bench', 'etcd', 'etcd-kv.proto');

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;

interface StatusResponse {
  header: { member_id: string };
  leader: string;
  raftIndex: string;
  raftTerm: string;
}

interface RangeResponse {
  kvs: Array<{ key: Buffer; value: Buffer }>;
}

interface KvStub extends grpc.Client {
  Put(req: { key: Buffer; value: Buffer }, cb: Callback<unknown>): void;
  Range(req: { key: Buffer; serializable: boolean }, cb: Callback<RangeResponse>): void;
}

interface MaintenanceStub extends grpc.Client {
  Status(req: Record<string, never>, cb: Callback<StatusResponse>): void;
}

interface Loaded {
  kv: new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => KvStub;
  maintenance: new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => MaintenanceStub;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (loaded === undefined) {
    const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { etcdserverpb: { KV: Loaded['kv']; Maintenance: Loaded['maintenance'] } };
    loaded = { kv: pkg.etcdserverpb.KV, maintenance: pkg.etcdserverpb.Maintenance };
  }
  return loaded;
}

function call<T>(f: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v as T))));
}

export class EtcdClient {
  private next = 0;

  private constructor(
    readonly address: string,
    private readonly kvs: KvStub[],
    private readonly maintenance: MaintenanceStub,
  ) {}

  /** Connects to one member (`host:port`) with `channels` HTTP/2 connections. */
  static connect(address: string, channels = 1): EtcdClient {
    const l = load();
    const creds = grpc.credentials.createInsecure();
    // A distinct option per channel keeps grpc-js from sharing one connection among them.
    const kvs = Array.from({ length: channels }, (_, i) => new l.kv(address, creds, { 'grpc.channel_id': i } as grpc.ChannelOptions));
    return new EtcdClient(address, kvs, new l.maintenance(address, creds));
  }

  put(key: string, value: Buffer): Promise<void> {
    const kv = this.kvs[this.next++ % this.kvs.length]!;
    return call<unknown>((cb) => kv.Put({ key: Buffer.from(key), value }, cb)).then(() => undefined);
  }

  async get(key: string): Promise<Buffer | null> {
    const kv = this.kvs[this.next++ % this.kvs.length]!;
    const r = await call<RangeResponse>((cb) => kv.Range({ key: Buffer.from(key), serializable: false }, cb));
    return r.kvs[0]?.value ?? null;
  }

  /** This member's id and the leader it knows (decimal strings). */
  async status(): Promise<{ member: string; leader: string }> {
    const r = await call<StatusResponse>((cb) => this.maintenance.Status({}, cb));
    return { member: r.header.member_id, leader: r.leader };
  }

  close(): void {
    for (const k of this.kvs) k.close();
    this.maintenance.close();
  }
}
