// Uploads an export file with XMLHttpRequest, whose upload progress events fetch() lacks.

export interface ImportStarted {
  importId: string;
  jobId: string;
}

export class UploadError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface UploadHandle {
  done: Promise<ImportStarted>;
  abort(): void;
}

/** Reads `{ error: { code, message } }` (REST errors) from a response body. */
export function uploadErrorOf(status: number, body: string): UploadError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') return new UploadError(parsed.error.code, typeof parsed.error.message === 'string' ? parsed.error.message : parsed.error.code);
  } catch {
    // not JSON: fall through
  }
  if (status === 401) return new UploadError('UNAUTHORIZED', 'Your session has ended. Sign in again.');
  if (status === 413) return new UploadError('TOO_LARGE', 'The file is larger than this VIVIM accepts.');
  return new UploadError('UPLOAD_FAILED', `The upload failed (HTTP ${status}).`);
}

/** POSTs `file` to /api/v1/import as multipart, reporting bytes sent. */
export function uploadExport(file: File, onProgress: (sent: number, total: number) => void): UploadHandle {
  const request = new XMLHttpRequest();
  const done = new Promise<ImportStarted>((resolve, reject) => {
    request.open('POST', '/api/v1/import');
    request.setRequestHeader('accept', 'application/json');
    request.upload.addEventListener('progress', (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size));
    request.addEventListener('load', () => {
      if (request.status === 202 || request.status === 200) {
        try {
          resolve(JSON.parse(request.responseText) as ImportStarted);
          return;
        } catch {
          reject(new UploadError('UPLOAD_FAILED', 'The server answered the upload with something unexpected.'));
          return;
        }
      }
      reject(uploadErrorOf(request.status, request.responseText));
    });
    request.addEventListener('error', () => reject(new UploadError('NETWORK', 'The server could not be reached. Check your connection and try again.')));
    request.addEventListener('abort', () => reject(new UploadError('CANCELLED', 'The upload was cancelled.')));
    const form = new FormData();
    form.append('file', file, file.name);
    request.send(form);
  });
  return { done, abort: () => request.abort() };
}

/** 1536 → "1.5 KB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
