#!/usr/bin/env node
// leffa-studio command line: runs models/cli/main.ts through tsx (the TypeScript sources are the program).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../models/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
