import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TXN_RETRY } from '../client/txn-retry';
import { parseCommonArgs } from './client';

const tries = DEFAULT_TXN_RETRY.maxTries;

test('the command lines recipes use are read without yargs; anything else is left to yargs', () => {
  assert.deepEqual(parseCommonArgs(['--server', '127.0.0.1:3777']), { quiet: false, 'txn-tries': tries, server: '127.0.0.1:3777' });
  assert.deepEqual(parseCommonArgs(['--managers', 'a:1,b:2', '--quiet']), { quiet: true, 'txn-tries': tries, managers: 'a:1,b:2' });
  assert.deepEqual(parseCommonArgs(['--managers', 'a:1', '--txn-tries', '3']), { quiet: false, 'txn-tries': 3, managers: 'a:1' });
  assert.deepEqual(parseCommonArgs([]), { quiet: false, 'txn-tries': tries });
  const leftToYargs = [
    ['--help'], ['--server=a:1'], ['--server'], ['--server', '--quiet'], ['--server', 'a:1', '--server', 'b:2'], ['--bogus'], ['--quiet', '--quiet'],
    ['--txn-tries'], ['--txn-tries', '-1'], ['--txn-tries', 'x'], ['--txn-tries', '2', '--txn-tries', '3'],
  ];
  for (const argv of leftToYargs) assert.equal(parseCommonArgs(argv), undefined, argv.join(' '));
});
