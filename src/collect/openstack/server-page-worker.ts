/**
 * The worker thread of server-pages.ts: reads each page it is sent and answers
 * with the result. The servers travel as JSON text: the main thread parses that
 * about twice as fast as it deserialises the same objects from a structured clone.
 */
import { parentPort } from 'node:worker_threads';
import { readServersPage, type ServersPageInput } from './server-pages.js';

parentPort?.on('message', (m: { id: number; input: ServersPageInput }) => {
  const output = readServersPage(m.input);
  if (output.ok) parentPort?.postMessage({ id: m.id, output: { ...output, servers: [] }, serversJson: JSON.stringify(output.servers) });
  else parentPort?.postMessage({ id: m.id, output });
});
