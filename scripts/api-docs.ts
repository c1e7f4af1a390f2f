// `npm run docs`: renders docs/API.md from the OpenAPI document of every module.
import { writeFile } from 'node:fs/promises';
import { apiDocument } from './lib/api-document.js';
import { renderApiMarkdown } from './lib/api-markdown.js';

export const API_MARKDOWN = new URL('../../docs/API.md', import.meta.url);

const markdown = renderApiMarkdown(await apiDocument());
await writeFile(API_MARKDOWN, markdown);
process.stderr.write(`wrote ${API_MARKDOWN.pathname} (${markdown.length} characters)\n`);
