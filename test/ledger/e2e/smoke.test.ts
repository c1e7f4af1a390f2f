// The topology really runs: nginx in front of two instances on a real database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertLedgerConsistent } from '../../helpers/ledger-invariant.js';
import { getStatement, postTransaction } from '../../helpers/http.js';
import { installContract, OpenApiContract } from '../../helpers/openapi-contract.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';

let env: TestStack;
before(async () => {
  env = await startTestStack('smoke');
  installContract(await OpenApiContract.fetch(env.url));
});
after(async () => {
  await env?.stop();
});

test('nginx balances over two running instances that share one database', async () => {
  assert.equal(env.stack.loadBalancer, 'nginx');
  assert.equal(env.stack.instances.length, 2);
  const credit = await postTransaction(env.url, 1, { valor: 5, tipo: 'c', descricao: 'smoke' });
  assert.equal(credit.status, 200);
  assert.deepEqual(credit.json, { limite: 100000, saldo: 5 });
  // Round-robin: the next two requests land on different instances; both see the write.
  for (let i = 0; i < 2; i++) {
    const statement = await getStatement(env.url, 1);
    assert.equal(statement.status, 200);
    assert.equal(statement.json.saldo.total, 5);
  }
  await assertLedgerConsistent(env.db.pool);
});

test('without nginx, the two instances share the public port through SO_REUSEPORT', async () => {
  const shared = await startTestStack('reuseport', { loadBalancer: 'reuseport' });
  try {
    assert.equal(shared.stack.loadBalancer, 'reuseport');
    assert.deepEqual(shared.stack.instances.map((instance) => instance.port), [shared.port, shared.port]);
    const results = await Promise.all(Array.from({ length: 20 }, () => postTransaction(shared.url, 2, { valor: 1, tipo: 'c', descricao: 'rp' })));
    assert.ok(results.every((response) => response.status === 200));
    assert.equal((await getStatement(shared.url, 2)).json.saldo.total, 20);
    await assertLedgerConsistent(shared.db.pool);
  } finally {
    await shared.stop();
  }
});
