// Browser tests against the real app, in Debian's Chromium (never a downloaded browser).
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.UPMENTOR_E2E_PORT ?? 3917);
const baseURL = `http://127.0.0.1:${port}`;
const bin = process.env.UPMENTOR_BIN ?? '../target/debug/upmentor';
const dataDir = mkdtempSync(join(tmpdir(), 'upmentor-e2e-'));
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
};

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
    { name: 'hydrate', testIgnore: /nojs\.spec\.ts/ },
    { name: 'ssr', testMatch: /nojs\.spec\.ts/, use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: `${bin} serve`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    env: {
      UPMENTOR_ADDR: `127.0.0.1:${port}`,
      UPMENTOR_DATA_DIR: dataDir,
      UPMENTOR_DEMO_PEOPLE: '80',
      UPMENTOR_SITE_ROOT: process.env.UPMENTOR_SITE_ROOT ?? '../target/site',
      RUST_LOG: 'warn',
    },
  },
});
