import pg from 'pg';
import type { RequestAuth } from '../types.ts';
import { broadcastWritePolicy, readPolicies, type ReadPolicies } from './authorize.ts';
import { listen, type Listener } from './listener.ts';
import { encodeFrame, type Vsn } from './phoenix.ts';

/** NOTIFY channel of the local-only capture trigger on realtime.messages. */
const BROADCAST_CHANNEL = 'lq_realtime_broadcasts';
/** NOTIFY payloads must stay under 8000 bytes; larger messages travel as their key and are read back. */
const MAX_NOTIFY_BYTES = 7000;

/**
 * Hosted Realtime reads realtime.messages from the WAL (a logical replication slot); no decoding plugin is
 * available here, so an AFTER INSERT trigger NOTIFYs each broadcast row. NOTIFY is delivered at commit, in
 * commit order, and not at all for a rolled-back insert (Realtime's own authorisation probes).
 */
const INSTALL_SQL = `
create or replace function realtime.lq_capture_broadcast() returns trigger
language plpgsql security definer set search_path = '' as $fn$
declare
  body text := jsonb_build_object('i', new.id, 't', new.topic, 'e', new.event, 'p', coalesce(new.private, false), 'd', new.payload)::text;
begin
  if octet_length(body) > ${MAX_NOTIFY_BYTES} then
    body := jsonb_build_object('i', new.id, 'at', new.inserted_at)::text;
  end if;
  perform pg_notify('${BROADCAST_CHANNEL}', body);
  return null;
end
$fn$;
revoke all on function realtime.lq_capture_broadcast() from public;
do $do$
begin
  if not exists (select 1 from pg_trigger where tgname = 'lq_realtime_broadcast' and tgrelid = 'realtime.messages'::regclass) then
    create trigger lq_realtime_broadcast after insert on realtime.messages
      for each row when (new.extension = 'broadcast') execute function realtime.lq_capture_broadcast();
  end if;
end
$do$;
-- Hosted Realtime drops a day's partition after three days.
delete from realtime.messages where inserted_at < now() - interval '3 days';
`;

/** A broadcast as it reaches the sockets of one topic. */
export interface BroadcastMessage {
  topic: string;
  private: boolean;
  event: string;
  payload: unknown;
  /** realtime.messages id of a message sent from the database (pushed as `meta.id`). */
  id?: string;
}

/** A joined channel as the hub sees it. */
export interface BroadcastSubscriber {
  /** The topic without `realtime:`. */
  topic: string;
  private: boolean;
  /** False for a private channel whose policies allow presence but not broadcast reads. */
  canRead(): boolean;
  /** The channel's `config.broadcast.self`: whether its own broadcasts come back to it. */
  receivesOwn: boolean;
  /** Sends the broadcast; `frame` encodes it for a protocol version and topic once for all the topic's sockets. */
  push(frame: (vsn: Vsn, fullTopic: string) => string): void;
}

/** As the capture trigger NOTIFYs it: the message, or only its key when too large for NOTIFY. */
interface Captured {
  i: string;
  t?: string;
  e?: string;
  p?: boolean;
  d?: unknown;
  at?: string;
}

const key = (isPrivate: boolean, topic: string) => `${isPrivate ? 'private' : 'public'}:${topic}`;

/**
 * Broadcast for the local stack: database broadcasts (rows realtime.send inserts) and client broadcasts go to
 * the joined channels of their topic, public and private apart, with no database work per message;
 * private channels are authorised against the realtime.messages policies when they join.
 */
export class BroadcastHub {
  private readonly topics = new Map<string, Set<BroadcastSubscriber>>();
  private listener: Listener | null = null;
  /** Messages are handed out one after another, so a large one read back keeps its place. */
  private delivering: Promise<void> = Promise.resolve();
  private checkouts = 0;

