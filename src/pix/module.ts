// The pix module: the Pix message streams of spec part E (the Beeteller/Blockfy challenge's
// shape). Its four routes with their OpenAPI operations, the store and its LISTEN connection,
// the periodic lease sweep, and its metrics.
import type { Module, ModuleContext } from '../kernel/module.js';
import { log } from '../kernel/log.js';
import { errorResponse, schemaRef } from '../kernel/openapi.js';
import { PIX_SCHEMAS } from './schemas.js';
import { PgPixStore, PixListener } from './store.js';
import { PixStreams } from './use-cases.js';

const ISPB = {
  name: 'ispb',
  in: 'path',
  required: true,
  description: 'The receiving institution: exactly 8 digits (leading zeros count). Anything else is answered 400.',
  schema: { type: 'string', pattern: '^[0-9]{8}$', examples: ['32074986'] },
} as const;

const INTERATION_ID = {
  name: 'interationId',
  in: 'path',
  required: true,
  description:
    'Taken from the previous answer\'s `Pull-Next`: `<stream>-<pull>`, the stream and the number of the last pull whose ' +
    'answer the collector received. Unknown, closed or expired streams (and ids of another ISPB) are answered 404.',
  schema: { type: 'string', pattern: '^[1-9][0-9]*-[0-9]+$', examples: ['17-3'] },
} as const;

const ACCEPT = {
  name: 'Accept',
  in: 'header',
  required: false,
  description: '`application/json` (or none): one message, as an object. `multipart/json`: up to 10 messages, as an array.',
  schema: { type: 'string', enum: ['application/json', 'multipart/json'] },
} as const;

const PULL_NEXT = {
  'Pull-Next': {
    description: 'The path of the next pull of this stream: `/api/pix/{ispb}/stream/{interationId}`.',
    schema: { type: 'string', examples: ['/api/pix/32074986/stream/17-4'] },
  },
} as const;

const MESSAGES_200 = {
  description: 'Messages for the ISPB, now received by this stream (and by no other). Acknowledged by the next pull or the DELETE.',
  headers: PULL_NEXT,
  content: {
    'application/json': { schema: schemaRef('MensagemPix') },
    'multipart/json': { schema: schemaRef('MensagensPix') },
  },
} as const;

const NONE_204 = { description: `No message arrived within the wait (8 s, PIX_POLL_WAIT_MS).`, headers: PULL_NEXT } as const;

const TAG = {
  name: 'pix',
  description: `Pix message streams: how a receiving institution, named by its ISPB (8 digits), collects the Pix
messages addressed to it (the shape of the Beeteller/Blockfy Pix challenge).

- \`POST /api/util/msgs/{ispb}/{number}\` creates \`number\` (1 to 10,000) random messages for that
  receiver, committed in one statement, and answers \`201\`.
- \`GET /api/pix/{ispb}/stream/start\` opens a stream and pulls at once; \`GET
  /api/pix/{ispb}/stream/{interationId}\` pulls the stream's next messages. Both answer \`200\` with
  messages, or \`204\` after waiting up to 8 s with none arriving; both always carry a \`Pull-Next\`
  header with the path of the next pull. With \`Accept: application/json\` (or no Accept) an answer
  holds one message, as an object; with \`Accept: multipart/json\`, up to 10, as an array.
- **Long polling.** A waiting pull answers as soon as a message for its ISPB is committed, by any
  instance: the commit notifies (PostgreSQL LISTEN/NOTIFY) and the waiting pulls claim at once;
  nothing sleeps and re-queries.
- **Acknowledgement.** A pull acknowledges what the previous pull of the same stream received;
  \`DELETE /api/pix/{ispb}/stream/{interationId}\` acknowledges what the stream received and closes
  it (\`200 {}\`). A message is acknowledged only then, never when it is sent. The interationId
  carries the number of the last pull whose answer the collector got: pulling again with the
  same id (the answer was lost, e.g. an instance died) gives back what the lost answer held, so it
  can be delivered again, to this stream or another.
- **At most 6 open streams per ISPB** (\`PIX_MAX_STREAMS\`): the 7th start gets \`429\`, also when
  many starts race; the limit is kept by the database.
- **Exactly once, and the one redelivery.** A message is never delivered twice nor in two
  streams, with one documented exception: a stream that nobody pulls for its lease
  (\`PIX_STREAM_LEASE_S\`, default 60 s, counted from the end of its latest pull) is closed by the
  service; its slot is freed and the messages it received but did not acknowledge become
  available again, to be delivered to another stream.
- An unknown or closed \`interationId\` is \`404\`; an ISPB that is not 8 digits is \`400\`.`,
} as const;

