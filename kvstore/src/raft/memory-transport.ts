/**
 * In-process transport for tests: every node of a MemoryNetwork gets a transport;
 * messages are delivered on a later turn of the event loop (never synchronously inside
 * send), and links can be cut in one or both directions.
 */
import type { Message } from './messages';
import type { RaftTransport } from './transport';
import type { NodeId } from './types';

export class MemoryNetwork {
  private readonly handlers = new Map<NodeId, (messages: Message[]) => void>();
  private readonly cut = new Set<string>();
  delivered = 0;

  transport(id: NodeId): RaftTransport {
    return {
      send: (to, messages) => {
        if (this.cut.has(`${id}>${to}`)) return;
        setImmediate(() => {
          const h = this.handlers.get(to);
          if (h === undefined || this.cut.has(`${id}>${to}`)) return;
          this.delivered += messages.length;
          h(messages);
        });
      },
      onReceive: (handler) => {
        this.handlers.set(id, handler);
      },
      close: () => {
        this.handlers.delete(id);
        return Promise.resolve();
      },
    };
  }

  cutLink(a: NodeId, b: NodeId, oneWay = false): void {
    this.cut.add(`${a}>${b}`);
    if (!oneWay) this.cut.add(`${b}>${a}`);
  }

  isolate(id: NodeId, all: NodeId[]): void {
    for (const o of all) if (o !== id) this.cutLink(id, o);
  }

  heal(): void {
    this.cut.clear();
  }
}
