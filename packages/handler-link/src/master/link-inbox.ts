import type { MasterMessage, WorkerMessage } from '@schedulezero/protocol';
import type { Clock, Logger } from '@schedulezero/scheduler-core';
import type { SendOutcome } from '../socket-writer.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { HandlerEntry } from './handler-entry.ts';
import type { Dropped } from './link-socket.ts';
import type { Registry } from './registry.ts';

type Message<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

export interface LinkInboxOptions {
  registry: Registry;
  dispatcher: Dispatcher;
  clock: Clock;
  logger: Logger;
  send: (to: string, message: MasterMessage) => Promise<SendOutcome>;
  /** The handler left or was declared gone: its attempts are lost. */
  goOffline: (entry: HandlerEntry, reason: string) => void;
  /** Capacity may have grown: tell the run loop. */
  notify: () => void;
  /** Told to workers at registration. */
  heartbeatIntervalMs: number;
  missedHeartbeats: number;
  masterId: string;
}

/**
 * What the master does with each message a handler sends: registration, heartbeats, drain
 * notices and results. Returns why a message is refused (a register for another id, anything
 * but a heartbeat or drain from an id that never registered).
 */
export function createLinkInbox(options: LinkInboxOptions) {
  const { registry, dispatcher, clock, logger, send } = options;
  const nowMs = () => clock.now().getTime();

  function onRegister(identity: string, message: Message<'register'>): void {
    const { type: _type, ...body } = message;
    const { entry, previous } = registry.register(body, clock.now());
    logger.info(
      {
        handlerId: entry.id,
        methods: body.methods,
        zone: body.zone,
        tags: body.tags,
        capacity: body.capacity,
        previous,
      },
      previous === null ? 'handler registered' : 'handler registered again',
    );
    dispatcher.reconcile(entry, body.running);
    void send(identity, {
      type: 'registered',
      handlerId: identity,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      missedHeartbeats: options.missedHeartbeats,
      masterId: options.masterId,
    });
    dispatcher.pump();
    options.notify();
  }

  function onHeartbeat(
    identity: string,
    entry: HandlerEntry | undefined,
    message: Message<'heartbeat'>,
  ): void {
    const known = entry !== undefined && entry.presence !== 'offline';
    if (entry && known) {
      if (message.draining) registry.setPresence(entry, 'draining', nowMs());
      dispatcher.reconcile(entry, message.running);
    }
    void send(identity, { type: 'heartbeat_ack', seq: message.seq, known });
  }

  function onDrain(entry: HandlerEntry | undefined, message: Message<'drain'>): void {
    if (!entry || entry.presence === 'offline') return;
    if (message.phase === 'done') {
      options.goOffline(entry, 'drained');
      return;
    }
    logger.info({ handlerId: entry.id, activeJobs: entry.active.size }, 'handler draining');
    registry.setPresence(entry, 'draining', nowMs());
  }

  return function receive(identity: string, message: WorkerMessage): Dropped | undefined {
    if (message.type === 'register') {
      if (message.handlerId !== identity) {
        return {
          reason: 'identity_mismatch',
          detail: `register for ${message.handlerId}`,
          identity,
          refusal: {
            code: 'identity_mismatch',
            refused: 'register',
            message: `register names handler "${message.handlerId}" but the routing id is "${identity}": they must be equal`,
          },
        };
      }
      onRegister(identity, message);
      return undefined;
    }
    const entry = registry.get(identity);
    if (entry && entry.presence !== 'offline') entry.lastSeenAt = clock.now();
    if (message.type === 'heartbeat') onHeartbeat(identity, entry, message);
    else if (message.type === 'drain') onDrain(entry, message);
    else if (!entry)
      return {
        reason: 'not_registered',
        detail: 'result from an unknown handler',
        identity,
        refusal: {
          code: 'not_registered',
          refused: message.type,
          message: `no registration for handler "${identity}": register first`,
        },
      };
    else dispatcher.onResult(identity, message);
    return undefined;
  };
}
