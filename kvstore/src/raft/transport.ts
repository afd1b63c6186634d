/**
 * How a node's messages reach its peers: best effort, no ordering promise, may drop (Raft
 * retransmits). tcp-transport.ts carries them over the wire/ RPC connections;
 * memory-transport.ts delivers them in-process for tests.
 */
import type { Message } from './messages';
import type { NodeId } from './types';

export interface RaftTransport {
  /** Sends messages to one peer (all addressed to it), as one batch if the transport can. */
  send(to: NodeId, messages: Message[]): void;
  /** Where received messages go; set once by the node before anything is sent. */
  onReceive(handler: (messages: Message[]) => void): void;
  close(): Promise<void>;
}
