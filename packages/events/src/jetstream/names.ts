/**
 * How the bus's names map onto JetStream's. A namespace (default "shop")
 * prefixes every stream, subject and bucket, so several platforms (or test
 * runs) can share one server without seeing each other.
 *
 * - topic "order" -> stream SHOP_ORDER with subjects shop.order.<partition>
 * - group "notification", partition 3 -> durable consumer notification-p3
 * - dead letters -> KV bucket shop-dead-letters
 */
export interface Names {
  namespace: string;
}

const NAMESPACE = /^[a-z][a-z0-9]{0,31}$/;
const TOPIC = /^[a-z][a-z0-9_.-]{0,99}$/;
const GROUP = /^[a-zA-Z0-9_-]{1,100}$/;

export function assertNamespace(namespace: string): void {
  if (!NAMESPACE.test(namespace))
    throw new Error(`Invalid JetStream namespace ${JSON.stringify(namespace)}: lowercase letters and digits`);
}

export function assertTopic(topic: string): void {
  if (!TOPIC.test(topic)) throw new Error(`Invalid topic name ${JSON.stringify(topic)}`);
}

export function assertGroup(group: string): void {
  if (!GROUP.test(group)) throw new Error(`Invalid consumer group ${JSON.stringify(group)}: letters, digits, - and _`);
}

/** Stream names may not hold dots: they become underscores (topics "a.b" and "a_b" would share a name, and creation fails loudly). */
export function streamName(names: Names, topic: string): string {
  return `${names.namespace}_${topic.replaceAll('.', '_')}`.toUpperCase();
}

export function subjectOf(names: Names, topic: string, partition: number): string {
  return `${names.namespace}.${topic}.${partition}`;
}

export function subjectsOf(names: Names, topic: string): string {
  return `${names.namespace}.${topic}.*`;
}

export function consumerName(group: string, partition: number): string {
  return `${group}-p${partition}`;
}

export function deadLetterBucket(names: Names): string {
  return `${names.namespace}-dead-letters`;
}

/** The partition count lives in the stream's description (2.9 has no stream metadata): fixed when the stream is made. */
export function describeTopic(topic: string, partitions: number): string {
  return `shop event topic ${topic}; partitions=${partitions}`;
}

export function partitionsFromDescription(description: string | undefined): number | undefined {
  const match = /partitions=(\d+)/.exec(description ?? '');
  return match ? Number(match[1]) : undefined;
}
