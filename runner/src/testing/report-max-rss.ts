/**
 * Preloaded (`node --require`) into a process whose memory and CPU a benchmark measures: at exit
 * it writes the process's peak resident set size and the CPU time it used (user + system, all
 * threads) to stderr as `max-rss-kb <n>` and `cpu-ms <n>`.
 */
process.on('exit', () => {
  const cpu = process.cpuUsage();
  process.stderr.write(`max-rss-kb ${process.resourceUsage().maxRSS}\ncpu-ms ${((cpu.user + cpu.system) / 1000).toFixed(1)}\n`);
});
