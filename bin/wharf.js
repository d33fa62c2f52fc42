#!/usr/bin/env node
// The `wharf` command runs the TypeScript sources as they are: Node.js strips
// the types itself (22.18 and newer), so there is no build step to forget.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `wharf needs Node.js 22.18 or newer; this is ${process.version}.\n` +
      `Run it as "npx wharf" from the project: npm then uses the project's own Node.js 24.\n`,
  );
  process.exit(1);
}
// kafkajs 2.2.4 schedules timers with negative delays, which Node 24 reports
// once per process as a TimeoutNegativeWarning (tulios/kafkajs#1751): the
// timer fires at once, as kafkajs intends. Every other warning still prints.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning') return;
  process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
});
await import('../src/cli/main.ts');
