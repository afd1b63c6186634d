/**
 * The key-value state machine as a replication group sees it: log commands are
 * a mutation plus its session tag, encoded with msgpack.
 */
import { Packr } from 'msgpackr';
import type { CommandCodec, StateMachine } from '../replication/state-machine';
import { parseKvCommand, type SessionTag } from '../wire/kv-messages';
import { isRecord } from '../wire/envelope';
import { type ApplyOutcome, type KvMutation, KvStateMachine } from './kv-state-machine';

export interface KvLogCommand {
  cmd: KvMutation;
  session?: SessionTag;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export const kvLogCodec: CommandCodec<KvLogCommand> = {
  encode(command) {
    return packr.pack(command.session ? [command.cmd, command.session] : [command.cmd]);
  },
  decode(bytes) {
    const v: unknown = packr.unpack(bytes);
    if (!Array.isArray(v) || v.length < 1 || v.length > 2) throw new Error('log record is not a key-value command');
    const cmd = parseKvCommand(v[0]);
    if (typeof cmd === 'string' || cmd.op === 'get' || cmd.op === 'scan') throw new Error(`log record holds no mutation: ${typeof cmd === 'string' ? cmd : cmd.op}`);
    const s: unknown = v[1];
    if (s === undefined) return { cmd };
    if (!isRecord(s) || typeof s.client !== 'string' || typeof s.seq !== 'number' || typeof s.ack !== 'number') throw new Error('log record has a bad session tag');
    return { cmd, session: { client: s.client, seq: s.seq, ack: s.ack } };
  },
};

export class KvLogStateMachine implements StateMachine<KvLogCommand, ApplyOutcome> {
  constructor(readonly kv: KvStateMachine = new KvStateMachine()) {}

  apply(command: KvLogCommand): ApplyOutcome {
    return this.kv.apply(command.cmd, command.session);
  }

  snapshot(): Uint8Array {
    return this.kv.snapshot();
  }

  restore(data: Buffer): void {
    this.kv.restore(data);
  }
}
