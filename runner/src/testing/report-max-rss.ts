/**
 * Preloaded (`node --require`) into a process whose memory a benchmark measures: at exit it
 * writes the process's peak resident set size to stderr as `max-rss-kb <n>`.
 */
process.on('exit', () => {
  process.stderr.write(`max-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
