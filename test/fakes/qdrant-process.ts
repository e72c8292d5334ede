/**
 * The fake Qdrant in a process of its own, for tests that kill calm with SIGKILL: the server's state
 * outlives the calm process, as a real Qdrant's would. Prints `listening <url>` on stdout once it
 * answers; SIGTERM stops it.
 */
import { startFakeQdrant } from './qdrant-server.js';

const fake = await startFakeQdrant();
process.stdout.write(`listening ${fake.url}\n`);
process.on('SIGTERM', () => {
  void fake.stop().then(() => process.exit(0));
});
