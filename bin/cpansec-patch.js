#!/usr/bin/env node
// Thin shim: all behaviour lives in the compiled library (dist/). Exit codes are
// set by main() through process.exitCode so that stdout is flushed before exit.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
