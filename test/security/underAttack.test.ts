// Issue 13, "Done when": while one address runs each of the resource attacks
// (event streams, slow uploads, a sign-up flood, failed logins), a normal
// shopper's browse, login and checkout keep working, their p99 within 2x of
// the quiet value. Over real processes, through the public entry: the attacker
// connects from 127.0.0.2 and the shopper from 127.0.0.1 (Linux routes all of
// 127/8 to lo), so the balancer's per-address caps, and the services' limits
// by the address it forwards, see two clients. Every limit the attacks run
// into is at its default: the claim is that the protections hold as shipped.
// Failed logins are run both ways attack 3 names: at one account (the
// shopper's), and from one address with made-up emails.
//
// A journey is browse (the product list, one product), log in, check out (one
// item into the cart, the order placed), one after another. Each step kind's
// p99 is compared with its own quiet p99: over all steps together, the slow
// login (an argon2 verify) would hide a browse made ten times slower. With 25
// journeys a kind has 25 or 50 samples, so its p99 is its slowest.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { percentile } from '@shop/load';
import { sendRaw, startPlatform, type Platform } from './support.ts';

const SHOPPER_ADDRESS = '127.0.0.1';
const ATTACKER_ADDRESS = '127.0.0.2';
/** Measured journeys per phase (quiet, under attack, quiet again). */
const JOURNEYS = Number(process.env.UNDER_ATTACK_JOURNEYS ?? 25);
/** A flood's requests per second (sign-ups, failed logins, new streams, new slow uploads once the first wave is out). */
const RATE = Number(process.env.UNDER_ATTACK_RATE ?? 50);
/** Slow uploads the attacker tries to hold open: well over the balancer's 64 connections per address. */
const SLOW_UPLOADS = Number(process.env.UNDER_ATTACK_SLOW_UPLOADS ?? 200);
/** Unmeasured, first: they pay for connections, pools and compilation. */
const WARM_UP_JOURNEYS = 5;
/** Streams the attacker opens at once first, as in gateway.test.ts. */
const STREAMS = 256;
/** Loops a flood is sent from: more than one, so a delayed answer does not pace the attacker. */
const WORKERS = 8;
/**
 * The smallest baseline a p99 is held to. On a shared 2-core machine a p99 of
 * a few ms doubles from scheduling noise alone (a GC pause, the launcher's
 * health checks, another test's process), which says nothing about an attack.
 */
const FLOOR_MS = 50;
/** Each attack stops by itself this long after it started, whatever happens to the test. */
const ATTACK_LIMIT_MS = 45_000;
const UNDER_WAY_WITHIN_MS = 15_000;
const PASSWORD = 'a shopper password, long enough';

type Step = 'browse' | 'login' | 'checkout';
const STEPS: readonly Step[] = ['browse', 'login', 'checkout'];

interface Answer {
  /** The HTTP status, or the transport error's code. */
  status: number | string;
  json: any;
}

interface Measured {
  ms: Record<Step, number[]>;
  /** Every shopper request that did not get the answer a working shop gives. */
  failures: string[];
}

interface Attack {
  /** What the attacker was answered: how it was limited. */
  readonly answers: Tally;
  /** Whether the attacker's own answers show the protections at work yet. */
  underWay(): boolean;
  /** Ends it and closes every socket it opened; resolves once its loops have ended. */
  stop(): Promise<void>;
}

let platform: Platform;
let shopper: Agent;
let attacker: HttpAgent;
const shopperEmail = `shopper-${randomUUID().slice(0, 8)}@example.com`;
let attackerToken: string;
/** Products with plenty in stock, bought in turn so no journey meets an empty shelf. */
let stocked: string[] = [];
let journeysRun = 0;
let quiet: Measured | undefined;
let running: Attack | undefined;

before(async () => {
  platform = await startPlatform('under-attack', 29_000);
  shopper = new Agent({ connections: 2, localAddress: SHOPPER_ADDRESS });
  attacker = new HttpAgent({ keepAlive: true, maxSockets: WORKERS });
  const signUp = await shop('POST', '/users', { body: { email: shopperEmail, password: PASSWORD, name: 'Shopper' } });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.json));
  // The streams' attacker has an account of its own, made from its own address.
  const attackerAccount = { email: `attacker-${randomUUID().slice(0, 8)}@example.com`, password: PASSWORD };
  const asAttacker = { headers: { 'content-type': 'application/json' }, localAddress: ATTACKER_ADDRESS };
  const made = await sendRaw(platform.lbPort, 'POST', '/users', {
    ...asAttacker,
    body: JSON.stringify({ ...attackerAccount, name: 'Attacker' }),
  });
  assert.equal(made.status, 201, made.text);
  const login = await sendRaw(platform.lbPort, 'POST', '/users/sessions', {
    ...asAttacker,
    body: JSON.stringify(attackerAccount),
  });
  attackerToken = (JSON.parse(login.text) as { accessToken: string }).accessToken;
  assert.ok(attackerToken, login.text);
  const list = await shop('GET', '/products?limit=50');
  assert.equal(list.status, 200);
  const items = (list.json as { items: Array<{ id: string; availability: { inStock: number } }> }).items;
  stocked = items.filter((p) => p.availability.inStock >= 50).map((p) => p.id);
  const purchases = WARM_UP_JOURNEYS + JOURNEYS * (1 + 2 * attacks.length);
  assert.ok(
    stocked.length * 50 >= purchases,
    `${stocked.length} products with 50 or more in stock, for ${purchases} purchases in turn`,
  );
  const warmUp = await journeys(WARM_UP_JOURNEYS);
  assert.deepEqual(warmUp.failures, [], 'the warm-up journeys');
});

