import { defineProvider, PROVIDER_API_VERSION } from '../sdk/index.ts';
import { PROVIDER_ID } from './convert.ts';
import { detectExport, importExport } from './import.ts';

/** The generic provider has no site: this reserved name (RFC 2606 `.invalid`) satisfies the manifest and matches nothing. */
export const HOST = 'import.vivim.invalid';

/** Files only: no URL is a generic share link. */
function matchShareUrl(_url: URL): null {
  return null;
}

/**
 * Generic import: conversations from files other tools write (VIVIM JSON and VIVIM's own export,
 * OpenAI-style message lists, JSON Lines, Markdown transcripts), recognised by content. No share
 * pages. See README.md. Register it after the providers with their own export formats.
 */
export default defineProvider({
  id: PROVIDER_ID,
  name: 'Generic import',
  apiVersion: PROVIDER_API_VERSION,
  version: '1.0.0',
  hosts: [HOST],
  matchShareUrl,
  detectExport,
  importExport,
});
