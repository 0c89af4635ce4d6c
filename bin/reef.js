#!/usr/bin/env node
// The `reef` command. Node >= 22 runs the TypeScript sources directly (type stripping), so there is no build step.
import '../cli/main.ts';
