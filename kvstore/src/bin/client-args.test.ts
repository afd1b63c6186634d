import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommonArgs } from './client';

test('the command lines recipes use are read without yargs; anything else is left to yargs', () => {
  assert.deepEqual(parseCommonArgs(['--server', '127.0.0.1:3777']), { quiet: false, server: '127.0.0.1:3777' });
  assert.deepEqual(parseCommonArgs(['--managers', 'a:1,b:2', '--quiet']), { quiet: true, managers: 'a:1,b:2' });
  assert.deepEqual(parseCommonArgs([]), { quiet: false });
  for (const argv of [['--help'], ['--server=a:1'], ['--server'], ['--server', '--quiet'], ['--server', 'a:1', '--server', 'b:2'], ['--bogus'], ['--quiet', '--quiet']]) {
    assert.equal(parseCommonArgs(argv), undefined, argv.join(' '));
  }
});
