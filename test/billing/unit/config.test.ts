// The billing settings: their defaults, and the values refused at start with a clear message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.js';

const DATABASE_URL = 'postgres://u:p@127.0.0.1:5432/db';

test('the billing defaults: 256 MiB uploads, 2 at once, 64 event streams, 48 SMTP connections, no SMTP_URL', () => {
  const { billing } = loadConfig({ DATABASE_URL });
  assert.deepEqual(
    { ...billing },
    {
      uploadMaxBytes: 256 * 1024 * 1024, uploadsMax: 2, eventsMax: 64, smtpUrl: undefined, emailFrom: 'cobranca@crebitos.local', smtpConnections: 48,
      emailTimeoutMs: 10000, emailMaxAttempts: 5, emailBackoffBaseMs: 1000, emailBackoffMaxMs: 600000, pollMs: 200, jobLeaseMs: 60000,
    },
  );
  assert.ok(loadConfig({ DATABASE_URL }).modules.includes('billing'));
});

test('SMTP_URL must be smtp:// or smtps:// with a host', () => {
  assert.equal(loadConfig({ DATABASE_URL, SMTP_URL: 'smtp://127.0.0.1:2525' }).billing.smtpUrl, 'smtp://127.0.0.1:2525');
  assert.equal(loadConfig({ DATABASE_URL, SMTP_URL: 'smtps://user:pass@mail.example.com:465' }).billing.smtpUrl, 'smtps://user:pass@mail.example.com:465');
  for (const bad of ['http://x', 'smtp://', 'mail.example.com']) {
    assert.throws(() => loadConfig({ DATABASE_URL, SMTP_URL: bad }), (e: unknown) => e instanceof ConfigError && /SMTP_URL/.test(e.message), bad);
  }
});

test('the lease must exceed twice the e-mail timeout; the backoff base cannot exceed its cap; limits are bounded', () => {
  assert.throws(() => loadConfig({ DATABASE_URL, BILLING_JOB_LEASE_MS: '15000', BILLING_EMAIL_TIMEOUT_MS: '10000' }), /BILLING_JOB_LEASE_MS/);
  assert.throws(() => loadConfig({ DATABASE_URL, BILLING_EMAIL_BACKOFF_BASE_MS: '5000', BILLING_EMAIL_BACKOFF_MAX_MS: '100' }), /BILLING_EMAIL_BACKOFF_BASE_MS/);
  assert.throws(() => loadConfig({ DATABASE_URL, BILLING_UPLOAD_MAX_BYTES: '10' }), /BILLING_UPLOAD_MAX_BYTES/);
  assert.throws(() => loadConfig({ DATABASE_URL, BILLING_SMTP_CONNECTIONS: '0' }), /BILLING_SMTP_CONNECTIONS/);
  assert.throws(() => loadConfig({ DATABASE_URL, BILLING_EMAIL_FROM: 'not an address' }), /BILLING_EMAIL_FROM/);
});
