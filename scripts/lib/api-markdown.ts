// Renders the OpenAPI document as the project's API reference in Markdown (docs/API.md): one
// section per module (tag), each operation with its parameters, body and answers, then every
// schema with its fields. The document is the contract; this is only a way to read it.
import type { OpenApiDocument } from '../../src/kernel/openapi.js';

type Schema = Record<string, any>;

const GENERATED_NOTE =
  '<!-- Generated from the OpenAPI document by `npm run docs` (scripts/api-docs.ts); do not edit by hand: ' +
  'edit the routes\' operations and schemas in src/, then run it again. A test fails when this file is stale. -->';

export function renderApiMarkdown(document: OpenApiDocument): string {
  const info = document.info as { title: string; version: string; description: string };
  const tags = document.tags as { name: string; description: string }[];
  const schemas = document.components.schemas as Record<string, Schema>;
  const out: string[] = [GENERATED_NOTE, '', `# ${info.title} API reference (v${info.version})`, '', info.description, ''];
  out.push('The same document is served at `GET /openapi.json` and rendered at `GET /docs`.', '');
  out.push('## Contents', '');
  for (const tag of tags) out.push(`- [${tag.name}](#${tag.name})`);
  out.push('- [Schemas](#schemas)', '');

  for (const tag of tags) {
    out.push(`## ${tag.name}`, '', tag.description, '');
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (!operation.tags.includes(tag.name)) continue;
        out.push(`### \`${method.toUpperCase()} ${path}\`: ${operation.summary}`, '');
        if (operation.description) out.push(operation.description, '');
        const parameters = (operation.parameters ?? []) as Schema[];
        if (parameters.length > 0) {
          out.push('| parameter | in | rule |', '|---|---|---|');
          for (const p of parameters) out.push(`| \`${p.name}\` | ${p.in} | ${cell(p.description ?? describeType(p.schema))} |`);
          out.push('');
        }
        const body = (operation.requestBody as Schema | undefined)?.content?.['application/json']?.schema;
        if (body) out.push(`Body: ${schemaName(body)}.`, '');
        out.push('| status | meaning | body |', '|---|---|---|');
        for (const [status, response] of Object.entries(operation.responses) as [string, Schema][]) {
          const content = response.content as Record<string, Schema> | undefined;
          const bodyText = content === undefined ? '' : Object.entries(content).map(([type, c]) => (c.schema?.$ref ? schemaName(c.schema) : `\`${type}\``)).join(', ');
          out.push(`| ${status} | ${cell(response.description)} | ${bodyText} |`);
        }
        out.push('');
      }
    }
  }

  out.push('## Schemas', '');
  for (const [name, schema] of Object.entries(schemas)) {
    out.push(`### ${name}`, '');
    if (schema.description) out.push(schema.description, '');
    fieldTable(schema, '', out);
    if (schema.examples) out.push('Example:', '', '```json', JSON.stringify(schema.examples[0], null, 2), '```', '');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function fieldTable(schema: Schema, prefix: string, out: string[]): void {
  const rows: string[] = [];
  collectFields(schema, prefix, rows);
  if (rows.length === 0) return;
  out.push('| field | type | required | rule |', '|---|---|---|---|', ...rows, '');
}

function collectFields(schema: Schema, prefix: string, rows: string[]): void {
  const required = new Set<string>(schema.required ?? []);
  for (const [name, field] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const path = prefix + name;
    rows.push(`| \`${path}\` | ${describeType(field)} | ${required.has(name) ? 'yes' : 'no'} | ${cell(field.description ?? '')} |`);
    if (field.type === 'object') collectFields(field, `${path}.`, rows);
    if (field.type === 'array' && field.items?.type === 'object') collectFields(field.items, `${path}[].`, rows);
  }
}

function describeType(schema: Schema | undefined): string {
  if (schema === undefined) return '';
  if (schema.$ref) return schemaName(schema);
  const parts: string[] = [schema.type === 'array' ? `array of ${describeType(schema.items)}` : String(schema.type)];
  if (schema.enum) parts.push(`one of ${schema.enum.map((v: unknown) => `\`${JSON.stringify(v)}\``).join(', ')}`);
  if (schema.const !== undefined) parts.push(`always \`${JSON.stringify(schema.const)}\``);
  if (schema.format) parts.push(schema.format);
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`${schema.minimum ?? ''}..${schema.maximum ?? ''}`);
  if (schema.minLength !== undefined || schema.maxLength !== undefined) parts.push(`length ${schema.minLength ?? 0}..${schema.maxLength ?? ''}`);
  if (schema.maxItems !== undefined) parts.push(`at most ${schema.maxItems}`);
  if (schema.pattern) parts.push(`\`${schema.pattern}\``);
  return parts.join(', ');
}

function schemaName(schema: Schema): string {
  const name = String(schema.$ref ?? '').replace('#/components/schemas/', '');
  return name === '' ? describeType(schema) : `[${name}](#${name.toLowerCase()})`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
