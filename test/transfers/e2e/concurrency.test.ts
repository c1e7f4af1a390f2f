// Transfers under concurrency, through nginx and both instances: opposite pairs at once never
// deadlock towards a client, no balance goes below 0, the sum is unchanged, every 201 is exactly
// one transfer; a payer sending more than it has from many connections gets exactly what fits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertLedgerConsistent } from '../../helpers/ledger-invariant.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';
import { createUser, deposit, inParallel, transfer, userBalances, type TestUser } from '../../helpers/transfers.js';

const USERS = 50;
const TRANSFERS = 2000;
const IN_FLIGHT = 200;
const START_CENTS = 2_000;

let env: TestStack;
before(async () => {
  env = await startTestStack('transfer_concurrency', { mockServices: true, apiEnv: { PASSWORD_SCRYPT_LOG_N: '10', DB_POOL_SIZE: '6' } });
});
after(async () => {
  if (env) await assertLedgerConsistent(env.db.pool);
  await env?.stop();
});

test('2,000 concurrent transfers among 50 users with opposite pairs: no deadlock reaches a client, no balance below 0, the sum unchanged, every 201 one transfer', async () => {
  const users: TestUser[] = await inParallel(USERS, 10, () => createUser(env.url));
  await inParallel(USERS, 10, (i) => deposit(env.url, users[i]!, START_CENTS));
  const before = await userBalances(env.db.pool);
  // Pairs (a, b) and (b, a) alternate, so opposite transfers are in flight together.
  const answers = await inParallel(TRANSFERS, IN_FLIGHT, (i) => {
    const a = (i >> 1) % USERS;
    const b = (a + 1 + ((i * 7) % (USERS - 1))) % USERS;
    const [payer, payee] = i % 2 === 0 ? [users[a]!, users[b]!] : [users[b]!, users[a]!];
    // 0.01 to 3.00: most fit, some do not (a balance near 0 refuses them).
    return transfer(env.url, payer, { value: (1 + (i % 300)) / 100, payer: payer.id, payee: payee.id });
  });
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  assert.ok(answers.every((a) => a.status === 201 || a.status === 422), `only 201 or 422 (insufficient balance): ${JSON.stringify(counts)}`);
  const created = answers.filter((a) => a.status === 201).map((a) => a.json.id as number);
  assert.equal(new Set(created).size, created.length, 'every 201 names its own transfer');
  const { rows } = await env.db.pool.query('SELECT count(*)::int AS n FROM transfers t JOIN users u ON u.id = t.payer WHERE u.id = ANY($1)', [users.map((u) => u.id)]);
  assert.equal(rows[0].n, created.length, 'as many transfers as 201s');
  const { rows: found } = await env.db.pool.query('SELECT count(*)::int AS n FROM transfers WHERE id = ANY($1)', [created]);
  assert.equal(found[0].n, created.length, 'each 201 is a stored transfer');
  const after = await userBalances(env.db.pool);
  assert.equal(after.sum, before.sum, 'transfers move money, they never create or destroy it');
  assert.ok(after.min >= 0, `no balance below 0 (lowest ${after.min})`);
  const { rows: lines } = await env.db.pool.query("SELECT count(*)::int AS n FROM transacoes WHERE descricao ~ '^[<>]'");
  assert.equal(lines[0].n, 2 * created.length, 'two statement lines per transfer');
  console.log(`${TRANSFERS} transfers, ${IN_FLIGHT} in flight: ${JSON.stringify(counts)}`);
});

test('a payer sending more than it has from many connections at once gets exactly what fits', async () => {
  const payer = await createUser(env.url);
  const payees = await inParallel(5, 5, () => createUser(env.url));
  await deposit(env.url, payer, 1000);
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => transfer(env.url, payer, { value: 1, payer: payer.id, payee: payees[i % 5]!.id })));
  assert.equal(answers.filter((a) => a.status === 201).length, 10, '10 transfers of 1.00 fit in 10.00');
  assert.equal(answers.filter((a) => a.status === 422).length, 50);
  const { rows } = await env.db.pool.query('SELECT saldo::int AS saldo FROM clientes WHERE id = $1', [payer.id]);
  assert.equal(rows[0].saldo, 0);
});
