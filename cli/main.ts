import { Command } from 'commander';

const program = new Command('reef')
  .description('Reef: a browser-first weak-supervision studio')
  .showHelpAfterError();

await program.parseAsync(process.argv);