  private constructor(
    private readonly admin: pg.Pool,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  /** `databaseUrl` is a superuser's: it installs the capture trigger, LISTENs and runs the policy probes. */
  static async start(options: { databaseUrl: string; log?: (message: string, error?: unknown) => void }): Promise<BroadcastHub> {
    const log = options.log ?? (() => {});
    const admin = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
    admin.on('error', (error) => log('broadcast connection error', error));
    const hub = new BroadcastHub(admin, log);
    admin.on('acquire', () => hub.checkouts++);
    try {
      const { rows } = await admin.query<{ ready: boolean }>(`select to_regclass('realtime.messages') is not null as ready`);
      if (rows[0]?.ready) {
        await admin.query(`begin; select pg_advisory_xact_lock(hashtext('lq_realtime_install')); ${INSTALL_SQL} commit;`);
      } else {
        log('realtime.messages is missing (bootstrap.sql not applied): no broadcasts from the database');
      }
      hub.listener = await listen({ databaseUrl: options.databaseUrl, channel: BROADCAST_CHANNEL, log, onPayload: (payload) => hub.captured(payload) });
    } catch (error) {
      await hub.close();
      throw error;
    }
    return hub;
  }

  /** Times the hub has used a database connection so far (the bench checks that messages need none). */
  get databaseCalls(): number {
    return this.checkouts;
  }

  add(subscriber: BroadcastSubscriber): void {
    const k = key(subscriber.private, subscriber.topic);
    const set = this.topics.get(k) ?? new Set();
    set.add(subscriber);
    this.topics.set(k, set);
  }

  remove(subscriber: BroadcastSubscriber): void {
    const k = key(subscriber.private, subscriber.topic);
    const set = this.topics.get(k);
    set?.delete(subscriber);
    if (set?.size === 0) this.topics.delete(k);
  }

  /** Pushes `message` to every channel of its topic that may read it (`from` only when it asked for its own). */
  publish(message: BroadcastMessage, from?: BroadcastSubscriber): void {
    const payload: Record<string, unknown> = { type: 'broadcast', event: message.event, payload: message.payload };
    if (message.id) payload.meta = { id: message.id };
    const frames = new Map<string, string>();
    const frame = (vsn: Vsn, fullTopic: string) => {
      const cacheKey = `${vsn} ${fullTopic}`;
      let text = frames.get(cacheKey);
      if (text === undefined) {
        text = encodeFrame(vsn, { join_ref: null, ref: null, topic: fullTopic, event: 'broadcast', payload });
        frames.set(cacheKey, text);
      }
      return text;
    };
    for (const subscriber of this.topics.get(key(message.private, message.topic)) ?? []) {
      if (subscriber === from && !subscriber.receivesOwn) continue;
      if (subscriber.canRead()) subscriber.push(frame);
    }
  }

  readPolicies(auth: RequestAuth, topic: string): Promise<ReadPolicies> {
    return readPolicies(this.admin, auth, topic, this.log);
  }

  canBroadcast(auth: RequestAuth, topic: string): Promise<boolean> {
    return broadcastWritePolicy(this.admin, auth, topic, this.log);
  }

  private captured(text: string): void {
    let message: Captured;
    try {
      message = JSON.parse(text) as Captured;
    } catch (error) {
      this.log('unreadable broadcast notification', error);
      return;
    }
    this.delivering = this.delivering
      .then(async () => {
        const full = message.t === undefined ? await this.readBack(message) : message;
        if (full?.t !== undefined && full.e !== undefined) {
          this.publish({ topic: full.t, private: full.p ?? false, event: full.e, payload: full.d ?? null, id: full.i });
        }
      })
      .catch((error: unknown) => this.log('broadcast delivery failed', error));
  }

  private async readBack(message: Captured): Promise<Captured | null> {
    const { rows } = await this.admin.query<{ t: string; e: string; p: boolean | null; d: unknown }>(
      'select topic as t, event as e, private as p, payload as d from realtime.messages where id = $1 and inserted_at = $2',
      [message.i, message.at],
    );
    const row = rows[0];
    return row ? { i: message.i, t: row.t, e: row.e, p: row.p ?? false, d: row.d } : null;
  }

  /** Resolves once every broadcast notified so far has been handed to its sockets. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.delivering;
      await current;
    } while (current !== this.delivering);
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = null;
    await this.idle();
    await this.admin.end().catch(() => {});
  }
}
