// The `hindsight` command: the composition root for the server and operator tools. The command
// tree is built in program.ts; exit codes are listed in errors.ts (`hindsight help exit-codes`).
import { runCli } from './program.js';

// A reader that stops early (`hindsight worker --help | head -1`) closes the pipe: the rest of
// the output has nowhere to go, so stop quietly, as Unix tools do, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

await runCli(process.argv);
