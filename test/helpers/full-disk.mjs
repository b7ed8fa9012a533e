// A full disk, for tests of a real clusterchaos process: `node --import ./test/helpers/full-disk.mjs bin/clusterchaos.js …`.
//
// FULL_DISK_DIR: the folder on the "disk" (writes elsewhere, stderr included, go through).
// FULL_DISK_AFTER: a piece of text; once a write into that folder contains it, the disk is full: that write goes
// through, and every later write into the folder fails as the kernel's would (ENOSPC), a file created meanwhile
// staying empty, as on a real full disk. Unset: full from the start.
//
// It patches node:fs (sync, callback and promise writes) and re-syncs the ESM named exports, so the code under
// test, which imports `writeSync` & co. by name, sees the patched functions.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { resolve, sep } from 'node:path';

const dir = resolve(process.env.FULL_DISK_DIR ?? '/nonexistent') + sep;
const trigger = process.env.FULL_DISK_AFTER;
let full = trigger === undefined;
const fds = new Map();

const onDisk = (path) => typeof path === 'string' && resolve(path).startsWith(dir);
const text = (data, offset, length) => {
  if (typeof data === 'string') return data;
  const b = Buffer.from(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength ?? data.length);
  return b.toString('utf8', typeof offset === 'number' ? offset : 0, typeof length === 'number' ? (offset ?? 0) + length : undefined);
};
function enospc(syscall) {
  const e = new Error(`ENOSPC: no space left on device, ${syscall}`);
  e.code = 'ENOSPC';
  e.errno = -28;
  e.syscall = syscall;
  return e;
}
/** Whether this write into the folder fails; a write that contains the trigger fills the disk after it. */
function refuse(data, offset, length) {
  if (full) return true;
  if (trigger !== undefined && text(data, offset, length).includes(trigger)) full = true;
  return false;
}

const { openSync, closeSync, writeSync, writeFileSync, appendFileSync, fsyncSync } = fs;
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest);
  if (onDisk(path)) fds.set(fd, path);
  return fd;
};
fs.closeSync = function (fd) {
  fds.delete(fd);
  return closeSync.call(this, fd);
};
fs.writeSync = function (fd, data, offset, length, ...rest) {
  if (fds.has(fd) && refuse(data, offset, length)) throw enospc('write');
  return writeSync.call(this, fd, data, offset, length, ...rest);
};
fs.fsyncSync = function (fd) {
  if (fds.has(fd) && full) throw enospc('fsync');
  return fsyncSync.call(this, fd);
};
const wholeFile = (original) =>
  function (path, data, ...rest) {
    const target = typeof path === 'number' ? fds.get(path) : path;
    if (onDisk(target) && refuse(data)) {
      if (typeof path !== 'number') closeSync(openSync(path, 'a')); // created, left empty
      throw enospc('write');
    }
    return original.call(this, path, data, ...rest);
  };
fs.writeFileSync = wholeFile(writeFileSync);
fs.appendFileSync = wholeFile(appendFileSync);
const { writeFile, appendFile } = fsp;
const wholeFileAsync = (original) =>
  async function (path, data, ...rest) {
    if (onDisk(path) && refuse(data)) {
      closeSync(openSync(path, 'a'));
      throw enospc('write');
    }
    return original.call(this, path, data, ...rest);
  };
fsp.writeFile = wholeFileAsync(writeFile);
fsp.appendFile = wholeFileAsync(appendFile);
syncBuiltinESMExports();
