// The repository guard of both jest suites (unit: package.json `jest`, engine:
// test/engine/jest.config.js). No test may write outside a temporary folder it created: the
// global setup takes a fingerprint of the working tree as git sees it (HEAD, the status of
// every tracked and untracked, not ignored, path, and the bytes of each changed one), and
// the global teardown fails the run when the fingerprint moved, naming the paths.
// Plain JavaScript: jest loads global setup and teardown modules without a transform here.
const { execFileSync } = require('child_process');
const { createHash } = require('crypto');
const { existsSync, readFileSync, statSync } = require('fs');
const { join, resolve } = require('path');

const ROOT = resolve(__dirname, '..', '..');

function git(args) {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
}

/** path -> "status content-hash", plus HEAD; undefined outside a git checkout. */
function fingerprint() {
  if (!existsSync(join(ROOT, '.git'))) return undefined;
  let head;
  let status;
  try {
    head = git(['rev-parse', 'HEAD']).trim();
    status = git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=no']);
  } catch {
    return undefined;
  }
  const entries = { HEAD: head };
  const records = status.split('\0').filter(Boolean);
  for (let i = 0; i < records.length; i++) {
    const code = records[i].slice(0, 2);
    const path = records[i].slice(3);
    // a rename or copy record is followed by its source path
    if (code[0] === 'R' || code[0] === 'C') i++;
    const full = join(ROOT, path);
    let content = 'absent';
    try {
      content = statSync(full).isFile() ? createHash('sha256').update(readFileSync(full)).digest('hex') : 'not a file';
    } catch {
      // deleted
    }
    entries[path] = `${code} ${content}`;
  }
  return entries;
}

function changes(before, after) {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...paths].filter((p) => before[p] !== after[p]).sort();
}

module.exports = { fingerprint, changes, ROOT };
