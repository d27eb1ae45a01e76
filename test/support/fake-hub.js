// A stand-in for the Hugging Face Hub's HTTP API on 127.0.0.1, modeled on its public shapes:
//   GET /api/models/<org>/<name>/revision/<rev>?blobs=true  the revision's files ("siblings"):
//       rfilename, size, blobId, and for an LFS file lfs: { sha256, size, pointerSize }
//   GET /<org>/<name>/resolve/<rev>/<path>                   the file's bytes
// Anything else is a 404. Every request is appended to `log` ("GET <path>"), when given.
//
// In-process: `startFakeHub(repos, log?)` resolves to { url, close }. As a child process (the
// engine tests block their event loop while docker builds): `node fake-hub.js <config.json>`
// prints "port <n>"; the config is { repos, log }.
//
// repos: { "<org>/<name>": { revision: "<40 hex>", files: { "<path>": { base64, lfs } } } }
'use strict';
const { createHash } = require('crypto');
const { appendFileSync, readFileSync } = require('fs');
const { createServer } = require('http');

function handler(repos, log) {
  return (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (log) appendFileSync(log, `${req.method} ${url.pathname}\n`);
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = repos[(api || resolve || [])[1]];
    if (!repo || (api || resolve)[2] !== repo.revision) return notFound(res);
    if (api) {
      const siblings = Object.keys(repo.files).map((rfilename) => {
        const file = repo.files[rfilename];
        const bytes = Buffer.from(file.base64, 'base64');
        const blobId = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
        return {
          rfilename, size: bytes.length, blobId,
          ...file.lfs ? { lfs: { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, pointerSize: 134 } } : {},
        };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: api[1], sha: repo.revision, siblings }));
    }
    const file = repo.files[decodeURIComponent(resolve[3])];
    if (!file) return notFound(res);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    return res.end(Buffer.from(file.base64, 'base64'));
  };
}

function notFound(res) {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":"Repository Not Found"}');
}

function startFakeHub(repos, log) {
  const server = createServer(handler(repos, log));
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((done) => server.close(() => done())),
  })));
}

module.exports = { startFakeHub };

if (require.main === module) {
  const config = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
  startFakeHub(config.repos, config.log).then((hub) => console.log(`port ${new URL(hub.url).port}`));
}
