#!/usr/bin/env node
import { defaultContext } from './context.js';
import { runCli } from './program.js';

const ctx = defaultContext();
const code = await runCli(process.argv.slice(2), ctx);
// Let stdout drain before exiting so piped reports are never cut short.
process.exitCode = code;
