import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { fakeClientCommand } from '../testing/fake-clients';
import { runRunner } from '../testing/runner-cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'madkv-ycsb-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// A stand-in for `ycsb/bin/ycsb.sh`: prints what YCSB's basic binding prints.
const FAKE_YCSB = `#!/bin/sh
[ "$2" = basic ] && [ "$3" = -P ] || { echo "unexpected args: $*" >&2; exit 3; }
case "$4" in */workloads/workloade) ;; *) echo "No such file: $4"; exit 1 ;; esac
echo "YCSB Client 0.17.0"
echo '"recordcount"="1000"'
if [ "$1" = load ]; then
  echo "INSERT usertable user1 [ field1=a b field0=c ]"
  echo "INSERT usertable user2 [ field1=d field0=e ]"
  echo "INSERT usertable user3 [ field1=f field0=g ]"
else
  echo "SCAN usertable user1 2 [ <all fields>]"
  echo "INSERT usertable user4 [ field0=h ]"
  echo "SCAN usertable user3 5 [ <all fields>]"
fi
echo "[OVERALL], RunTime(ms), 3"
`;

test('--engine ycsb feeds the printed operations of YCSB processes to the clients', async () => {
  fs.mkdirSync(path.join(dir, 'ycsb', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ycsb', 'bin', 'ycsb.sh'), FAKE_YCSB, { mode: 0o755 });
  const r = await runRunner(['bench', '--engine', 'ycsb', '--ycsb-dir', path.join(dir, 'ycsb'), '--workload', 'e', '--num-clis', '2', '--client-cmd', fakeClientCommand()]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ {4}Latency: {4}INSERT {2}ops {6}6 {2}avg/m);
  assert.match(r.stdout, /^ {16}SCAN {4}ops {6}4 {2}avg/m);
  assert.match(r.stdout, /^\[SCAN\], Operations, 4$/m);
});

test('--engine ycsb reports a YCSB failure', async () => {
  const r = await runRunner(['bench', '--engine', 'ycsb', '--ycsb-dir', path.join(dir, 'ycsb'), '--workload', 'a', '--client-cmd', fakeClientCommand()]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /Benchmark failed: YCSB: No such file/);
});
