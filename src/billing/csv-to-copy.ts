// A CSV file's bytes in, the staging table's COPY lines (text format) out, as a Transform stream:
// pipeline() carries the backpressure from Postgres back to the socket, so memory stays bounded
// whatever the file's size. Parsing is papaparse's RFC 4180 parser (quotes, doubled quotes,
// quoted newlines, CRLF or LF), fed chunk by chunk: each chunk is parsed up to its last complete
// record and the rest waits for the next one (papaparse's own stream readers keep an unbounded
// queue and decode chunks without regard to split UTF-8 characters, hence this loop). It also
// hashes the bytes (SHA-256: the same file sent twice), counts bytes and rows, and numbers lines
// with the header as line 1 (a record starts on the line its first character is on).
import { createHash, type Hash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import Papa from 'papaparse';
import { extraLines, invalidStagingLine, isBlankRecord, isExpectedHeader, rowProblem, validStagingLine } from './csv-rows.js';

/**
 * Input is parsed this many bytes at a time: uWS hands over up to 512 KiB at once, and the rows of
 * a piece (papaparse's arrays and strings, the COPY text) are all alive until the piece is done.
 * Measured on the 1.1M-row file in a plain process: peak RSS +75 MiB with 512 KiB pieces, +43 MiB
 * with 16 KiB ones, at the same speed.
 */
const PIECE_BYTES = 16 * 1024;

/** A record longer than this is refused with the whole file (an unterminated quote, most likely). */
export const MAX_RECORD_CHARS = 64 * 1024;

/** The file cannot be imported at all (no header, wrong header, broken quoting): answered 422. */
export class CsvFileError extends Error {
  constructor(
    readonly kind: 'header' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'CsvFileError';
  }
}

interface PapaParser {
  parse(input: string, baseIndex: number, ignoreLastRow: boolean): Papa.ParseResult<string[]>;
}
const PapaParserClass = (Papa as unknown as { Parser: new (config: object) => PapaParser }).Parser;

export class CsvToCopy extends Transform {
  /** Bytes of the file seen so far. */
  bytes = 0;
  /** Data records seen so far (blank lines and the header are not rows). */
  rows = 0;
  invalid = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly decoder = new StringDecoder('utf8');
  private parser: PapaParser | undefined;
  private partial = '';
  private headerSeen = false;
  private nextLine = 1;

  constructor() {
    super({ readableHighWaterMark: 64 * 1024 });
  }

  /** The file's SHA-256, once the stream has ended. */
  sha256(): Buffer {
    return this.hash.digest();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.byteLength;
    this.hash.update(chunk);
    for (let start = 0; start < chunk.byteLength; start += PIECE_BYTES) {
      const out = this.tryFeed(this.decoder.write(chunk.subarray(start, start + PIECE_BYTES)), false);
      if (out instanceof Error) return callback(out);
      if (out !== '') this.push(Buffer.from(out, 'utf8'));
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.run(this.decoder.end(), true, callback);
  }

  private run(text: string, final: boolean, callback: TransformCallback): void {
    const out = this.tryFeed(text, final);
    if (out instanceof Error) return callback(out);
    if (out !== '') this.push(Buffer.from(out, 'utf8'));
    callback();
  }

  private tryFeed(text: string, final: boolean): string | Error {
    try {
      return this.feed(text, final);
    } catch (error) {
      return error as Error;
    }
  }

  private feed(text: string, final: boolean): string {
    const input = this.partial + text;
    if (this.parser === undefined) {
      const firstBreak = input.indexOf('\n');
      if (firstBreak === -1 && !final) {
        this.keepPartial(input);
        return '';
      }
      // The header's line ending is the file's.
      const newline = firstBreak > 0 && input.charCodeAt(firstBreak - 1) === 13 ? '\r\n' : '\n';
      this.parser = new PapaParserClass({ delimiter: ',', newline, quoteChar: '"', escapeChar: '"' });
    }
    if (input === '') {
      if (final && !this.headerSeen) throw new CsvFileError('header', 'arquivo vazio: falta o cabeçalho');
      return '';
    }
    const result = this.parser.parse(input, 0, !final);
    this.keepPartial(final ? '' : input.slice(result.meta.cursor));
    const broken = new Map<number, string>();
    for (const error of result.errors) {
      if (error.row === undefined) continue;
      if (error.code === 'MissingQuotes') throw new CsvFileError('malformed', `campo entre aspas sem fechamento a partir da linha ${this.nextLine}`);
      broken.set(error.row, error.message);
    }
    let out = '';
    const records = result.data;
    for (let i = 0; i < records.length; i++) {
      const fields = records[i]!;
      if (!this.headerSeen) {
        if (!isExpectedHeader(fields)) throw new CsvFileError('header', 'cabeçalho inesperado');
        this.headerSeen = true;
        this.nextLine = 2;
        continue;
      }
      const line = this.nextLine;
      if (isBlankRecord(fields)) {
        this.nextLine++;
        continue;
      }
      this.rows++;
      const problem = broken.has(i) ? `CSV malformado: ${broken.get(i)}` : rowProblem(fields);
      if (problem === undefined) {
        this.nextLine++;
        out += validStagingLine(line, fields);
      } else {
        // Only a refused record can hold a quoted newline (no valid field contains one).
        this.nextLine += 1 + extraLines(fields);
        this.invalid++;
        out += invalidStagingLine(line, problem);
      }
    }
    if (final && !this.headerSeen) throw new CsvFileError('header', 'arquivo vazio: falta o cabeçalho');
    return out;
  }

  private keepPartial(rest: string): void {
    if (rest.length > MAX_RECORD_CHARS) {
      throw new CsvFileError('malformed', `registro com mais de ${MAX_RECORD_CHARS} caracteres a partir da linha ${this.nextLine} (aspas sem fechamento?)`);
    }
    this.partial = rest;
  }
}
