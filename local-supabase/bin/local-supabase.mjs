#!/usr/bin/env node
// The package ships TypeScript: tsx loads it in this process, so signals and exit codes are the CLI's own.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
