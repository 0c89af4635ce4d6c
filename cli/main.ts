import { Command } from 'commander';
import { registerServeCommand } from './serve.ts';
import { registerLabelModelCommand } from './label-model.ts';

const program = new Command('reef')
  .description('Reef: a browser-first weak-supervision studio')
  .showHelpAfterError();

registerServeCommand(program);
registerLabelModelCommand(program);

await program.parseAsync(process.argv);
