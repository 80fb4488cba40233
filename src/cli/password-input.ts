/**
 * Where a CLI password comes from: `--password` (scripts; visible in ps), `--password-stdin`
 * (first line of stdin), else an interactive prompt with echo off when stdin is a terminal.
 */
import { createInterface } from 'node:readline';

export interface PasswordFlags { password?: string; passwordStdin?: boolean }

async function readStdinLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

async function prompt(question: string): Promise<string> {
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          return reject(new Error('cancelled'));
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function readPassword(flags: PasswordFlags): Promise<string> {
  let password: string;
  if (flags.password !== undefined) password = flags.password;
  else if (flags.passwordStdin) password = await readStdinLine();
  else if (process.stdin.isTTY) {
    password = await prompt('password: ');
    if ((await prompt('again: ')) !== password) throw new Error('the passwords differ');
  } else throw new Error('no password: use --password-stdin (or --password) when stdin is not a terminal');
  if (password.length < 8) throw new Error('the password must have at least 8 characters');
  return password;
}
