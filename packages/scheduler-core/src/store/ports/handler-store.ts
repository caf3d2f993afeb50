import type { HandlerRecord } from '@schedulezero/protocol';

/** The handler registry's records: written by the handler link (and a master's local handlers), listed by the API. */
export interface HandlerStore {
  upsertHandler(handler: HandlerRecord, op: 'registered' | 'updated' | 'offline'): Promise<HandlerRecord>;
  listHandlers(): Promise<HandlerRecord[]>;
}
