import { test, expect } from './fixtures';
import AxeBuilder from '@axe-core/playwright';
import { ADMIN, createProgramme, enrolByLevel, hydrated, signIn } from './helpers';

async function noSeriousViolations(page: import('@playwright/test').Page, path: string) {
  await page.goto(path);
  await hydrated(page);
  await expect(page.locator('main')).not.toContainText('Loading…');
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`), path).toEqual([]);
}

test('the sign-in page has no serious accessibility violations', async ({ page }) => {
  await noSeriousViolations(page, '/signin');
});

test('signed-in pages have no serious accessibility violations', async ({ page }) => {
  await signIn(page, ADMIN);
  for (const path of ['/', '/people', '/people/1', '/profile', '/admin', '/programmes', '/programmes/new', '/matches', '/inbox']) {
    await noSeriousViolations(page, path);
  }
});

test('programme pages and the studio have no serious accessibility violations', async ({ page }) => {
  await signIn(page, ADMIN);
  const id = await createProgramme(page, 'Accessible programme');
  await enrolByLevel(page, 'Mentors', '1', '3');
  await enrolByLevel(page, 'Mentees', '6', '10');
  await noSeriousViolations(page, `/programmes/${id}/manage`);
  await page.goto(`/programmes/${id}/studio`);
  await hydrated(page);
  await expect(page.locator('#pairs-table')).toHaveAttribute('data-updates', '1');
  await page.getByRole('button', { name: /^Explain/ }).first().click();
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)).toEqual([]);
});

test('the layout works at phone width', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page, ADMIN);
  await page.goto('/profile');
  await hydrated(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
