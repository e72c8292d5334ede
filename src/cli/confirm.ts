/** @module Asking before destructive work: `--yes` skips the question; without a terminal to ask on, refuse. */
import { createInterface } from 'node:readline/promises';
import { CalmError } from '../errors.js';

export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new CalmError('validation_error', `${question} Refusing without a terminal to ask on: pass --yes to confirm.`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
