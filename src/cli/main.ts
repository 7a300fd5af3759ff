#!/usr/bin/env node
import { defaultContext } from './context.js';
import { runCli } from './program.js';

// `faultline scan --format table --out - | head` closes the pipe early; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const ctx = defaultContext();
const code = await runCli(process.argv.slice(2), ctx);
// Let stdout drain before exiting so piped reports are never cut short.
process.exitCode = code;
