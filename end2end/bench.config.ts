// The studio preview benchmark (see benches/README.md): one app per pool size, release build.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.UPMENTOR_E2E_PORT ?? 3927);
const baseURL = `http://127.0.0.1:${port}`;
const people = process.env.UPMENTOR_BENCH_PEOPLE ?? '1000';
export default defineConfig({
  testDir: './bench',
  workers: 1,
  retries: 0,
  timeout: 600_000,
  expect: { timeout: 300_000 },
  reporter: [['list']],
  use: {
    baseURL,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  webServer: {
    command: `${process.env.UPMENTOR_BIN} serve`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 600_000,
    env: {
      UPMENTOR_ADDR: `127.0.0.1:${port}`,
      UPMENTOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'upmentor-bench-')),
      UPMENTOR_DEMO: 'true',
      UPMENTOR_DEMO_PEOPLE: people,
      UPMENTOR_SITE_ROOT: process.env.UPMENTOR_SITE_ROOT ?? '../target/site',
      RUST_LOG: 'warn',
    },
  },
});
