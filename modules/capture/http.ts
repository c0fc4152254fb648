import { createWriteStream, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actsAsAdmin, hasScope } from '#server/actor.ts';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '#server/errors.ts';
import type { HttpDeps } from '#server/module.ts';
import { CaptureError } from './errors.ts';
import { MAX_PAGE_UPLOAD_BYTES } from './schemas.ts';

const importQuery = z.object({ email: z.email().optional() });
const blobParams = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) });
/** Types a browser may show inline from our origin; anything else (SVG, HTML, PDF…) is a download. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

/** `POST /api/v1/import`: a multipart upload of an export, streamed to disk, then imported by a job. */
export function registerCaptureRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // `POST /api/v1/capture` as multipart (fields url + html, for large pages): turned into the same
  // JSON body the REST procedure takes, so one code path validates and queues both.
  app.addHook('preValidation', async (request, reply) => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== '/api/v1/capture' || !request.isMultipart()) return;
    // Who is asking comes first: nothing of an anonymous or unauthorized upload is read.
    const actor = await deps.actorOf(request, reply);
    if (!actor) throw new UnauthenticatedError('AUTH_REQUIRED');
    if (!hasScope(actor, 'capture:write')) throw new ForbiddenError('AUTH_SCOPE_MISSING', "This API key lacks the 'capture:write' scope", { scope: 'capture:write' });
    const fields: Record<string, string> = {};
    try {
      // Two fields at most: `url` (small) and `html` (a file part, or a field, up to the page limit).
      for await (const part of request.parts({ limits: { fileSize: MAX_PAGE_UPLOAD_BYTES, files: 1, fields: 2, fieldSize: MAX_PAGE_UPLOAD_BYTES, parts: 2 } })) {
        fields[part.fieldname] = part.type === 'file' ? (await part.toBuffer()).toString('utf8') : String(part.value);
      }
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 413) throw new CaptureError('TOO_LARGE', `The page is larger than ${MAX_PAGE_UPLOAD_BYTES / 1024 / 1024} MB`);
      throw new CaptureError('INVALID_CONTENT', `The upload could not be read: ${(error as Error).message}`);
    }
    request.body = { url: fields.url ?? '', ...(fields.html !== undefined ? { html: fields.html } : {}) };
    request.headers['content-type'] = 'application/json';
  });

  // `GET /api/v1/blobs/:sha256`: an image or file of the caller's own conversations (content-addressed).
  app.get('/api/v1/blobs/:sha256', async (request, reply) => {
    const actor = await deps.actorOf(request, reply);
    if (!actor) throw new UnauthenticatedError('AUTH_REQUIRED');
    if (!hasScope(actor, 'read')) throw new ForbiddenError('AUTH_SCOPE_MISSING', "This API key lacks the 'read' scope", { scope: 'read' });
    const params = blobParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('CAPTURE_BLOB_NOT_FOUND');
    const blob = await deps.services.capture.blobOf(actor.userId, params.data.sha256);
    const type = blob.mimeType && INLINE_TYPES.has(blob.mimeType.toLowerCase()) ? blob.mimeType.toLowerCase() : null;
    return reply
      .header('content-type', type ?? 'application/octet-stream')
      .header('content-disposition', type ? 'inline' : `attachment; filename="${params.data.sha256.slice(0, 12)}"`)
      .header('content-length', blob.size)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('x-content-type-options', 'nosniff')
      .send(deps.services.capture.blobs.open(params.data.sha256));
  });

  app.post('/api/v1/import', async (request, reply) => {
    const actor = await deps.actorOf(request, reply);
    if (!actor) throw new UnauthenticatedError('AUTH_REQUIRED');
    if (!hasScope(actor, 'write')) throw new ForbiddenError('AUTH_SCOPE_MISSING', "This API key lacks the 'write' scope", { scope: 'write' });
    deps.limiter.hit(`capture:user:${actor.userId}`, deps.config.capture.rateLimitPerMinute);
    const query = importQuery.safeParse(request.query);
    if (!query.success) throw new CaptureError('INVALID_URL', 'email must be an email address');
    let ownerId = actor.userId;
    if (query.data.email) {
      if (!actsAsAdmin(actor)) throw new ForbiddenError('AUTH_ADMIN_REQUIRED', 'Only administrators (with the admin scope) import for another user');
      ownerId = (await deps.services.auth.findByEmail(query.data.email.toLowerCase())).id;
    }
    if (!request.isMultipart()) throw new CaptureError('INVALID_CONTENT', 'Send the export as multipart/form-data with a "file" field');
    const file = await request.file({ limits: { fileSize: deps.config.capture.maxUploadBytes, files: 1 } });
    if (!file) throw new CaptureError('INVALID_CONTENT', 'No file in the upload');
    const target = deps.services.capture.importer.uploadPath();
    try {
      await pipeline(file.file, createWriteStream(target));
    } catch (error) {
      rmSync(target, { force: true });
      throw error;
    }
    if (file.file.truncated) {
      rmSync(target, { force: true });
      throw new CaptureError('TOO_LARGE', `The file is larger than ${Math.round(deps.config.capture.maxUploadBytes / 1024 / 1024)} MB`);
    }
    const created = await deps.services.capture.importer.create(ownerId, { path: target, fileName: file.filename || 'upload' });
    return reply.code(202).send(created);
  });
}
