// The request histogram is kept in arrays on the hot path and exposed through prom-client's
// registry: its text must be exactly what a prom-client Histogram writes for the same requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import client from 'prom-client';
import { LATENCY_BUCKETS, Metrics, SeriesHistogram } from '../../../src/kernel/metrics.js';

test('the hand-kept request histogram writes the same exposition as prom-client for the same observations', async () => {
  const ours = new client.Registry();
  const theirs = new client.Registry();
  const name = 'crebitos_http_request_duration_seconds';
  const help = 'Requests.';
  const fast = new SeriesHistogram(name, help, ours);
  const reference = new client.Histogram({ name, help, labelNames: ['method', 'route', 'status_class'], buckets: LATENCY_BUCKETS, registers: [theirs] });
  const labels = [
    { method: 'POST', route: '/clientes/{id}/transacoes', status_class: '2xx' },
    { method: 'POST', route: '/clientes/{id}/transacoes', status_class: '4xx' },
    { method: 'GET', route: '/clientes/{id}/extrato', status_class: '2xx' },
  ];
  const series = labels.map((l) => fast.newSeries(l));
  fast.newSeries({ method: 'GET', route: '/never', status_class: '5xx' }); // never observed: not written
  const samples = [0.0001, 0.0005, 0.0007, 0.001, 0.003, 0.02, 0.3, 2, 11, 0.25];
  samples.forEach((seconds, i) => {
    series[i % 3]!.observe(seconds);
    reference.labels(labels[i % 3]!).observe(seconds);
  });
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('a route timer files each answer under its status class', async () => {
  const metrics = new Metrics(true);
  const timer = metrics.routeTimer('GET', '/health')!;
  timer.observe('200 OK', 0.4);
  timer.observe('503 Service Unavailable', 2);
  timer.observe('200 OK', 1.5);
  const text = await metrics.text();
  assert.match(text, /crebitos_http_request_duration_seconds_count\{method="GET",route="\/health",status_class="2xx"\} 2/);
  assert.match(text, /crebitos_http_request_duration_seconds_count\{method="GET",route="\/health",status_class="5xx"\} 1/);
  assert.match(text, /crebitos_http_request_duration_seconds_bucket\{le="0.0005",method="GET",route="\/health",status_class="2xx"\} 1/);
  assert.equal(new Metrics(false).routeTimer('GET', '/health'), undefined, 'METRICS=false: no timer, nothing on the hot path');
});
