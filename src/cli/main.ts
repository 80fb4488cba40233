/** The `mailcluster` command line: see program.ts for the command tree. */
import { buildProgram } from './program.ts';

await buildProgram().parseAsync(process.argv);
