/**
 * Full campaigns (`npx just pN::campaign` from a fresh clone, empty results folder, the full
 * settings) on a quiet 2-core machine: each run's log and the seconds it took, as the campaign
 * printed them. plan.test.ts holds the estimates to them.
 */
export const MEASURED_CAMPAIGNS: Record<'p1' | 'p2' | 'p3' | 'p4', Array<[string, number]>> = {
  p1: [
    ['tests/test1.log', 0], ['tests/test2.log', 0], ['tests/test3.log', 0], ['tests/test4.log', 0],
    ['tests/test5.log', 1], ['fuzz/fuzz-1-no.log', 2], ['fuzz/fuzz-3-no.log', 3], ['fuzz/fuzz-3-yes.log', 3],
    ['bench/bench-1-a.log', 3], ['bench/bench-1-b.log', 4], ['bench/bench-1-c.log', 3], ['bench/bench-1-d.log', 3],
    ['bench/bench-1-e.log', 6], ['bench/bench-1-f.log', 4], ['bench/bench-10-a.log', 14], ['bench/bench-25-a.log', 36],
    ['bench/bench-40-a.log', 63], ['bench/bench-55-a.log', 94], ['bench/bench-70-a.log', 123], ['bench/bench-85-a.log', 179],
    ['bench/bench-10-c.log', 13], ['bench/bench-25-c.log', 36], ['bench/bench-40-c.log', 58], ['bench/bench-55-c.log', 84],
    ['bench/bench-70-c.log', 113], ['bench/bench-85-c.log', 149], ['bench/bench-10-e.log', 28], ['bench/bench-25-e.log', 70],
    ['bench/bench-40-e.log', 116], ['bench/bench-55-e.log', 211], ['bench/bench-70-e.log', 300], ['bench/bench-85-e.log', 344],
  ],
  p2: [
    ['fuzz/fuzz-3-no.log', 10], ['fuzz/fuzz-3-yes.log', 42], ['fuzz/fuzz-5-yes.log', 43], ['bench/bench-10-a-1.log', 35],
    ['bench/bench-10-a-3.log', 39], ['bench/bench-10-a-5.log', 54], ['bench/bench-10-b-1.log', 25], ['bench/bench-10-b-3.log', 37],
    ['bench/bench-10-b-5.log', 30], ['bench/bench-10-c-1.log', 23], ['bench/bench-10-c-3.log', 28], ['bench/bench-10-c-5.log', 25],
    ['bench/bench-10-d-1.log', 23], ['bench/bench-10-d-3.log', 29], ['bench/bench-10-d-5.log', 32], ['bench/bench-10-e-1.log', 58],
    ['bench/bench-10-e-3.log', 70], ['bench/bench-10-e-5.log', 83], ['bench/bench-10-f-1.log', 33], ['bench/bench-10-f-3.log', 40],
    ['bench/bench-10-f-5.log', 44], ['bench/bench-1-a-1.log', 10], ['bench/bench-20-a-1.log', 49], ['bench/bench-30-a-1.log', 76],
    ['bench/bench-1-a-5.log', 13], ['bench/bench-20-a-5.log', 70], ['bench/bench-30-a-5.log', 103],
  ],
  p3: [
    ['fuzz/fuzz-5-no.log', 34], ['fuzz/fuzz-5-yes.log', 45], ['bench/bench-10-a-1.log', 37], ['bench/bench-10-a-3.log', 82],
    ['bench/bench-10-a-5.log', 108], ['bench/bench-10-b-1.log', 30], ['bench/bench-10-b-3.log', 52], ['bench/bench-10-b-5.log', 70],
    ['bench/bench-10-c-1.log', 28], ['bench/bench-10-c-3.log', 44], ['bench/bench-10-c-5.log', 58], ['bench/bench-10-d-1.log', 29],
    ['bench/bench-10-d-3.log', 51], ['bench/bench-10-d-5.log', 72], ['bench/bench-10-e-1.log', 86], ['bench/bench-10-e-3.log', 110],
    ['bench/bench-10-e-5.log', 156], ['bench/bench-10-f-1.log', 49], ['bench/bench-10-f-3.log', 110], ['bench/bench-10-f-5.log', 132],
    ['bench/bench-1-a-1.log', 13], ['bench/bench-20-a-1.log', 63], ['bench/bench-30-a-1.log', 96], ['bench/bench-1-a-5.log', 31],
    ['bench/bench-20-a-5.log', 172], ['bench/bench-30-a-5.log', 221], ['tests/test1.log', 5], ['tests/test2.log', 5],
    ['tests/test3.log', 4], ['tests/test4.log', 6],
  ],
  p4: [
    ['fuzz/fuzz-mako-no.log', 26], ['fuzz/fuzz-mako-yes.log', 27], ['fuzz/fuzz-2pc-no.log', 26], ['fuzz/fuzz-2pc-yes.log', 26],
    ['bench/bench-micro-0-mako-0ms-c256.log', 16], ['bench/bench-micro-0-2pc-0ms-c256.log', 17], ['bench/bench-micro-0-mako-10ms-c256.log', 16], ['bench/bench-micro-0-2pc-10ms-c256.log', 17],
    ['bench/bench-micro-0-mako-50ms-c256.log', 17], ['bench/bench-micro-0-2pc-50ms-c256.log', 17], ['bench/bench-micro-0-rf1-c256.log', 16], ['bench/bench-micro-5-mako-0ms-c256.log', 17],
    ['bench/bench-micro-5-2pc-0ms-c256.log', 17], ['bench/bench-micro-5-mako-10ms-c256.log', 17], ['bench/bench-micro-5-2pc-10ms-c256.log', 17], ['bench/bench-micro-5-mako-50ms-c256.log', 17],
    ['bench/bench-micro-5-2pc-50ms-c256.log', 18], ['bench/bench-micro-5-rf1-c256.log', 15], ['bench/bench-micro-20-mako-0ms-c256.log', 17], ['bench/bench-micro-20-2pc-0ms-c256.log', 16],
    ['bench/bench-micro-20-mako-10ms-c256.log', 17], ['bench/bench-micro-20-2pc-10ms-c256.log', 17], ['bench/bench-micro-20-mako-50ms-c256.log', 17], ['bench/bench-micro-20-2pc-50ms-c256.log', 17],
    ['bench/bench-micro-20-rf1-c256.log', 15], ['bench/bench-micro-50-mako-0ms-c256.log', 16], ['bench/bench-micro-50-2pc-0ms-c256.log', 17], ['bench/bench-micro-50-mako-10ms-c256.log', 17],
    ['bench/bench-micro-50-2pc-10ms-c256.log', 17], ['bench/bench-micro-50-mako-50ms-c256.log', 17], ['bench/bench-micro-50-2pc-50ms-c256.log', 17], ['bench/bench-micro-50-rf1-c256.log', 15],
    ['bench/bench-bank-mako-0ms-c256.log', 18], ['bench/bench-bank-2pc-0ms-c256.log', 18], ['bench/bench-bank-mako-10ms-c256.log', 18], ['bench/bench-bank-2pc-10ms-c256.log', 19],
    ['bench/bench-bank-mako-50ms-c256.log', 21], ['bench/bench-bank-2pc-50ms-c256.log', 25], ['bench/bench-bank-rf1-c256.log', 15],
  ],
};
