import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Reply, parseReply, resp, scanAnswer, translate } from './redis-client';

function answer(line: string, reply: Reply): string {
  const t = translate(line);
  assert.ok(typeof t === 'object' && t !== null, line);
  return t.answer(reply);
}

test('each protocol command is one Redis command, and its reply becomes the protocol answer', () => {
  const put = translate('PUT k v');
  assert.ok(typeof put === 'object' && put !== null);
  assert.equal(put.command, '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$3\r\nGET\r\n');
  assert.equal(answer('PUT k v', null), 'PUT k not_found\n');
  assert.equal(answer('PUT k v', 'old'), 'PUT k found\n');
  assert.equal(answer('SWAP k v', 'old'), 'SWAP k old\n');
  assert.equal(answer('SWAP k v', null), 'SWAP k null\n');
  assert.equal(answer('GET k', 'v\x7f'), 'GET k v\x7f\n');
  assert.equal(answer('GET  k\t', null), 'GET k null\n');
  assert.equal(answer('DELETE k', 1), 'DELETE k found\n');
  assert.equal(answer('DELETE k', 0), 'DELETE k not_found\n');
  assert.equal(translate('STOP'), 'STOP');
  assert.equal(translate('   '), undefined);
  assert.match(translate('put k v') as string, /^ERROR /);
  assert.match(translate('GET k extra') as string, /^ERROR /);
  assert.match(translate('GET kö') as string, /^ERROR /);
});

test('a SCAN prints the pairs within its bounds in byte order', () => {
  assert.equal(scanAnswer('b', 'd', ['e', '5', 'c', '3', 'a', '1', 'b', '2', 'd', '4']), 'SCAN b d BEGIN\n  b 2\n  c 3\n  d 4\nSCAN END\n');
  assert.equal(scanAnswer('x', 'y', []), 'SCAN x y BEGIN\nSCAN END\n');
});

test('RESP replies are parsed whole, or not at all until the rest arrives', () => {
  const buf = Buffer.from('+OK\r\n-ERR wrong\r\n:1\r\n$-1\r\n$3\r\nabc\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n', 'latin1');
  const replies: Reply[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const r = parseReply(buf, pos);
    assert.ok(r !== undefined);
    replies.push(r.reply);
    pos = r.next;
  }
  assert.deepEqual(replies, ['OK', { error: 'ERR wrong' }, 1, null, 'abc', ['k', 'v']]);
  for (const cut of [1, 4, 6, 8]) assert.equal(parseReply(Buffer.from('$3\r\nabc\r\n'.slice(0, cut), 'latin1'), 0), undefined);
  assert.equal(parseReply(Buffer.from('*2\r\n$1\r\nk\r\n', 'latin1'), 0), undefined);
  assert.equal(resp(['GET', 'k']), '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
});
