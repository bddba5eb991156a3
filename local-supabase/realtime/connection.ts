import type { WebSocket } from 'ws';
import type { RequestAuth } from '../types.ts';
import { readRevoked, type ReadPolicies } from './authorize.ts';
import type { BroadcastHub, BroadcastSubscriber } from './broadcasts.ts';
import { SubscribeError, type Binding, type BindingRequest, type ChangeFeed, type ChangeSubscriber } from './changes.ts';
import { decodeBroadcastPush, decodeFrame, encodeFrame, reply, type PhoenixMessage, type Vsn } from './phoenix.ts';

export interface ConnectionOptions {
  vsn: Vsn;
  /** The `apikey` of the socket URL: the caller of a join that carries no access_token. */
  apikey: string;
  verifyToken: (token: string) => Promise<RequestAuth>;
  feed: ChangeFeed;
  hub: BroadcastHub;
  /** Close the socket when the client has been silent this long (it heartbeats every 25 s). */
  idleTimeoutMs: number;
  /** Clock for token expiry; null: expiry is not enforced. */
  now: (() => Date) | null;
  log: (message: string, error?: unknown) => void;
}

interface JoinConfig {
  postgres_changes?: unknown;
  private?: unknown;
  broadcast?: { ack?: unknown; self?: unknown };
}

interface Channel extends ChangeSubscriber, BroadcastSubscriber {
  /** As the client names it: `realtime:<topic>`. */
  fullTopic: string;
  joinRef: string | null;
  current: RequestAuth;
  /** The token `current` came from (an access_token equal to it changes nothing). */
  token: string;
  expiry: NodeJS.Timeout | null;
  /** A private channel's read policies (null for a public one). */
  policies: ReadPolicies | null;
  /** Whether the caller may broadcast on this private topic; asked on the first broadcast, as Realtime does. */
  mayBroadcast: boolean | null;
  ackBroadcast: boolean;
}