/** ISPBs shown by the per-ISPB open-streams gauge: each is a series every scraper keeps. */
const OPEN_STREAMS_SERIES_MAX = 100;

export function createPixModule(context: ModuleContext): Module {
  const { config, metrics, pool } = context;
  const pullBatchSize = metrics.histogram(
    'crebitos_pix_call_pulls',
    'Pulls per database call: 1 through pix_pull(), more through pix_pull_batch() (natural batching).',
    [1, 2, 4, 8, 16, 32, 64],
  );
  const store = new PgPixStore(
    pool,
    { callsInFlight: config.pixPullCallsInFlight, batchMax: config.batchMax, queueMax: config.queueMax },
    (size) => pullBatchSize.observe(size),
  );
  const delivered = metrics.counter('crebitos_pix_messages_delivered_total', 'Messages sent to a stream in a 200.');
  const acknowledged = metrics.counter('crebitos_pix_messages_acknowledged_total', 'Messages acknowledged by a pull or a DELETE.');
  const expired = metrics.counter('crebitos_pix_messages_redelivered_total', 'Messages made available again because their stream\'s lease expired.');
  const released = metrics.counter('crebitos_pix_messages_released_total', 'Messages claimed for a pull whose client went away before the answer, made available again.');
  const wakeUp = metrics.histogram(
    'crebitos_pix_wakeup_seconds',
    'From a NOTIFY\'s arrival to the answer of a pull it woke (with messages).',
    [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  const streams = new PixStreams(
    store,
    { waitMs: config.pixPollWaitMs, leaseS: config.pixStreamLeaseS, maxStreams: config.pixMaxStreams },
    {
      delivered: (n) => delivered.inc(n),
      acknowledged: (n) => acknowledged.inc(n),
      expired: (n) => expired.inc(n),
      released: (n) => released.inc(n),
      wokenUp: (ms) => wakeUp.observe(ms / 1000),
    },
  );
  const listener = new PixListener(config.databaseUrl, { onNotify: (ispb) => streams.wake(ispb), onListening: () => streams.wakeAll() }, config.dbConnectTimeoutMs);
  metrics.gauge('crebitos_pix_polls', 'Pulls in progress on this instance (claiming, or waiting for a message).', () => streams.polls);
  metrics.asyncGauge('crebitos_pix_open_streams', 'Open (unexpired) streams of every ISPB, read from the database at scrape time.', () => store.openStreams());
  metrics.labeledAsyncGauge(
    'crebitos_pix_ispb_open_streams',
    `Open streams per ISPB, read from the database at scrape time: the ${OPEN_STREAMS_SERIES_MAX} ISPBs with the most (a bounded set of series).`,
    'ispb',
    () => store.openStreamsByIspb(OPEN_STREAMS_SERIES_MAX),
  );
  metrics.gauge('crebitos_pix_listening', '1 while the LISTEN connection is up.', () => (listener.listening ? 1 : 0));

  // Streams also expire inside every start and pull of their ISPB; the sweep closes those of an
  // ISPB nobody pulls any more, so a vanished collector's messages come back and its slot frees.
  let sweep: NodeJS.Timeout | undefined;
  const sweepEveryMs = Math.max(1000, Math.floor((config.pixStreamLeaseS * 1000) / 2));

  return {
    name: 'pix',
    tag: TAG,
    schemas: PIX_SCHEMAS,
    async start() {
      await listener.start();
      sweep = setInterval(() => {
        store.expireAll().then(
          (released) => {
            if (released > 0) expired.inc(released);
          },
          () => {}, // reported by the store; the next sweep tries again
        );
      }, sweepEveryMs);
      sweep.unref();
    },
    pending: () => streams.polls,
    drain() {
      clearInterval(sweep);
      streams.drain();
      listener.stop();
      log.debug('pix: drained');
    },
    routes: [
      {
        method: 'post',
        path: '/api/util/msgs/{ispb}/{number}',
        operation: {
          operationId: 'pixGenerateMessages',
          summary: 'Create random messages for a receiver',
          description:
            'Creates `number` (1 to 10,000) random Pix messages addressed to `ispb`, in one statement and one commit, and wakes ' +
            'the pulls waiting for that ISPB on every instance. Answered after the commit. No body is read.',
          parameters: [
            ISPB,
            { name: 'number', in: 'path', required: true, description: '1 to 10,000, digits only. Anything else is 400.', schema: { type: 'string', pattern: '^[1-9][0-9]{0,4}$', examples: ['100'] } },
          ],
          responses: {
            201: { description: 'Created and committed.', content: { 'application/json': { schema: schemaRef('MensagensCriadas') } } },
            400: errorResponse('The ISPB is not 8 digits, or the number is not 1 to 10,000.'),
            405: errorResponse('Another method than POST on this path.'),
            503: errorResponse('The database is unreachable; nothing was created unless the commit happened before the failure.'),
          },
        },
        handler(_res, req, responder) {
          streams.generate(req.getParameter(0), req.getParameter(1), responder);
        },
      },
      {
        method: 'get',
        path: '/api/pix/{ispb}/stream/start',
        operation: {
          operationId: 'pixStartStream',
          summary: 'Open a stream and pull',
          description:
            'Opens a stream for the ISPB (at most 6 open at once: the 7th is 429) and pulls its first messages: 200 with messages, ' +
            'or 204 after waiting up to 8 s with none arriving. Messages committed during the wait are answered at once.',
          parameters: [ISPB, ACCEPT],
          responses: {
            200: MESSAGES_200,
            204: NONE_204,
            400: errorResponse('The ISPB is not 8 digits.'),
            405: errorResponse('Another method than GET on this path.'),
            429: errorResponse('The ISPB has 6 open streams already. Retry later, or close one.'),
            503: errorResponse('The database is unreachable.'),
          },
        },
        handler(_res, req, responder) {
          streams.start(req.getParameter(0), req.getHeader('accept'), responder);
        },
      },
      {
        method: 'get',
        path: '/api/pix/{ispb}/stream/{interationId}',
        operation: {
          operationId: 'pixPull',
          summary: 'Pull a stream\'s next messages',
          description:
            'Acknowledges what the previous pull of this stream received, then answers the next messages: 200 with messages, or ' +
            '204 after waiting up to 8 s with none arriving; a message committed during the wait, by any instance, is answered at ' +
            'once. Each message goes to exactly one stream.',
          parameters: [ISPB, INTERATION_ID, ACCEPT],
          responses: {
            200: MESSAGES_200,
            204: NONE_204,
            400: errorResponse('The ISPB is not 8 digits.'),
            404: errorResponse('No such open stream: unknown, closed, expired, or of another ISPB.'),
            405: errorResponse('Another method than GET or DELETE on this path.'),
            503: errorResponse('The database is unreachable; nothing was acknowledged, pull again with the same id.'),
          },
        },
        handler(_res, req, responder) {
          streams.pull(req.getParameter(0), req.getParameter(1), req.getHeader('accept'), responder);
        },
      },
      {
        method: 'delete',
        path: '/api/pix/{ispb}/stream/{interationId}',
        operation: {
          operationId: 'pixCloseStream',
          summary: 'Acknowledge and close a stream',
          description:
            'Acknowledges what the stream received and closes it: its slot is free at once and its id answers 404 from now on. ' +
            'Messages claimed by a pull whose answer the collector did not get (a later pull than the id names) become available again.',
          parameters: [ISPB, INTERATION_ID],
          responses: {
            200: { description: 'Closed.', content: { 'application/json': { schema: schemaRef('StreamEncerrado') } } },
            400: errorResponse('The ISPB is not 8 digits.'),
            404: errorResponse('No such open stream: unknown, closed, expired, or of another ISPB.'),
            503: errorResponse('The database is unreachable; the stream is unchanged unless the commit happened before the failure.'),
          },
        },
        handler(_res, req, responder) {
          streams.close(req.getParameter(0), req.getParameter(1), responder);
        },
      },
    ],
  };
}