after(async () => {
  await running?.stop();
  await shopper?.close();
  attacker?.destroy();
  await platform?.stop();
});

/** One request of the shopper's, from 127.0.0.1 over keep-alive connections, as a browser makes them. */
async function shop(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  try {
    const response = await request(`${platform.api}${path}`, {
      dispatcher: shopper,
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.body.text();
    return { status: response.statusCode, json: text ? JSON.parse(text) : undefined };
  } catch (error) {
    return { status: (error as { code?: string }).code ?? (error as Error).name, json: undefined };
  }
}

/** Journeys one after another, each step timed; a failed step ends its journey. */
async function journeys(count: number): Promise<Measured> {
  const measured: Measured = { ms: { browse: [], login: [], checkout: [] }, failures: [] };
  const step = async (
    kind: Step,
    what: string,
    expected: readonly number[],
    send: () => Promise<Answer>,
  ): Promise<Answer | undefined> => {
    const started = performance.now();
    const answer = await send();
    measured.ms[kind].push(performance.now() - started);
    if (expected.includes(answer.status as number)) return answer;
    measured.failures.push(`${what} -> ${answer.status} ${(JSON.stringify(answer.json) ?? '').slice(0, 160)}`);
    return undefined;
  };
  for (let i = 0; i < count; i++) {
    const productId = stocked[journeysRun++ % stocked.length]!;
    if (!(await step('browse', 'GET /products', [200], () => shop('GET', '/products?limit=20')))) continue;
    if (!(await step('browse', 'GET /products/:id', [200], () => shop('GET', `/products/${productId}`)))) continue;
    const login = await step('login', 'POST /users/sessions', [200], () =>
      shop('POST', '/users/sessions', { body: { email: shopperEmail, password: PASSWORD } }),
    );
    const token = (login?.json as { accessToken?: string } | undefined)?.accessToken;
    if (!token) continue;
    if (
      !(await step('checkout', 'PUT /orders/cart/items/:id', [200, 201, 204], () =>
        shop('PUT', `/orders/cart/items/${productId}`, { token, body: { quantity: 1 } }),
      ))
    )
      continue;
    await step('checkout', 'POST /orders', [201, 202], () =>
      shop('POST', '/orders', { token, body: {}, headers: { 'idempotency-key': randomUUID() } }),
    );
  }
  return measured;
}

const p99 = (measured: Measured, kind: Step): number => Math.round(percentile(measured.ms[kind], 99));

/** The three slowest samples and their places in the run (#1 is the first): with few samples, p99 is the slowest. */
function slowest(values: number[]): string {
  const ranked = values.map((ms, i) => ({ ms: Math.round(ms), at: i + 1 })).sort((a, b) => b.ms - a.ms);
  return ranked
    .slice(0, 3)
    .map((r) => `${r.ms} ms #${r.at}/${values.length}`)
    .join(', ');
}

/**
 * The attacker's answers by status (or transport error, or how a socket
 * ended), each with the slowest: a refusal that took as long as a password
 * hash was refused after the work, not before it.
 */
class Tally {
  readonly #kinds = new Map<string, { count: number; slowestMs: number }>();

  record(key: string | number, ms: number): void {
    const kind = this.#kinds.get(String(key)) ?? { count: 0, slowestMs: 0 };
    this.#kinds.set(String(key), { count: kind.count + 1, slowestMs: Math.max(kind.slowestMs, Math.round(ms)) });
  }

  count(...keys: string[]): number {
    return keys.reduce((sum, key) => sum + (this.#kinds.get(key)?.count ?? 0), 0);
  }

  toString(): string {
    return [...this.#kinds]
      .map(([key, kind]) => (kind.slowestMs > 0 ? `${key} x${kind.count} (slowest ${kind.slowestMs} ms)` : key))
      .join(', ');
  }
}

/** One JSON request of the attacker's, from 127.0.0.2, recorded in `answers`: its status, or its transport error's code. Never rejects. */
function attack(answers: Tally, method: 'GET' | 'POST', path: string, body: unknown): Promise<string> {
  const started = performance.now();
  return new Promise<string>((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: platform.lbPort,
        method,
        path,
        agent: attacker,
        localAddress: ATTACKER_ADDRESS,
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(15_000),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', () => resolve('aborted'));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.name));
    req.end(JSON.stringify(body));
  }).then((status) => {
    answers.record(status, performance.now() - started);
    return status;
  });
}

/** An attack's lifetime: running until stopped or ATTACK_LIMIT_MS after it began, whichever is first. */
function lifetime(): { running: () => boolean; halt: () => void } {
  const until = performance.now() + ATTACK_LIMIT_MS;
  let halted = false;
  return { running: () => !halted && performance.now() < until, halt: () => (halted = true) };
}

/**
 * Calls `send` at `rate` a second from WORKERS loops while `running()` holds,
 * at most RATE x ATTACK_LIMIT_MS times in all: bounded in count and in time.
 */
async function paced(rate: number, running: () => boolean, send: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  const max = Math.ceil((rate * ATTACK_LIMIT_MS) / 1000);
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (running() && next < max) {
        const i = next++;
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        if (running()) await send(i);
      }
    }),
  );
}

/**
 * One user's event streams (issue 13, attack 4): 256 at once, then one more
 * at RATE a second. The gateway holds 5 per user and refuses the rest with
 * 429; the balancer closes what is over the address's 64 connections.
 */
function streamsAttack(): Attack {
  const answers = new Tally();
  const requests = new Set<ClientRequest>();
  let held = 0;
  const { running, halt } = lifetime();
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: platform.lbPort,
          path: '/notifications/stream',
          localAddress: ATTACKER_ADDRESS,
          agent: false,
          headers: { authorization: `Bearer ${attackerToken}` },
        },
        (res) => {
          answers.record(res.statusCode ?? 0, performance.now() - started);
          res.resume();
          if (res.statusCode === 200) {
            held += 1;
            res.once('close', () => (held -= 1));
          } else {
            res.once('close', () => requests.delete(req));
          }
          resolve();
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        answers.record(error.code ?? error.name, performance.now() - started);
        requests.delete(req);
        resolve();
      });
      req.end();
      requests.add(req);
    });
  const loops = (async () => {
    await Promise.all(Array.from({ length: STREAMS }, open));
    await paced(RATE, running, open);
  })();
  return {
    answers,
    underWay: () => held > 0 && answers.count('429') > 0,
    stop: async () => {
      halt();
      await loops;
      answers.record(`held at the end: ${held}`, 0);
      for (const req of requests) req.destroy();
    },
  };
}

