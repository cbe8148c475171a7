import { defineApply } from './apply.js';
import { defineCheck } from './check.js';
import { defineKey } from './key.js';
import { definePull } from './pull.js';
import { defineRepo } from './repo.js';
import { defineShow } from './show.js';
import { defineSign } from './sign.js';
import { defineVerify } from './verify.js';
import type { Command } from 'commander';
import type { Runner } from '../main.js';

export type DefineCommand = (program: Command, run: Runner) => void;

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly DefineCommand[] = [
  defineShow,
  defineCheck,
  defineApply,
  defineKey,
  defineSign,
  defineVerify,
  defineRepo,
  definePull,
];
