import { v7 as uuidv7 } from 'uuid';

export interface StoredMessage {
  id: string;
  /** The SMTP Message-ID header, angle brackets included; the dedup key. */
  messageId: string | null;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  receivedAt: string;
}

/**
 * The sink's memory: newest last, capped (the oldest go first), and
 * de-duplicated by Message-ID, so a sender that re-sends a message it is not
 * sure went out (the notification service after a crash) shows it once.
 */
export class Mailbox {
  readonly #capacity: number;
  readonly #messages: StoredMessage[] = [];
  readonly #byMessageId = new Map<string, StoredMessage>();

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  /** Stores the message unless one with its Message-ID is already here; returns the stored one and whether it was new. */
  add(message: Omit<StoredMessage, 'id' | 'receivedAt'>): { message: StoredMessage; duplicate: boolean } {
    const existing = message.messageId ? this.#byMessageId.get(message.messageId) : undefined;
    if (existing) return { message: existing, duplicate: true };
    const stored: StoredMessage = { ...message, id: uuidv7(), receivedAt: new Date().toISOString() };
    this.#messages.push(stored);
    if (stored.messageId) this.#byMessageId.set(stored.messageId, stored);
    while (this.#messages.length > this.#capacity) {
      const dropped = this.#messages.shift();
      if (dropped?.messageId) this.#byMessageId.delete(dropped.messageId);
    }
    return { message: stored, duplicate: false };
  }

  /** Newest first; `to` matches any recipient, case-insensitively. */
  list(to?: string): StoredMessage[] {
    const wanted = to?.trim().toLowerCase();
    const all = [...this.#messages].reverse();
    return wanted ? all.filter((m) => m.to.includes(wanted)) : all;
  }

  get(id: string): StoredMessage | undefined {
    return this.#messages.find((m) => m.id === id);
  }

  clear(): void {
    this.#messages.length = 0;
    this.#byMessageId.clear();
  }
}
