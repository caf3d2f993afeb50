import { decodeStreamMessage, type StreamMessage } from '@schedulezero/protocol';
import { XPublisher, XSubscriber } from 'zeromq';
import type { Resources } from './harness.ts';

export interface LossyProxy {
  /** Where replicas connect instead of the publisher. */
  endpoint: string;
  /** Decides per stream message; true drops it. Replaceable while running. */
  drop: (message: StreamMessage) => boolean;
  /** Sends raw frames to the subscribers, as if the publisher had. */
  inject(frames: Array<Uint8Array | string>): Promise<void>;
  dropped: number;
}

/**
 * A forwarding XSUB/XPUB pair between a publisher and its replicas that loses what a test says:
 * the network losing frames, on real sockets, with no test hook in the code under test.
 */
export async function startLossyProxy(resources: Resources, upstream: string): Promise<LossyProxy> {
  const xsub = resources.add(new XSubscriber({ linger: 0 }), (socket) => socket.close());
  const xpub = resources.add(new XPublisher({ linger: 0 }), (socket) => socket.close());
  xsub.connect(upstream);
  await xpub.bind('tcp://127.0.0.1:*');
  let sending = Promise.resolve();
  const forward = (frames: Array<Uint8Array | string>) => {
    // One send at a time on the XPUB: the data loop and `inject` share it.
    sending = sending.then(() => xpub.send(frames)).catch(() => {});
    return sending;
  };
  const proxy: LossyProxy = {
    endpoint: xpub.lastEndpoint ?? '',
    drop: () => false,
    inject: forward,
    dropped: 0,
  };
  void (async () => {
    try {
      // Subscriptions travel upstream so that the publisher sends what the replicas asked for.
      for await (const [subscription] of xpub) if (subscription) await xsub.send(subscription);
    } catch {
      // Closed.
    }
  })();
  void (async () => {
    try {
      for await (const frames of xsub) {
        const decoded = decodeStreamMessage(frames);
        if (decoded.ok && proxy.drop(decoded.value)) proxy.dropped += 1;
        else await forward(frames);
      }
    } catch {
      // Closed.
    }
  })();
  return proxy;
}
