// The mail the flows' server sent: aiosmtpd (started by playwright.config.ts) keeps each message
// it accepts as a file in a maildir; mailparser (Nodemailer's) reads them.
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, ParsedMail } from 'mailparser';
import { expect } from './fixtures';

const maildir = join(tmpdir(), `upmentor-e2e-maildir-${Number(process.env.UPMENTOR_E2E_PORT ?? 3917) + 2}`);

async function all(): Promise<ParsedMail[]> {
  const files = ['new', 'cur'].flatMap(d => {
    try { return readdirSync(join(maildir, d)).map(f => join(maildir, d, f)); } catch { return []; }
  });
  return Promise.all(files.map(f => simpleParser(readFileSync(f))));
}

/** The messages to `address` so far. */
export async function mailTo(address: string): Promise<ParsedMail[]> {
  return (await all()).filter(m => m.to && (Array.isArray(m.to) ? m.to : [m.to]).some(t => t.value.some(v => v.address === address)));
}

/** Waits for the first message to `address` with `subject` and returns it. */
export async function firstMailTo(address: string, subject: string): Promise<ParsedMail> {
  const find = async () => (await mailTo(address)).find(m => m.subject === subject);
  await expect.poll(async () => (await find()) !== undefined, { timeout: 20_000 }).toBe(true);
  return (await find())!;
}
