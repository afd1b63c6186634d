/**
 * Stage 1's request handling: validate a request, apply it to the state machine,
 * reply. Everything runs on one thread in arrival order, which is what makes
 * every operation linearizable: each takes effect at the moment it is applied,
 * between its arrival and its reply.
 */
import { isMutation } from '../kv/command';
import { type Reply, errorReply, okReply } from '../wire/envelope';
import { parseKvRequest } from '../wire/kv-messages';
import { type KvMutation, type KvQuery, type KvReader, KvStateMachine } from '../state/kv-state-machine';
import { answerScan } from './scan-reply';

export interface FaultOptions {
  /**
   * Fraction of GETs answered from a copy of the map that lags behind: a
   * deliberately wrong store, to show that the fuzz tester's checker catches
   * stale reads. Zero in normal operation.
   */
  staleReadRate: number;
}

const STALE_COPY_EVERY = 64;

export class KvService {
  readonly state = new KvStateMachine();
  private staleView: KvReader | undefined;
  private mutationsSinceCopy = 0;

  constructor(private readonly faults: FaultOptions = { staleReadRate: 0 }) {}

  handle(body: unknown): Reply {
    const req = parseKvRequest(body);
    if (typeof req === 'string') return errorReply('bad_request', req);
    if (isMutation(req.cmd)) {
      const outcome = this.state.apply(req.cmd as KvMutation, req.session);
      if (outcome.kind === 'stale') return errorReply('bad_request', `sequence ${req.session?.seq} was already acknowledged`);
      this.noteMutation();
      return okReply(outcome.result);
    }
    const query = req.cmd as KvQuery;
    if (query.op === 'scan') return answerScan(this.state, query, req.page);
    if (this.staleView && Math.random() < this.faults.staleReadRate) {
      return okReply({ op: 'get', value: this.staleView.get(query.key) });
    }
    return okReply(this.state.query(query));
  }

  private noteMutation(): void {
    if (this.faults.staleReadRate <= 0) return;
    if (this.staleView === undefined || ++this.mutationsSinceCopy >= STALE_COPY_EVERY) {
      this.staleView = this.state.frozen();
      this.mutationsSinceCopy = 0;
    }
  }
}
