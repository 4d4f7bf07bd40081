import { expect, Page } from '@playwright/test';

export const PASSWORD = 'upmentor-demo-2026';
export const ADMIN = 'admin@demo.upmentor.test';
export const MENTOR = 'dana.analyst@demo.upmentor.test';
export const MENTEE = 'victor.sales@demo.upmentor.test';
export const DESIGNER = 'mia.designer@demo.upmentor.test';

/** Waits until the browser half has taken over the server-rendered page. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}
