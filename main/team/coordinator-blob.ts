// Sends one blob to a worker: streamed from the project's blob store (a checkpoint is gigabytes), with
// its SHA-256 in a header so the worker can check what it got, and `Range: bytes=N-` so an interrupted
// checkpoint download resumes instead of starting over.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

export async function sendBlob(req: IncomingMessage, res: ServerResponse, path: string, hash: string): Promise<void> {
  const size = (await stat(path)).size;
  let start = 0;
  const range = req.headers.range;
  if (range !== undefined) {
    const m = /^bytes=(\d+)-$/.exec(range);
    if (!m || Number(m[1]) > size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    start = Number(m[1]);
  }
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Content-Length': size - start,
    'X-Content-Sha256': hash,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
  };
  if (range !== undefined) headers['Content-Range'] = `bytes ${start}-${Math.max(start, size - 1)}/${size}`;
  res.writeHead(range !== undefined ? 206 : 200, headers);
  if (req.method === 'HEAD' || start === size) {
    res.end();
    return;
  }
  await pipeline(createReadStream(path, { start }), res);
}