/** setTimeout's ceiling (~24.8 days); later expiries (the demo keys') are never reached. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const subTopicOf = (topic: string) => topic.replace(/^realtime:/, '');

/** One websocket: Phoenix joins, leaves, heartbeats, token updates and broadcasts for its channels. */
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
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      // Binary frames are realtime-js's broadcasts (vsn 2.0.0); text frames are everything else.
      const message = isBinary ? decodeBroadcastPush(bytes) : decodeFrame(options.vsn, bytes.toString('utf8'));
      if (!message) return;
      this.inbox = this.inbox.then(() => this.handle(message)).catch((error: unknown) => options.log('realtime frame failed', error));
    });
    socket.on('close', () => this.dispose());
    socket.on('error', (error) => options.log('realtime socket error', error));
  }

  private send(message: PhoenixMessage): void {
    this.sendText(encodeFrame(this.options.vsn, message));
  }

  private sendText(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
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
    const channel = this.channels.get(message.topic);
    if (!channel) {
      this.send(reply(message, 'error', { reason: 'unmatched topic' }));
    } else if (message.event === 'broadcast') {
      await this.broadcast(channel, message);
    } else if (message.ref !== null) {
      this.send(reply(message, 'ok'));
    }
  }

  private async authenticate(token: unknown): Promise<RequestAuth> {
    return this.options.verifyToken(this.tokenOf(token));
  }

  private tokenOf(token: unknown): string {
    return typeof token === 'string' && token !== '' ? token : this.options.apikey;
  }

  private async join(message: PhoenixMessage): Promise<void> {
    const config = (message.payload.config ?? {}) as JoinConfig;
    const requests: BindingRequest[] = Array.isArray(config.postgres_changes) ? (config.postgres_changes as BindingRequest[]) : [];
    const topic = subTopicOf(message.topic);
    const isPrivate = config.private === true;
    let auth: RequestAuth;
    try {
      auth = await this.authenticate(message.payload.access_token);
    } catch (error) {
      this.send(reply(message, 'error', { reason: `Invalid token: ${(error as Error).message}` }));
      return;
    }
    // A private channel joins only when the realtime.messages policies let the caller read the topic.
    const policies = isPrivate ? await this.options.hub.readPolicies(auth, topic) : null;
    if (policies && !policies.broadcast && !policies.presence) {
      this.send(reply(message, 'error', { reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${topic}` }));
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
      this.send({ join_ref: previous.joinRef, ref: null, topic: previous.fullTopic, event: 'phx_close', payload: {} });
    }
    const channel: Channel = {
      fullTopic: message.topic,
      topic,
      private: isPrivate,
      joinRef: message.join_ref,
      current: auth,
      token: this.tokenOf(message.payload.access_token),
      expiry: null,
      bindings,
      policies,
      mayBroadcast: null,
      ackBroadcast: config.broadcast?.ack === true,
      receivesOwn: config.broadcast?.self === true,
      auth: () => channel.current,
      deliver: (payload) => this.send({ join_ref: null, ref: null, topic: channel.fullTopic, event: 'postgres_changes', payload }),
      canRead: () => channel.policies === null || channel.policies.broadcast,
      push: (frame) => this.sendText(frame(this.options.vsn, channel.fullTopic)),
    };
    this.channels.set(message.topic, channel);
    this.options.feed.add(channel);
    this.options.hub.add(channel);
    this.armExpiry(channel);
    const echoed = requests.map((request, i) => ({ ...request, id: bindings[i]?.id }));
    this.send(reply(message, 'ok', { postgres_changes: echoed }));
    if (bindings.length > 0) {
      this.send({
        join_ref: message.join_ref,
        ref: null,
        topic: message.topic,
        event: 'system',
        payload: { message: 'Subscribed to PostgreSQL', status: 'ok', extension: 'postgres_changes', channel: topic },
      });
    }
  }

  private leave(topic: string): void {
    const channel = this.channels.get(topic);
    if (!channel) return;
    if (channel.expiry) clearTimeout(channel.expiry);
    this.channels.delete(topic);
    this.options.feed.remove(channel);
    this.options.hub.remove(channel);
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
    if (this.channels.get(channel.fullTopic) !== channel) return;
    this.leave(channel.fullTopic);
    this.send({
      join_ref: channel.joinRef,
      ref: null,
      topic: channel.fullTopic,
      event: 'system',
      payload: { message: reason, status: 'error', extension: 'system', channel: channel.topic },
    });
    this.send({ join_ref: channel.joinRef, ref: null, topic: channel.fullTopic, event: 'phx_close', payload: {} });
  }

  /**
   * New claims apply to every delivery after this frame; a bad token closes the channel. As Supabase does, a
   * private channel's policies are asked again, and the channel is closed when a read it had is now denied.
   */
  private async updateToken(message: PhoenixMessage): Promise<void> {
    const channel = this.channels.get(message.topic);
    if (!channel || this.tokenOf(message.payload.access_token) === channel.token) return;
    try {
      const auth = await this.authenticate(message.payload.access_token);
      const policies = channel.private ? await this.options.hub.readPolicies(auth, channel.topic) : null;
      if (this.channels.get(message.topic) !== channel) return;
      if (channel.policies && policies && readRevoked(channel.policies, policies)) {
        this.closeChannel(channel, `You no longer have permission to read from this Channel topic: ${channel.topic}`);
        return;
      }
      channel.current = auth;
      channel.token = this.tokenOf(message.payload.access_token);
      channel.policies = policies;
      channel.mayBroadcast = null;
      this.armExpiry(channel);
    } catch (error) {
      this.closeChannel(channel, `Invalid token: ${(error as Error).message}`);
    }
  }

  /** A client's broadcast to its topic; on a private topic only when the policies let the caller write. */
  private async broadcast(channel: Channel, message: PhoenixMessage): Promise<void> {
    const { event, payload } = message.payload;
    if (typeof event !== 'string') return;
    if (channel.private) {
      channel.mayBroadcast ??= await this.options.hub.canBroadcast(channel.current, channel.topic);
      // Denied: nothing is delivered and nothing acknowledged (the client's send times out when it asked for an ack).
      if (!channel.mayBroadcast) return;
    }
    this.options.hub.publish({ topic: channel.topic, private: channel.private, event, payload: payload ?? null }, channel);
    if (channel.ackBroadcast && message.ref !== null) this.send(reply(message, 'ok'));
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
