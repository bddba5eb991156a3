import pg from 'pg';

export interface Listener {
  close(): Promise<void>;
}

/**
 * One LISTEN connection on `channel` that reconnects (every second) when it is lost. Notifications sent
 * while it is down are lost: NOTIFY keeps nothing for absent listeners.
 */
export async function listen(options: {
  databaseUrl: string;
  channel: string;
  onPayload: (payload: string) => void;
  log: (message: string, error?: unknown) => void;
}): Promise<Listener> {
  let client: pg.Client | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;

  const retry = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect().catch((error: unknown) => {
        options.log(`listen ${options.channel} reconnect failed`, error);
        retry();
      });
    }, 1000);
  };

  const lost = (lostClient: pg.Client) => {
    if (closed || client !== lostClient) return;
    client = null;
    lostClient.end().catch(() => {});
    retry();
  };

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: options.databaseUrl });
    next.on('notification', (message) => {
      if (message.channel === options.channel && message.payload) options.onPayload(message.payload);
    });
    next.on('error', (error) => {
      options.log(`listen ${options.channel} connection lost`, error);
      lost(next);
    });
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`listen ${options.channel}`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    client = next;
  }

  await connect();
  return {
    close: async () => {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
