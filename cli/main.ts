// The `hindsight` command: the composition root for the server and operator tools. The command
// tree is built in program.ts; exit codes are listed in errors.ts (`hindsight help exit-codes`).
import { runCli } from './program.js';

await runCli(process.argv);
