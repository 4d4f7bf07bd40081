// Browser tests against the real app, in Debian's Chromium (never a downloaded browser).
// Two servers: a small demo for the flows, and the 500-person demo with a programme at work and
// months of its history, for the crawl of every route and the insights page.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.UPMENTOR_E2E_PORT ?? 3917);
const crawlPort = port + 1;
const baseURL = `http://127.0.0.1:${port}`;
const crawlURL = `http://127.0.0.1:${crawlPort}`;
const bin = process.env.UPMENTOR_BIN ?? '../target/debug/upmentor';
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
};
// The flows' server sends mail to an SMTP server on loopback (Python's aiosmtpd, which `make
// test` installs), which keeps each message in a maildir the tests read (see tests/mail.ts, which finds the same folder).
const smtpPort = port + 2;
const maildir = join(tmpdir(), `upmentor-e2e-maildir-${smtpPort}`);
const python = process.env.UPMENTOR_SMTPD_PYTHON ?? 'python3';
const server = (at: number, people: string, programme: string, history = false, mail = false) => ({
  command: `${bin} serve`,
  url: `http://127.0.0.1:${at}/healthz`,
  reuseExistingServer: false,
  timeout: 180_000,
  stdout: 'pipe' as const,
  env: {
    UPMENTOR_ADDR: `127.0.0.1:${at}`,
    UPMENTOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'upmentor-e2e-')),
    UPMENTOR_DEMO: 'true',
    UPMENTOR_DEMO_PEOPLE: people,
    UPMENTOR_DEMO_PROGRAMME: programme,
    UPMENTOR_DEMO_HISTORY: history ? 'true' : 'false',
    UPMENTOR_SITE_ROOT: process.env.UPMENTOR_SITE_ROOT ?? '../target/site',
    RUST_LOG: 'warn',
    ...(mail ? { UPMENTOR_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, UPMENTOR_MAIL_FROM: 'Upmentor <mentoring@demo.upmentor.test>',
                 UPMENTOR_PUBLIC_URL: `http://127.0.0.1:${at}`, UPMENTOR_DIGEST_AFTER_MINUTES: '0' } : {}),
  },
});

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: { baseURL, launchOptions: chromium, trace: 'off' },
  projects: [
    { name: 'hydrate', testIgnore: /(nojs|crawl|hydration|insights|insights-plain|lists|lists-plain)\.spec\.ts/ },
    { name: 'ssr', testMatch: /nojs\.spec\.ts/, use: { javaScriptEnabled: false } },
    { name: 'crawl-hydrate', testMatch: /(crawl|hydration|insights|lists)\.spec\.ts/, use: { baseURL: crawlURL } },
    { name: 'crawl-ssr', testMatch: /(crawl|insights-plain|lists-plain)\.spec\.ts/, use: { baseURL: crawlURL, javaScriptEnabled: false } },
  ],
  webServer: [
    {
      // A fresh maildir each run: aiosmtpd makes it (with new/, cur/, tmp/) only where nothing is.
      command: `rm -rf '${maildir}' && exec ${python} -m aiosmtpd -n -l 127.0.0.1:${smtpPort} -c aiosmtpd.handlers.Mailbox '${maildir}'`,
      port: smtpPort,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    server(port, '80', '0', false, true),
    server(crawlPort, '500', '1', true),
  ],
});
