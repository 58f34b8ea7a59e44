import type { EventPayload } from '@shop/contracts';

/**
 * What each event tells the user: the in-app notification and the email.
 * Pure: no I/O. Payloads arrive already validated (events/schemas.ts).
 */
export type NotificationKind = 'welcome' | 'order_confirmed' | 'order_cancelled' | 'order_refunded';

/** The events this service notifies about, with their payloads as @shop/contracts declares them. */
export const NOTIFIABLE_TYPES = ['user.registered', 'order.confirmed', 'order.cancelled', 'order.refunded'] as const;
type NotifiableType = (typeof NOTIFIABLE_TYPES)[number];

export type NotifiableEvent = { [T in NotifiableType]: { type: T; payload: EventPayload<T> } }[NotifiableType];

/** What a notification says: as an event makes it, and as its owner reads it (NotificationView). */
export interface NotificationContent {
  kind: NotificationKind;
  title: string;
  body: string;
  /** Ids and amounts the storefront links to (an order id, a refund's amount). */
  data: Record<string, unknown>;
}

/** Whom an email goes to and what it says; sending it adds the sender and a message id (OutgoingEmail). */
export interface EmailContent {
  to: string;
  subject: string;
  text: string;
}

/** What one event tells its user: the in-app notification, and the email sent for it. */
export interface Message extends NotificationContent {
  /** Whose notification it is. */
  userId: string;
  email: EmailContent;
}

type PayloadOf<T extends NotifiableType> = EventPayload<T>;

/** One message maker per event type. */
const makers: { [T in NotifiableEvent['type']]: (payload: PayloadOf<T>) => Message } = {
  'user.registered': welcome,
  'order.confirmed': orderConfirmed,
  'order.cancelled': orderCancelled,
  'order.refunded': orderRefunded,
};

export function messageFor(event: NotifiableEvent): Message {
  return (makers[event.type] as (payload: NotifiableEvent['payload']) => Message)(event.payload);
}

function welcome(p: PayloadOf<'user.registered'>): Message {
  return {
    kind: 'welcome',
    userId: p.userId,
    title: `Welcome, ${p.name}`,
    body: 'Your account is ready. Happy shopping!',
    data: {},
    email: {
      to: p.email,
      subject: `Welcome to Shop, ${p.name}`,
      text: `Hello ${p.name},\n\nyour Shop account is ready. Happy shopping!\n\nThe Shop team\n`,
    },
  };
}

function orderConfirmed(p: PayloadOf<'order.confirmed'>): Message {
  const lines = p.items.map((i) => `  ${i.quantity} x ${i.name} at ${money(i.unitPriceMinor, p.currency)}`);
  const total = money(p.totalMinor, p.currency);
  return {
    kind: 'order_confirmed',
    userId: p.userId,
    title: 'Order confirmed',
    body: `Your order ${p.orderId} is confirmed: ${total}.`,
    data: { orderId: p.orderId, totalMinor: p.totalMinor, currency: p.currency },
    email: {
      to: p.email,
      subject: `Your order ${p.orderId} is confirmed`,
      text: `Thank you for your order ${p.orderId}.\n\n${lines.join('\n')}\n\nTotal: ${total}\n\nThe Shop team\n`,
    },
  };
}

function orderCancelled(p: PayloadOf<'order.cancelled'>): Message {
  const reason = p.reason ? ` Reason: ${p.reason}.` : '';
  return {
    kind: 'order_cancelled',
    userId: p.userId,
    title: 'Order cancelled',
    body: `Your order ${p.orderId} was cancelled.${reason}`,
    data: { orderId: p.orderId, ...(p.reason ? { reason: p.reason } : {}) },
    email: {
      to: p.email,
      subject: `Your order ${p.orderId} was cancelled`,
      text: `Your order ${p.orderId} was cancelled.${reason}\n\nAny payment taken will be refunded.\n\nThe Shop team\n`,
    },
  };
}

function orderRefunded(p: PayloadOf<'order.refunded'>): Message {
  const amount = money(p.amountMinor, p.currency);
  return {
    kind: 'order_refunded',
    userId: p.userId,
    title: 'Refund issued',
    body: `We refunded ${amount} for order ${p.orderId}.`,
    data: { orderId: p.orderId, amountMinor: p.amountMinor, currency: p.currency },
    email: {
      to: p.email,
      subject: `Refund for order ${p.orderId}`,
      text: `We refunded ${amount} for your order ${p.orderId}.\n\nThe Shop team\n`,
    },
  };
}

/** Integer minor units to a display amount ("EUR 12.34"), using the currency's own number of decimals. */
export function money(minor: number, currency: string): string {
  const format = formatterFor(currency);
  if (!format) return `${currency} ${(minor / 100).toFixed(2)}`;
  return format.format(minor / 10 ** format.digits);
}

// Building an Intl.NumberFormat costs milliseconds (it loads locale data); one per currency is kept.
const formatters = new Map<string, { format: (n: number) => string; digits: number } | null>();
const MAX_FORMATTERS = 300;

function formatterFor(currency: string): { format: (n: number) => string; digits: number } | null {
  let entry = formatters.get(currency);
  if (entry === undefined) {
    try {
      const format = new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'code' });
      entry = { format: (n) => format.format(n), digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    } catch {
      entry = null;
    }
    if (formatters.size < MAX_FORMATTERS) formatters.set(currency, entry);
  }
  return entry;
}
