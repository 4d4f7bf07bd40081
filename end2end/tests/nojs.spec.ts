// Runs with JavaScript disabled: the server-rendered pages must make sense on their own.
import { test, expect } from '@playwright/test';
import { MENTEE, PASSWORD } from './helpers';

test('the sign-in page is complete before any script runs', async ({ page }) => {
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Work email')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
});

test('directory and profile pages show their content without JavaScript', async ({ page }) => {
  const res = await page.request.post('/api/sign_in', { form: { email: MENTEE, password: PASSWORD } });
  expect(res.ok()).toBeTruthy();
  await page.goto('/people?q=Dana');
  await expect(page.getByRole('link', { name: 'Dana Okafor' })).toBeVisible();
  await page.getByRole('link', { name: 'Dana Okafor' }).click();
  await expect(page.getByRole('heading', { name: 'Dana Okafor' })).toBeVisible();
  await expect(page.getByText('Can teach')).toBeVisible();
  await page.goto('/people?department=Sales');
  await expect(page.locator('.person').first()).toContainText('Sales');
});
