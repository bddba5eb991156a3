import { randomUUID } from 'node:crypto';

/** One e-mail the auth server sent: kept in memory, read by the mail catcher and by tests. */
export interface MailMessage {
  id: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** GoTrue's mail kind: signup, magiclink, recovery, invite, email_change, reauthentication. */
  kind: string;
  sentAt: string;
}

export type NewMail = Omit<MailMessage, 'id' | 'sentAt' | 'from'>;

/** The newest messages first; bounded so a long-running stack never grows without limit. */
export class Mailbox {
  private readonly list: MailMessage[] = [];
  private readonly listeners = new Set<(message: MailMessage) => void>();

  constructor(
    private readonly from = 'Supabase Auth <admin@example.com>',
    private readonly limit = 500,
  ) {}

  deliver(mail: NewMail, now: Date): MailMessage {
    const message: MailMessage = { ...mail, id: randomUUID(), from: this.from, sentAt: now.toISOString() };
    this.list.unshift(message);
    if (this.list.length > this.limit) this.list.pop();
    for (const listener of this.listeners) listener(message);
    return message;
  }

  messages(to?: string): MailMessage[] {
    return to === undefined ? [...this.list] : this.list.filter((message) => message.to.toLowerCase() === to.toLowerCase());
  }

  get(id: string): MailMessage | undefined {
    return this.list.find((message) => message.id === id);
  }

  clear(): void {
    this.list.length = 0;
  }

  /** The next message to `to` (or one already there that `accept` takes), without polling. */
  next(to: string, accept: (message: MailMessage) => boolean = () => true, timeoutMs = 5000): Promise<MailMessage> {
    const found = this.messages(to).find(accept);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (message: MailMessage) => {
        if (message.to.toLowerCase() !== to.toLowerCase() || !accept(message)) return;
        this.listeners.delete(listener);
        clearTimeout(timer);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no mail to ${to} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }
}
