import { defineApply } from './apply.js';
import { defineCheck } from './check.js';
import { defineDiff } from './diff.js';
import { defineImport } from './import.js';
import { defineInfo } from './info.js';
import { defineLint } from './lint.js';
import { defineList } from './list.js';
import { defineNew } from './new.js';
import { defineKey } from './key.js';
import { definePull } from './pull.js';
import { defineRecover } from './recover.js';
import { defineRepo } from './repo.js';
import { defineRevert } from './revert.js';
import { defineScan } from './scan.js';
import { defineSearch } from './search.js';
import { defineShow } from './show.js';
import { defineSign } from './sign.js';
import { defineStatus } from './status.js';
import { defineUpstream } from './upstream.js';
import { defineTest } from './test.js';
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
  defineScan,
  defineStatus,
  defineRevert,
  defineRecover,
  defineUpstream,
  defineList,
  defineSearch,
  defineInfo,
  defineNew,
  defineDiff,
  defineLint,
  defineTest,
  defineImport,
];
