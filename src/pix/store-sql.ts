// The SQL texts the pix store sends, each a call of one function of sql/functions/pix/.
// Exported once: the benchmarks and tests send exactly these.
export const GENERATE_MESSAGES = 'SELECT pix_generate_messages($1, $2) AS created';
export const START_STREAM = 'SELECT status, stream_id FROM pix_start_stream($1, $2, $3::interval)';
export const PULL = 'SELECT status, pull_no, claimed, messages, acknowledged, expired FROM pix_pull($1, $2, $3, $4, $5::interval)';
export const PULL_BATCH =
  'SELECT item, status, pull_no, claimed, messages, acknowledged, expired FROM pix_pull_batch($1::bigint[], $2::text[], $3::int[], $4::int[], $5::interval[])';
export const RELEASE_PULL = 'SELECT pix_release_pull($1, $2) AS released';
export const CLOSE_STREAM = 'SELECT status, acknowledged FROM pix_close_stream($1, $2, $3)';
export const EXPIRE_ALL = 'SELECT pix_expire_streams(NULL) AS released';
/** Open (unexpired) streams of every ISPB, for the metrics. */
export const OPEN_STREAMS = 'SELECT count(*)::int AS open FROM pix_streams WHERE expires_at >= now()';
/** Open streams per ISPB, the ISPBs with the most first (for the metrics; $1 bounds the series). */
export const OPEN_STREAMS_BY_ISPB = 'SELECT ispb, count(*)::int AS open FROM pix_streams WHERE expires_at >= now() GROUP BY ispb ORDER BY open DESC, ispb LIMIT $1';
/** The channel every message insert, release and expiry notifies, with the ISPB as payload. */
export const CHANNEL = 'pix';
