// An $EDITOR for tests: a scripted user. Each run takes the next step of the JSON file named by
// HOIST_TEST_EDITOR_SCRIPT: it saves what it was shown (<script>.seen.<n>), optionally waits for a
// file to appear (after touching `ready`), then applies text replacements (or leaves the file as it is).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
const script = process.env.HOIST_TEST_EDITOR_SCRIPT;
const counter = `${script}.count`;
const n = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;
writeFileSync(counter, String(n + 1));
const step = JSON.parse(readFileSync(script, 'utf8'))[n];
if (!step) {
  console.error(`scripted editor: no step ${n}`);
  process.exit(3);
}
let text = readFileSync(file, 'utf8');
writeFileSync(`${script}.seen.${n}`, text);
if (step.ready) writeFileSync(step.ready, '');
if (step.waitFor) {
  const deadline = Date.now() + 20_000;
  while (!existsSync(step.waitFor)) {
    if (Date.now() > deadline) process.exit(4);
    await new Promise((r) => setTimeout(r, 25));
  }
}
for (const [from, to] of step.replace ?? []) {
  if (!text.includes(from)) {
    console.error(`scripted editor: "${from}" not in the file`);
    process.exit(5);
  }
  text = text.replace(from, to);
}
if (step.replace) writeFileSync(file, text);
