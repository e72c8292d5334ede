/** @module Option parsers shared by commands: bad values are usage errors (exit 2) with a clear message. */
import { InvalidArgumentError } from 'commander';

export function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`'${value}' is not a whole number.`);
    if (n < min || n > max) throw new InvalidArgumentError(`${n} is out of range; use ${min} to ${max}.`);
    return n;
  };
}

export function listOption(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** Any finite number; ranges are the service's to check, so CLI and MCP give the same message. */
export function numberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`'${value}' is not a number.`);
  return n;
}

/** A whole number; ranges are the service's to check. */
export function wholeNumberOption(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`'${value}' is not a whole number.`);
  return n;
}
