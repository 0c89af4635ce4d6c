import { Command } from 'commander';
import { registerDemoCommand } from './demo.ts';
import { registerServeCommand } from './serve.ts';
import { registerLabelModelCommand } from './label-model.ts';
import { registerLfAnalysisCommand } from './lf-analysis.ts';

const program = new Command('reef')
  .description('Reef: a browser-first weak-supervision studio')
  .showHelpAfterError();

registerServeCommand(program);
registerDemoCommand(program);
registerLabelModelCommand(program);
registerLfAnalysisCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line that says what to do, not a stack trace; REEF_DEBUG=1 shows the stack.
  console.error(`reef: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.REEF_DEBUG === '1') console.error(err);
  process.exit(1);
}
