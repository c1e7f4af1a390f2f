// The API reference in the repository is the OpenAPI document, rendered: never a second copy
// that can drift from it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { apiDocument } from '../../../scripts/lib/api-document.js';
import { renderApiMarkdown } from '../../../scripts/lib/api-markdown.js';

const API_MARKDOWN = new URL('../../../../docs/API.md', import.meta.url);

test('docs/API.md is the OpenAPI document rendered (run `npm run docs` after changing an operation)', async () => {
  const rendered = renderApiMarkdown(await apiDocument());
  assert.equal(await readFile(API_MARKDOWN, 'utf8'), rendered);
});

test('the document of every module is valid OpenAPI 3.1, with every status answer described', async () => {
  const document = await apiDocument();
  const validator = new Validator();
  const result = await validator.validate(document as never);
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      assert.ok(operation.summary && operation.operationId, `${method} ${path} has a summary and an operationId`);
      for (const [status, response] of Object.entries(operation.responses)) assert.ok(response.description, `${method} ${path} ${status} is described`);
    }
  }
});

test('nothing in the API reference links outside the repository', async () => {
  const text = await readFile(API_MARKDOWN, 'utf8');
  assert.doesNotMatch(text, /\.\.\/shared|https?:\/\//);
});
