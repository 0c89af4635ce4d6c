import { Command } from 'commander';
import { registerServeCommand } from './serve.ts';
import { registerLabelModelCommand } from './label-model.ts';
import { registerLfAnalysisCommand } from './lf-analysis.ts';

const program = new Command('reef')
  .description('Reef: a browser-first weak-supervision studio')
  .showHelpAfterError();

registerServeCommand(program);
registerLabelModelCommand(program);
registerLfAnalysisCommand(program);

await program.parseAsync(process.argv);
