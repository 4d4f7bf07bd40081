// The insights page with JavaScript off (the crawl-ssr project, on the 500-person demo with
// history): the figures and charts arrive in the HTML, and the group filter is a plain form
// that works without the browser half.
import { test, expect } from './fixtures';
import { ADMIN, PASSWORD } from './helpers';

test('insights render and filter with JavaScript off', async ({ page }) => {
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const programmes = await (await page.request.post('/api/programmes', { form: {} })).json();
  const id = programmes.find((p: any) => p.name === 'Reverse mentoring 2026').id;
  await page.goto(`/programmes/${id}/insights`);
  expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(4);
  const approved = page.locator('section[aria-labelledby="funnel-h"] .figure-list li').filter({ hasText: 'Approved' }).locator('.figure-count');
  const everyone = Number(await approved.textContent());
  await expect(page.locator('section#health .at-risk-pair').first()).toBeVisible();
  await expect(page.locator('table.calibration tr[data-criterion="Schedule"]')).toContainText('helps');
  const value = await page.locator('#f-group optgroup[label="Career stage"] option').first().getAttribute('value');
  await page.getByLabel('Whose figures').selectOption(value!);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page).toHaveURL(/group=stage/);
  expect(Number(await approved.textContent())).toBeLessThan(everyone);
  await page.goto(`/programmes/${id}/report`);
  await expect(page.getByRole('heading', { name: 'Targets' })).toBeVisible();
});