/**
 * Slow uploads (issue 13, attack 5): POST headers announcing 100,000 bytes,
 * then a byte every 2 s. SLOW_UPLOADS at once, then topped up at RATE new
 * sockets a second. The balancer closes what is over the address's 64
 * connections unanswered, answers 429 past its 32 requests, and 408 a body
 * not whole by its deadline (10 s).
 */
function slowUploadsAttack(): Attack {
  const answers = new Tally();
  const sockets = new Set<Socket>();
  const { running, halt } = lifetime();
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: platform.lbPort, localAddress: ATTACKER_ADDRESS });
      const started = performance.now();
      let received = '';
      sockets.add(socket);
      // A socket the balancer closed may fail a later write: that is the protection, not an error here.
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.once('connect', () => {
        socket.write(
          'POST /users HTTP/1.1\r\nhost: shop\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{',
        );
        resolve();
      });
      socket.once('close', () => {
        sockets.delete(socket);
        if (running())
          answers.record(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 'closed unanswered', performance.now() - started);
        resolve();
      });
    });
  const drip = setInterval(() => {
    for (const socket of sockets) if (socket.writable) socket.write(' ');
  }, 2000);
  const loops = (async () => {
    // In batches of 100, so no connection waits on a full accept queue (node's backlog is 511).
    for (let sent = 0; sent < SLOW_UPLOADS && running(); sent += 100)
      await Promise.all(Array.from({ length: Math.min(100, SLOW_UPLOADS - sent) }, open));
    await paced(RATE, running, async () => {
      if (sockets.size < SLOW_UPLOADS) await open();
    });
  })();
  return {
    answers,
    underWay: () => answers.count('closed unanswered', '429') > 0 && sockets.size > 0,
    stop: async () => {
      halt();
      await loops;
      clearInterval(drip);
      answers.record(`open at the end: ${sockets.size}`, 0);
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Sign-ups with fresh emails (issue 13, attack 6), at RATE a second: past 5 a minute from one address they are 429. */
function signUpFlood(): Attack {
  const answers = new Tally();
  const { running, halt } = lifetime();
  const run = randomUUID().slice(0, 8);
  const loops = paced(RATE, running, async (i) => {
    await attack(answers, 'POST', '/users', {
      email: `flood-${run}-${i}@example.com`,
      password: PASSWORD,
      name: 'Flood',
    });
  });
  return {
    answers,
    underWay: () => answers.count('429', '503') > 0,
    stop: async () => {
      halt();
      await loops;
    },
  };
}

/**
 * Failed logins at one account (issue 13, attack 3): wrong passwords for the
 * shopper's own email, at RATE a second. Past 5 the address is locked out of
 * that account (429); the account itself is never locked, only delayed: its
 * next attempt past 5 failures from anywhere waits 100 ms, doubling.
 */
function accountGuesses(): Attack {
  return failedLogins(() => shopperEmail);
}

/** Failed logins with made-up emails (issue 13, attack 3), at RATE a second: past 50 the address is locked out (429). */
function loginSpray(): Attack {
  return failedLogins((i) => `nobody-${i}@example.com`);
}

function failedLogins(emailOf: (i: number) => string): Attack {
  const answers = new Tally();
  const { running, halt } = lifetime();
  const loops = paced(RATE, running, async (i) => {
    await attack(answers, 'POST', '/users/sessions', { email: emailOf(i), password: `wrong guess ${i}` });
  });
  return {
    answers,
    // Passwords were checked and found wrong, and then the attacker was locked out.
    underWay: () => answers.count('401') > 0 && answers.count('429') > 0,
    stop: async () => {
      halt();
      await loops;
    },
  };
}

test(`quiet: ${JOURNEYS} journeys (browse, log in, check out) from ${SHOPPER_ADDRESS} all succeed`, async (t) => {
  quiet = await journeys(JOURNEYS);
  t.diagnostic(`quiet p99: ${STEPS.map((kind) => `${kind} ${p99(quiet!, kind)} ms`).join(', ')}`);
  assert.deepEqual(quiet.failures, [], 'with nobody attacking');
});

const attacks: Array<[string, () => Attack]> = [
  [`opens ${STREAMS} event streams as one user`, streamsAttack],
  [`holds ${SLOW_UPLOADS} slow uploads open`, slowUploadsAttack],
  [`floods sign-ups at ${RATE}/s`, signUpFlood],
  // Before the spray: once the spray has locked the address out (60 s and more), its guesses would never reach the account.
  [`guesses the shopper's password at ${RATE}/s`, accountGuesses],
  [`fails logins with made-up emails at ${RATE}/s`, loginSpray],
];

for (const [what, start] of attacks) {
  test(`while ${ATTACKER_ADDRESS} ${what}, the shopper's journeys all succeed, each step's p99 within 2x of quiet`, async (t) => {
    assert.ok(quiet, 'the quiet journeys ran first');
    const current = (running = start());
    let attacked: Measured;
    try {
      const deadline = performance.now() + UNDER_WAY_WITHIN_MS;
      while (!current.underWay() && performance.now() < deadline) await sleep(50);
      assert.ok(
        current.underWay(),
        `the attack is limited within ${UNDER_WAY_WITHIN_MS} ms: ${String(current.answers)}`,
      );
      attacked = await journeys(JOURNEYS);
    } finally {
      await current.stop();
      running = undefined;
    }
    const quietAfter = await journeys(JOURNEYS);
    await report(t, quiet, attacked, quietAfter, current.answers);
  });
}

async function report(
  t: TestContext,
  quietBefore: Measured,
  attacked: Measured,
  quietAfter: Measured,
  answers: Tally,
): Promise<void> {
  const lines = STEPS.map((kind) => {
    const baseline = Math.max(FLOOR_MS, p99(quietBefore, kind), p99(quietAfter, kind));
    return {
      kind,
      baseline,
      attacked: p99(attacked, kind),
      line: `${kind} p99 ${p99(attacked, kind)} ms under attack (slowest: ${slowest(attacked.ms[kind])}); quiet ${p99(quietBefore, kind)} ms before, ${p99(quietAfter, kind)} ms after; bound 2 x ${baseline} ms`,
    };
  });
  t.diagnostic(lines.map((l) => l.line).join('; '));
  t.diagnostic(`attacker's answers: ${String(answers)}`);
  await t.test('every request of the shopper succeeded, under the attack and after it', () => {
    assert.deepEqual([...attacked.failures, ...quietAfter.failures.map((f) => `after: ${f}`)], []);
  });
  await t.test("each step kind's p99 under the attack is within 2x of quiet", () => {
    const over = lines.filter((l) => l.attacked > 2 * l.baseline).map((l) => l.line);
    assert.deepEqual(over, [], lines.map((l) => l.line).join('; '));
  });
}
