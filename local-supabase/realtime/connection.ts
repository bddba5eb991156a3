import type { WebSocket } from 'ws';
import type { RequestAuth } from '../types.ts';
import { SubscribeError, type Binding, type BindingRequest, type ChangeFeed, type ChangeSubscriber } from './changes.ts';
import { decodeFrame, encodeFrame, reply, type PhoenixMessage, type Vsn } from './phoenix.ts';

export interface ConnectionOptions {
  vsn: Vsn;
  /** The `apikey` of the socket URL: the caller of a join that carries no access_token. */
  apikey: string;
  verifyToken: (token: string) => Promise<RequestAuth>;
  feed: ChangeFeed;
  /** Close the socket when the client has been silent this long (it heartbeats every 25 s). */
  idleTimeoutMs: number;
  /** Clock for token expiry; null: expiry is not enforced. */
  now: (() => Date) | null;
  log: (message: string, error?: unknown) => void;
}

interface Channel extends ChangeSubscriber {
  topic: string;
  joinRef: string | null;
  current: RequestAuth;
  expiry: NodeJS.Timeout | null;
}

/** setTimeout's ceiling (~24.8 days); later expiries (the demo keys') are never reached. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One websocket: Phoenix joins, leaves, heartbeats and token updates for its channels. */
export class RealtimeConnection {
  private readonly channels = new Map<string, Channel>();
  private readonly idleTimer: NodeJS.Timeout;
  /** Frames are handled one at a time so a join's reply precedes anything sent after it. */
  private inbox: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: ConnectionOptions,
  ) {
    this.idleTimer = setTimeout(() => this.socket.close(1000, 'heartbeat timeout'), options.idleTimeoutMs);
    socket.on('message', (data, isBinary) => {
      this.idleTimer.refresh();
      // Binary frames are broadcast pushes, which this stand-in does not implement.
      if (isBinary) return;
      const message = decodeFrame(options.vsn, (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8'));
      if (!message) return;
      this.inbox = this.inbox.then(() => this.handle(message)).catch((error: unknown) => options.log('realtime frame failed', error));
    });
    socket.on('close', () => this.dispose());
    socket.on('error', (error) => options.log('realtime socket error', error));
  }

  private send(message: PhoenixMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(encodeFrame(this.options.vsn, message));
  }

  private async handle(message: PhoenixMessage): Promise<void> {
    if (message.topic === 'phoenix') {
      if (message.event === 'heartbeat') this.send(reply(message, 'ok'));
      return;
    }
    switch (message.event) {
      case 'phx_join':
        return this.join(message);
      case 'phx_leave':
        this.leave(message.topic);
        this.send(reply(message, 'ok'));
        return;
      case 'access_token':
        return this.updateToken(message);
    }
    if (!this.channels.has(message.topic)) {
      this.send(reply(message, 'error', { reason: 'unmatched topic' }));
    } else if (message.ref !== null) {
      this.send(reply(message, 'ok'));
    }
  }

  private async authenticate(token: unknown): Promise<RequestAuth> {
    return this.options.verifyToken(typeof token === 'string' && token !== '' ? token : this.options.apikey);
  }

  private async join(message: PhoenixMessage): Promise<void> {
    const config = (message.payload.config ?? {}) as { postgres_changes?: unknown };
    const requests: BindingRequest[] = Array.isArray(config.postgres_changes) ? (config.postgres_changes as BindingRequest[]) : [];
    let auth: RequestAuth;
    try {
      auth = await this.authenticate(message.payload.access_token);
    } catch (error) {
      this.send(reply(message, 'error', { reason: `Invalid token: ${(error as Error).message}` }));
      return;
    }
    let bindings: Binding[];
    try {
      bindings = await this.options.feed.prepare(requests);
    } catch (error) {
      if (!(error instanceof SubscribeError)) this.options.log('realtime join failed', error);
      this.send(reply(message, 'error', { reason: (error as Error).message }));
      return;
    }
    // The socket may have gone while the join was being checked.
    if (this.closed) return;
    // A second join of a topic replaces the first, as Phoenix does.
    const previous = this.channels.get(message.topic);
    if (previous) {
      this.leave(message.topic);
      this.send({ join_ref: previous.joinRef, ref: null, topic: previous.topic, event: 'phx_close', payload: {} });
    }
    const channel: Channel = {
      topic: message.topic,
      joinRef: message.join_ref,
      current: auth,
      expiry: null,
      bindings,
      auth: () => channel.current,
      deliver: (payload) => this.send({ join_ref: null, ref: null, topic: channel.topic, event: 'postgres_changes', payload }),
    };
    this.channels.set(message.topic, channel);
    this.options.feed.add(channel);
    this.armExpiry(channel);
    const echoed = requests.map((request, i) => ({ ...request, id: bindings[i]?.id }));
    this.send(reply(message, 'ok', { postgres_changes: echoed }));
    if (bindings.length > 0) {
      this.send({
        join_ref: message.join_ref,
        ref: null,
        topic: message.topic,
        event: 'system',
        payload: { message: 'Subscribed to PostgreSQL', status: 'ok', extension: 'postgres_changes', channel: message.topic.replace(/^realtime:/, '') },
      });
    }
  }

  private leave(topic: string): void {
    const channel = this.channels.get(topic);
    if (!channel) return;
    if (channel.expiry) clearTimeout(channel.expiry);
    this.channels.delete(topic);
    this.options.feed.remove(channel);
  }

  /** As Supabase: a channel whose token expires (and is not replaced in time) is closed. */
  private armExpiry(channel: Channel): void {
    if (channel.expiry) clearTimeout(channel.expiry);
    channel.expiry = null;
    const exp = channel.current.claims.exp;
    if (typeof exp !== 'number' || !this.options.now) return;
    const delay = exp * 1000 - this.options.now().getTime();
    if (delay > MAX_TIMER_MS) return;
    channel.expiry = setTimeout(() => this.closeChannel(channel, 'Token has expired'), Math.max(0, delay));
  }

  private closeChannel(channel: Channel, reason: string): void {
    if (this.channels.get(channel.topic) !== channel) return;
    this.leave(channel.topic);
    const name = channel.topic.replace(/^realtime:/, '');
    this.send({
      join_ref: channel.joinRef,
      ref: null,
      topic: channel.topic,
      event: 'system',
      payload: { message: reason, status: 'error', extension: 'system', channel: name },
    });
    this.send({ join_ref: channel.joinRef, ref: null, topic: channel.topic, event: 'phx_close', payload: {} });
  }

  /** New claims apply to every delivery after this frame; a bad token closes the channel. */
  private async updateToken(message: PhoenixMessage): Promise<void> {
    const channel = this.channels.get(message.topic);
    if (!channel) return;
    try {
      channel.current = await this.authenticate(message.payload.access_token);
      this.armExpiry(channel);
    } catch (error) {
      this.closeChannel(channel, `Invalid token: ${(error as Error).message}`);
    }
  }

  terminate(): void {
    this.socket.terminate();
  }

  private dispose(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const topic of [...this.channels.keys()]) this.leave(topic);
  }
}
