import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Mailbox, MailMessage } from './auth/mailbox.ts';

/**
 * The mail catcher of the local stack, where the Supabase CLI runs Mailpit (config.toml [inbucket]):
 * a page listing what the auth server sent (`/`, `/message/<id>`) and Mailpit's JSON API for tests and
 * scripts (`GET /api/v1/messages[?query=to:<address>]`, `GET /api/v1/message/<id>`, `DELETE /api/v1/messages`).
 */
export interface MailCatcher {
  url: string;
  port: number;
  close(): Promise<void>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
const address = (text: string) => {
  const match = /^(.*?)\s*<([^>]+)>$/.exec(text);
  return match ? { Name: match[1] ?? '', Address: match[2] ?? '' } : { Name: '', Address: text };
};

function summary(message: MailMessage) {
  return {
    ID: message.id,
    From: address(message.from),
    To: [address(message.to)],
    Subject: message.subject,
    Created: message.sentAt,
    Snippet: message.text.replace(/\s+/g, ' ').slice(0, 250),
    Tags: [message.kind],
  };
}

function listPage(messages: MailMessage[]): string {
  const rows = messages
    .map((message) => `<tr><td>${escape(message.sentAt)}</td><td>${escape(message.to)}</td><td><a href="/message/${message.id}">${escape(message.subject)}</a></td></tr>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Local mail</title></head><body>
<h1>Mail sent by the local auth server</h1>
<table border="1" cellpadding="4"><thead><tr><th>Sent</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows || '<tr><td colspan="3">Nothing sent yet.</td></tr>'}</tbody></table>
</body></html>`;
}

function messagePage(message: MailMessage): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(message.subject)}</title></head><body>
<p><a href="/">All mail</a></p><p>To: ${escape(message.to)}<br>Subject: ${escape(message.subject)}<br>Sent: ${escape(message.sentAt)}</p><hr>${message.html}</body></html>`;
}

export async function startMailCatcher(options: { mailbox: Mailbox; port?: number; host?: string }): Promise<MailCatcher> {
  const { mailbox } = options;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mail');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'access-control-allow-origin': '*' });
      res.end(body);
    };
    const json = (status: number, body: unknown) => send(status, 'application/json', JSON.stringify(body));
    const byId = /^\/(?:api\/v1\/)?message\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && url.pathname === '/') return send(200, 'text/html', listPage(mailbox.messages()));
    if (req.method === 'GET' && url.pathname === '/api/v1/messages') {
      const to = /(?:^|\s)to:(\S+)/.exec(url.searchParams.get('query') ?? '')?.[1];
      const messages = mailbox.messages(to);
      return json(200, { total: messages.length, count: messages.length, messages: messages.map(summary) });
    }
    if (req.method === 'DELETE' && url.pathname === '/api/v1/messages') {
      mailbox.clear();
      return json(200, 'ok');
    }
    if (req.method === 'GET' && byId) {
      const message = mailbox.get(decodeURIComponent(byId[1] ?? ''));
      if (!message) return json(404, { error: 'message not found' });
      if (url.pathname.startsWith('/api/')) return json(200, { ...summary(message), Text: message.text, HTML: message.html });
      return send(200, 'text/html', messagePage(message));
    }
    return json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
