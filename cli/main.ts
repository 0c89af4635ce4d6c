import { Command } from 'commander';
import { registerServeCommand } from './serve.ts';

const program = new Command('reef')
  .description('Reef: a browser-first weak-supervision studio')
  .showHelpAfterError();

registerServeCommand(program);

await program.parseAsync(process.argv);
